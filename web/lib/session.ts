/**
 * The visitor's tokens. Until sign-in exists, links carry tokens in the URL fragment
 * (`#token=…&api=…&invite=…`), which browsers never send to a server. They are moved into
 * sessionStorage (per tab, gone when the tab closes) and the fragment is removed from the address
 * bar and history, so tokens do not end up in bookmarks, screenshots or shared links.
 */
import { isFresh, payloadOf, tokenTimes } from './renewal.ts';

export interface Claims {
  sub: string;
  role: string;
  doc: string;
  exp: number;
  /** Set when the token was derived from a sign-in session (and can be renewed through it). */
  sid?: string;
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

/** The claims of a token, for display and choosing a flow only. */
export function claimsOf(token: string | null): Claims | null {
  const c = token ? payloadOf(token) : null;
  if (!c || typeof c.sub !== 'string' || typeof c.role !== 'string' || typeof c.doc !== 'string') return null;
  return { sub: c.sub, role: c.role, doc: c.doc, exp: Number(c.exp ?? 0), ...(typeof c.sid === 'string' ? { sid: c.sid } : {}) };
}

/** Whether a token's `doc` claim reaches the given visit's documents (display logic only). */
export function coversVisit(claims: Claims | null, visitId: string): boolean {
  if (!claims) return false;
  return claims.doc === `visit/${visitId}/*` || claims.doc.startsWith(`visit/${visitId}/`);
}

/**
 * Why a token could not be renewed: the session ended (sign in again) or the network failed
 * (retry). `closeCode`: what the sync badge then says (4005 sign in again, 4006 open your link again).
 */
export class RenewalError extends Error {
  constructor(readonly reason: 'ended' | 'network', readonly closeCode = 4005) { super(reason === 'ended' ? 'the session has ended' : 'the server cannot be reached'); }
}

/**
 * A sync token for a visit from the signed-in session (cookie). An authenticated call: it counts
 * as activity and keeps the session alive. 401/403 → RenewalError('ended'), anything else → 'network'.
 */
export async function fetchSessionToken(visitId: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch('/api/auth/sync-token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ doc: `visit/${visitId}/*`, access: 'write' }) });
  } catch {
    throw new RenewalError('network');
  }
  if (res.status === 401 || res.status === 403) throw new RenewalError('ended');
  const token = res.ok ? ((await res.json().catch(() => ({}))) as { token?: unknown }).token : undefined;
  if (typeof token !== 'string') throw new RenewalError('network');
  return token;
}

/** The same, or null when there is no session (links carry a token for one visit only). */
export function sessionSyncToken(visitId: string): Promise<string | null> {
  return fetchSessionToken(visitId).catch(() => null);
}

/**
 * A sync token source shared by the documents of one page: calls made together share one
 * request, and a token that is still fresh is handed out again. `fetchNext` gets the current
 * token; `onToken` receives each new one (the page also uses it for API calls).
 */
function renewal(first: string, fetchNext: (current: string) => Promise<string>, onToken: (token: string) => void, now: () => number): () => Promise<string> {
  let current = first;
  let times = tokenTimes(first, now());
  let inflight: Promise<string> | null = null;
  return () => {
    if (times && isFresh(times, now())) return Promise.resolve(current);
    inflight ??= fetchNext(current)
      .then((t) => { current = t; times = tokenTimes(t, now()); onToken(t); return t; })
      .finally(() => { inflight = null; });
    return inflight;
  };
}

/** Renewal for a signed-in clinician's sync token, through the session (cookie). */
export function sessionRenewal(visitId: string, first: string, onToken: (token: string) => void, now = Date.now): () => Promise<string> {
  return renewal(first, () => fetchSessionToken(visitId), onToken, now);
}

/**
 * A guest's room token (patient link, interpreter or caregiver invite) exchanged for a fresh one
 * while it is still valid. Any refusal (expired, visit ended, removed, session too long) ends it
 * for good: RenewalError('ended', 4006, "open your link again"); a network error or a 5xx is retried.
 */
export async function fetchGuestToken(visitId: string, current: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(`/api/visits/${encodeURIComponent(visitId)}/sync-token/renew`, { method: 'POST', headers: { authorization: `Bearer ${current}` } });
  } catch {
    throw new RenewalError('network');
  }
  if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) throw new RenewalError('ended', 4006);
  const token = res.ok ? ((await res.json().catch(() => ({}))) as { token?: unknown }).token : undefined;
  if (typeof token !== 'string') throw new RenewalError('network');
  return token;
}

/** Renewal for a guest's room token: each request presents the latest token. */
export function guestRenewal(visitId: string, first: string, onToken: (token: string) => void, now = Date.now): () => Promise<string> {
  return renewal(first, (current) => fetchGuestToken(visitId, current), onToken, now);
}
