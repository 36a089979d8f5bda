/** Test support for the HTTP API: JSON requests with a bearer token, and a standard visit body. */
import { token } from './server.ts';

export async function apiToken(sub: string, role: string): Promise<string> {
  return token({ doc: 'api', sub, role });
}

export async function call(base: string, method: string, path: string, bearer: string | null, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(base + path, {
    method,
    headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

/** Signs in with a password (and code); the session cookie value it set, if any. */
export async function signIn(base: string, body: Record<string, unknown>): Promise<{ status: number; json: any; cookie: string | null; setCookie: string }> {
  const res = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const setCookie = res.headers.get('set-cookie') ?? '';
  return { status: res.status, json: await res.json(), cookie: /rounds_session=([^;]+)/.exec(setCookie)?.[1] ?? null, setCookie };
}

/** A JSON request authenticated by the session cookie. */
export async function cookieCall(base: string, cookie: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(base + path, {
    method,
    headers: { cookie: `rounds_session=${cookie}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

export function visitBody(over: Record<string, unknown> = {}) {
  const start = new Date(Date.now() - 5 * 60_000);
  return {
    kind: 'one-to-one',
    scheduledStart: start.toISOString(),
    scheduledEnd: new Date(start.getTime() + 30 * 60_000).toISOString(),
    patients: [{ id: 'pat-1', displayName: 'Pat One' }],
    clinicians: [{ id: 'dr-chen', name: 'Dr Chen' }],
    patientLocation: { state: 'MA', setting: 'home' },
    modality: 'video',
    ...over,
  };
}
