/**
 * The visitor's tokens. Until sign-in exists, links carry tokens in the URL fragment
 * (`#token=…&api=…&invite=…`), which browsers never send to a server. They are moved into
 * sessionStorage (per tab, gone when the tab closes) and the fragment is removed from the address
 * bar and history, so tokens do not end up in bookmarks, screenshots or shared links.
 */
import { isFresh, payloadOf, tokenTimes } from './renewal.ts';
import { idleMs } from './activity.ts';

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

export function clearToken(kind: TokenKind): void {
  sessionStorage.removeItem(`rounds.${kind}`);
}

/*
 * A guest's current room token (patient after check-in, interpreter or caregiver after redeeming
 * an invite), kept for this tab so a reload does not lose the room: an invite is redeemed only
 * once, and a patient should not check in again. Never read from a URL (not in KEYS).
 *
 * Trade-off: sessionStorage, not memory, so script on this origin could read it after a reload as
 * well; but such script (an XSS) could already read the in-memory token or act as the page. What
 * limits the harm: the token is short-lived (renewed while the person is active, at most 12 h of
 * guest session in all), reaches one visit's room read-only, is same-origin and tab-scoped
 * (sessionStorage is per tab and emptied when the tab closes; localStorage would outlive the tab
 * and be shared by every tab), and the pages remove it once the visit ends, the guest is removed
 * or the server refuses it.
 */
const ROOM_KEY = 'rounds.room';
/** The roles that hold guest room tokens (server/visits/guest-renewal.ts GUEST_ROLES). */
export const GUEST_ROLES = ['patient', 'interpreter', 'caregiver'] as const;
/** A stored token with less left than this is not restored: it could lapse before it is renewed. */
export const RESTORE_MIN_LEFT_MS = 5_000;

export function keepRoomToken(token: string): void {
  sessionStorage.setItem(ROOM_KEY, token);
}

export function forgetRoomToken(): void {
  sessionStorage.removeItem(ROOM_KEY);
}

/**
 * Whether a stored token can bring a guest back to a room: a guest role among `roles`, a `doc` of
 * `visit/<id>/room` (for `visitId` when given), and not about to expire at `now` (ms). Display
 * logic only: the server verifies the token and decides when it is renewed.
 */
export function restorableRoomToken(token: string | null, roles: readonly string[], now: number, visitId?: string): { claims: Claims; visitId: string } | null {
  const claims = claimsOf(token);
  const id = claims?.doc.match(/^visit\/([^/]+)\/room$/)?.[1];
  if (!claims || !id || claims.sid !== undefined || !roles.includes(claims.role)) return null;
  if (visitId !== undefined && id !== visitId) return null;
  if (claims.exp * 1000 - now < RESTORE_MIN_LEFT_MS) return null;
  return { claims, visitId: id };
}

/** This tab's room token for such a guest, if still restorable; one that is not is removed. */
export function storedRoomToken(roles: readonly string[], visitId?: string, now = Date.now()): { token: string; claims: Claims; visitId: string } | null {
  const token = sessionStorage.getItem(ROOM_KEY);
  const ok = restorableRoomToken(token, roles, now, visitId);
  // One that brings no guest back to any room (expired, or not a guest's room token) is removed.
  if (token && !ok && !restorableRoomToken(token, GUEST_ROLES, now)) forgetRoomToken();
  return ok && token ? { token, ...ok } : null;
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
 * `code`: the server's error code for a refused guest renewal (ERR_REMOVED, ERR_VISIT_ENDED…), which
 * tells the guest why (guest-end.ts).
 */
export class RenewalError extends Error {
  constructor(readonly reason: 'ended' | 'network', readonly closeCode = 4005, readonly code: string | null = null) { super(reason === 'ended' ? 'the session has ended' : 'the server cannot be reached'); }
}

/**
 * A sync token for a visit from the signed-in session (cookie). An authenticated call: it counts
 * as activity and keeps the session alive. 401/403 → RenewalError('ended'), anything else → 'network'.
 */
export async function fetchSessionToken(visitId: string): Promise<string> {
  let res: Response;
  try {
    // How long since the last input: the session counts activity then, not now (activity.ts).
    const headers = { 'content-type': 'application/json', 'x-rounds-idle-ms': String(idleMs()) };
    res = await fetch('/api/auth/sync-token', { method: 'POST', headers, body: JSON.stringify({ doc: `visit/${visitId}/*`, access: 'write' }) });
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
 * for good: RenewalError('ended', 4006, the server's error code); a network error or a 5xx is retried.
 */
export async function fetchGuestToken(visitId: string, current: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(`/api/visits/${encodeURIComponent(visitId)}/sync-token/renew`, { method: 'POST', headers: { authorization: `Bearer ${current}` } });
  } catch {
    throw new RenewalError('network');
  }
  if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
    const code = ((await res.json().catch(() => null)) as { error?: { code?: unknown } } | null)?.error?.code;
    throw new RenewalError('ended', 4006, typeof code === 'string' ? code : null);
  }
  const token = res.ok ? ((await res.json().catch(() => ({}))) as { token?: unknown }).token : undefined;
  if (typeof token !== 'string') throw new RenewalError('network');
  return token;
}

/** Renewal for a guest's room token: each request presents the latest token. */
export function guestRenewal(visitId: string, first: string, onToken: (token: string) => void, now = Date.now): () => Promise<string> {
  return renewal(first, (current) => fetchGuestToken(visitId, current), onToken, now);
}
