/** JSON calls to the Rounds API on the same origin. Errors carry the server's stable `ERR_…` code. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) { super(message); }
}

export async function api<T = unknown>(method: string, path: string, token: string | null, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    throw new ApiError(0, 'ERR_NETWORK', 'the server cannot be reached');
  }
  const text = await res.text();
  let data: unknown = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!res.ok) {
    const err = (data as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(res.status, err?.code ?? `ERR_HTTP_${res.status}`, err?.message ?? res.statusText);
  }
  return data as T;
}

/** A short human message for an error, never a stack trace. */
export function describe(e: unknown): string {
  if (e instanceof ApiError) return `${e.message} (${e.code})`;
  return 'Something went wrong';
}
