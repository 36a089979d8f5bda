/**
 * Serves the built web app (SvelteKit, adapter-static, `npm run build:web` → build/web) from the
 * same origin as the API. Hashed assets under `/_app/immutable/` are cached for a year; everything
 * else is revalidated. Any other GET that is not a server path (API, sync, FHIR, SMART, sign-in,
 * well-known, health) gets the SPA's `index.html`, so deep links such as `/clinician/<visit>`
 * work. Paths never leave the build folder.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HttpRequest, HttpResponse } from './http/types.ts';

/** Where `npm run build:web` writes the app. */
export const DEFAULT_WEB_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', 'build', 'web');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** Paths owned by the server: never answered with the app. */
const SERVER_PREFIXES = ['/api/', '/sync/', '/fhir/', '/smart/', '/auth/', '/.well-known/', '/healthz'];

/**
 * The app's own pages: scripts, styles and connections to this origin only (plus WebSocket and
 * HTTPS for a LiveKit server on another host). SvelteKit's static entry uses one inline script.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: mediastream:",
  "connect-src 'self' ws: wss: https:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

export type WebHandler = (req: HttpRequest) => Promise<HttpResponse | null>;

export function isServerPath(path: string): boolean {
  return SERVER_PREFIXES.some((p) => path === p.replace(/\/$/, '') || path.startsWith(p));
}

/** Resolves a URL path to a file inside `root`, or null when it would leave it. */
export function resolveInside(root: string, urlPath: string): string | null {
  let decoded: string;
  try { decoded = decodeURIComponent(urlPath); } catch { return null; }
  if (decoded.includes('\0')) return null;
  const full = normalize(join(root, decoded));
  const base = normalize(root.endsWith(sep) ? root : root + sep);
  return full.startsWith(base) ? full : null;
}

async function fileAt(path: string): Promise<Buffer | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? await readFile(path) : null;
  } catch {
    return null;
  }
}

function respond(path: string, body: Buffer, head: boolean, immutable: boolean): HttpResponse {
  const type = TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
  const headers: Record<string, string> = {
    'content-type': type,
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  };
  if (type.startsWith('text/html')) headers['content-security-policy'] = CSP;
  return { status: 200, headers, body: head ? new Uint8Array(0) : new Uint8Array(body) };
}

/** A handler for the router's fallback: null means "not mine" (the router answers 404). */
export function serveWeb(root: string = DEFAULT_WEB_ROOT): WebHandler {
  return async (req) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return null;
    if (isServerPath(req.path)) return null;
    const head = req.method === 'HEAD';
    if (req.path !== '/') {
      const file = resolveInside(root, req.path);
      if (!file) return null;
      const body = await fileAt(file);
      if (body) return respond(file, body, head, req.path.startsWith('/_app/immutable/'));
      // A missing asset is a 404, not the app: a stale page must not get HTML for a script.
      if (req.path.startsWith('/_app/') || extname(req.path) !== '') return null;
    }
    const index = join(root, 'index.html');
    const body = await fileAt(index);
    if (!body) {
      return { status: 503, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'The web app is not built. Run `npm run build:web`.\n' };
    }
    return respond(index, body, head, false);
  };
}
