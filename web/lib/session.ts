/**
 * The visitor's tokens. Until sign-in exists, links carry tokens in the URL fragment
 * (`#token=…&api=…&invite=…`), which browsers never send to a server. They are moved into
 * sessionStorage (per tab, gone when the tab closes) and the fragment is removed from the address
 * bar and history, so tokens do not end up in bookmarks, screenshots or shared links.
 */
export interface Claims {
  sub: string;
  role: string;
  doc: string;
  exp: number;
}

const KEYS = ['token', 'api', 'invite'] as const;
export type TokenKind = (typeof KEYS)[number];

export function captureTokens(): void {
  const hash = new URLSearchParams(location.hash.slice(1));
  const query = new URLSearchParams(location.search);
  let found = false;
  for (const k of KEYS) {
    const v = hash.get(k) ?? query.get(k);
    if (v) {
      sessionStorage.setItem(`rounds.${k}`, v);
      found = true;
    }
  }
  if (found) {
    query.delete('token'); query.delete('api'); query.delete('invite');
    const q = query.toString();
    history.replaceState(history.state, '', location.pathname + (q ? `?${q}` : ''));
  }
}

export function getToken(kind: TokenKind): string | null {
  return sessionStorage.getItem(`rounds.${kind}`);
}

export function setToken(kind: TokenKind, value: string): void {
  sessionStorage.setItem(`rounds.${kind}`, value);
}

/** The claims of a token, for display only: the server verifies every token it receives. */
export function claimsOf(token: string | null): Claims | null {
  if (!token) return null;
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    const c = JSON.parse(json) as Partial<Claims>;
    return typeof c.sub === 'string' && typeof c.role === 'string' && typeof c.doc === 'string'
      ? { sub: c.sub, role: c.role, doc: c.doc, exp: Number(c.exp ?? 0) }
      : null;
  } catch {
    return null;
  }
}

/** Whether a token's `doc` claim reaches the given visit's documents (display logic only). */
export function coversVisit(claims: Claims | null, visitId: string): boolean {
  if (!claims) return false;
  return claims.doc === `visit/${visitId}/*` || claims.doc.startsWith(`visit/${visitId}/`);
}

/**
 * A sync token for a visit from the signed-in session (cookie), for moving between visits; null
 * when there is no session (links carry a token for one visit only).
 */
export async function sessionSyncToken(visitId: string): Promise<string | null> {
  try {
    const res = await fetch('/api/auth/sync-token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ doc: `visit/${visitId}/*`, access: 'write' }) });
    if (!res.ok) return null;
    const { token } = (await res.json()) as { token?: string };
    return typeof token === 'string' ? token : null;
  } catch {
    return null;
  }
}
