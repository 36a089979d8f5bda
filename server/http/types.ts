/** The HTTP seam: the transport parses requests into plain data; handlers return plain data. */
export interface HttpRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: Uint8Array;
  address: string;
}

export interface HttpResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

export type HttpHandler = (req: HttpRequest) => Promise<HttpResponse>;

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), or null. */
export function bearerToken(req: HttpRequest): string | null {
  return /^Bearer\s+(\S+)$/i.exec(req.headers['authorization'] ?? '')?.[1] ?? null;
}

export function json(status: number, value: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(value) };
}

export function errorJson(status: number, code: string, message: string, extra: Record<string, unknown> = {}): HttpResponse {
  return json(status, { error: { code, message, ...extra } });
}
