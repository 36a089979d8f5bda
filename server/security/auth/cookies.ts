/** The session cookie: httpOnly, Secure, SameSite=Strict, whole site; its value is a random 256-bit string. */
export const SESSION_COOKIE = 'rounds_session';

export function sessionCookie(value: string): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; Secure; SameSite=Strict`;
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0`;
}

/** The session cookie's value from a Cookie header, or null. */
export function readSessionCookie(header: string | undefined): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === SESSION_COOKIE) {
      const v = part.slice(i + 1).trim();
      return /^[A-Za-z0-9_-]{43}$/.test(v) ? v : null;
    }
  }
  return null;
}

/**
 * How long the person has been without input on the page making a request (ms), as the web app
 * reports it when it renews a sync token on its own. A request without it is activity now.
 * Reporting more only shortens one's own session; the server never moves activity past `now`.
 */
export const IDLE_HEADER = 'x-rounds-idle-ms';
const MAX_REPORTED_IDLE_MS = 7 * 86_400_000;

export function reportedIdleMs(headers: Readonly<Record<string, string | undefined>>): number {
  const header = headers[IDLE_HEADER];
  if (!header || !/^\d{1,12}$/.test(header)) return 0;
  return Math.min(Number(header), MAX_REPORTED_IDLE_MS);
}
