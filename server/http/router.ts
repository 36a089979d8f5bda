/** A small method + path router over the HTTP seam. Path params are `:name` segments. */
import { errorJson, type HttpHandler, type HttpRequest, type HttpResponse } from './types.ts';

export type RouteHandler = (req: HttpRequest, params: Record<string, string>) => Promise<HttpResponse> | HttpResponse;

interface Route { method: string; pattern: string; parts: string[]; handler: RouteHandler }

/** A registered route as registered (read-only view for reviews and tests). */
export interface RouteInfo { readonly method: string; readonly pattern: string }

/** The answer for a path no route has (also given by the security guard to unlisted API paths). */
export const notFound = (): HttpResponse => errorJson(404, 'ERR_NOT_FOUND', 'not found');

/** Answers requests no route matched; null lets the router answer 404. */
export type FallbackHandler = (req: HttpRequest) => Promise<HttpResponse | null> | HttpResponse | null;

export class Router {
  readonly #routes: Route[] = [];
  #fallback: FallbackHandler | null = null;

  /** Sets the handler for paths no route matches (e.g. the web app's static files). */
  fallback(handler: FallbackHandler): this {
    this.#fallback = handler;
    return this;
  }

  on(method: string, pattern: string, handler: RouteHandler): this {
    this.#routes.push({ method: method.toUpperCase(), pattern, parts: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  /** Every registered route, in registration order. */
  routes(): RouteInfo[] {
    return this.#routes.map(({ method, pattern }) => ({ method, pattern }));
  }

  handler(): HttpHandler {
    return async (req) => {
      const segs = req.path.split('/').filter(Boolean);
      let pathMatched = false;
      for (const r of this.#routes) {
        const params = match(r.parts, segs);
        if (!params) continue;
        pathMatched = true;
        if (r.method !== req.method && !(r.method === 'GET' && req.method === 'HEAD')) continue;
        return r.handler(req, params);
      }
      if (!pathMatched && this.#fallback) {
        const r = await this.#fallback(req);
        if (r) return r;
      }
      return pathMatched
        ? errorJson(405, 'ERR_METHOD_NOT_ALLOWED', 'method not allowed')
        : notFound();
    };
  }
}

function match(parts: string[], segs: string[]): Record<string, string> | null {
  if (parts.length !== segs.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const s = segs[i]!;
    if (p.startsWith(':')) {
      try { params[p.slice(1)] = decodeURIComponent(s); } catch { return null; }
    } else if (p !== s) return null;
  }
  return params;
}
