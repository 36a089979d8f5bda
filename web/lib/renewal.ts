/**
 * When to renew a sync token: pure rules over plain numbers (no clock, no DOM), so they can be
 * tested directly. LiveDoc (sync.svelte.ts) does the wiring.
 *
 * A token is renewed a little before it expires, but only for a person who is active: renewing
 * is an authenticated call that keeps the sign-in session alive, so an idle tab must let its
 * token lapse for the server's automatic logoff to happen.
 *
 * Guests (patients, caregivers, interpreters on a visit link) are also renewed while the room is
 * in view: a patient watching a 90-minute group session, or waiting with the page open, gives no
 * input, and a guest's lapsed token cannot be renewed (there is no sign-in to fall back on), so
 * they would be locked out of their own visit for good. A guest page out of view (another tab or
 * app) for a token lifetime still lapses; the server caps a guest's renewals at 12 hours.
 */

/** A JWT's payload, read without verifying it (the server verifies every token it receives). */
export function payloadOf(token: string): Record<string, unknown> | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const v = JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/'))) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** When this page got a token and when it stops working, in milliseconds on this page's clock. */
export interface TokenTimes {
  receivedAt: number;
  expiresAt: number;
}

/** How long before expiry to renew: a minute, or a quarter of the lifetime for short tokens. */
export const RENEW_EARLY_MS = 60_000;

export type RenewalStep =
  /** Check again after `ms`. */
  | { do: 'wait'; ms: number }
  /** Fetch a new token now. */
  | { do: 'renew' }
  /** Renewal is due but nobody was active since the token came: let it lapse, renew on the next input. */
  | { do: 'idle' };

/**
 * The token's `iat`/`exp` claims, read without verifying (the server verifies every token). The
 * lifetime is anchored at `receivedAt`, so a page whose clock differs from the server's still
 * renews in time; it is counted a second short, as `iat` is rounded down to whole seconds. Null
 * for a string that is not a JWT with both claims, or a token shorter than that second.
 */
export function tokenTimes(token: string, receivedAt: number): TokenTimes | null {
  const { iat, exp } = payloadOf(token) ?? {};
  if (typeof iat !== 'number' || typeof exp !== 'number' || !(exp - iat > 1)) return null;
  return { receivedAt, expiresAt: receivedAt + (exp - iat - 1) * 1000 };
}

export function renewAt(t: TokenTimes): number {
  return t.expiresAt - Math.min(RENEW_EARLY_MS, (t.expiresAt - t.receivedAt) / 4);
}

/** Whether a token is still good to hand out without renewing it. */
export function isFresh(t: TokenTimes, now: number): boolean {
  return now < renewAt(t);
}

export function hasLapsed(t: TokenTimes, now: number): boolean {
  return now >= t.expiresAt;
}

/**
 * `lastActivity`: the latest local edit or user input (keys, pointer, typing) on this page.
 * `present`: the person counts as here without input (a guest's room page in view, see above).
 */
export function nextStep(t: TokenTimes, now: number, lastActivity: number, present = false): RenewalStep {
  if (isFresh(t, now)) return { do: 'wait', ms: renewAt(t) - now };
  return present || lastActivity > t.receivedAt ? { do: 'renew' } : { do: 'idle' };
}

/** Backoff after a failed renewal (network): 0.5 s, 1 s, 2 s … capped at 15 s. */
export function retryDelayMs(failures: number): number {
  return Math.min(15_000, 500 * 2 ** Math.max(0, failures - 1));
}
