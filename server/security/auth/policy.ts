/**
 * Sign-in and session policy, pure (no I/O, no clock: `now` is passed in milliseconds).
 */
import type { Role } from '../../visits/model.ts';

/** Roles that sign in with a local or SSO account. Patients, caregivers and interpreters enter through visit links and one-time codes. */
export const ACCOUNT_ROLES: readonly Role[] = ['clinician', 'nurse', 'scribe', 'observer', 'billing', 'admin'];

/** Clinical and admin roles (and billing, which sees charges): a second factor is required to sign in. */
export const MFA_REQUIRED_ROLES: readonly Role[] = ['clinician', 'nurse', 'scribe', 'billing', 'admin'];

export function mfaRequired(role: string): boolean {
  return (MFA_REQUIRED_ROLES as readonly string[]).includes(role);
}

/** Free attempts before the account locks; then the lock doubles with each further failure. */
export const LOCKOUT = { freeAttempts: 5, baseMs: 30_000, maxMs: 60 * 60_000 } as const;

/** When an account with `failures` consecutive failures (after the latest) unlocks; 0 = not locked. */
export function lockedUntil(failures: number, now: number): number {
  if (failures < LOCKOUT.freeAttempts) return 0;
  const ms = Math.min(LOCKOUT.maxMs, LOCKOUT.baseMs * 2 ** (failures - LOCKOUT.freeAttempts));
  return now + ms;
}

export interface SessionPolicy {
  /** Inactivity that ends a session. */
  idleMs: number;
  /** Age after which the session's cookie value is replaced. */
  rotateMs: number;
  /** Live sessions a user may hold; signing in again ends the oldest. */
  maxPerUser: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = { idleMs: 15 * 60_000, rotateMs: 60 * 60_000, maxPerUser: 3 };

export interface SessionTimes { sid: string; createdAt: number; lastSeenAt: number; rotatedAt: number }

export type SessionCheck = { live: false; reason: 'idle' } | { live: true; rotate: boolean };

export function checkSession(s: SessionTimes, now: number, p: SessionPolicy): SessionCheck {
  if (now - s.lastSeenAt >= p.idleMs) return { live: false, reason: 'idle' };
  return { live: true, rotate: now - s.rotatedAt >= p.rotateMs };
}

/** Which of a user's live sessions to end so that, with one new session, at most `maxPerUser` remain (oldest first). */
export function sessionsOverLimit(live: readonly SessionTimes[], maxPerUser: number): string[] {
  const keep = Math.max(0, maxPerUser - 1);
  const byAge = [...live].sort((a, b) => a.createdAt - b.createdAt || a.sid.localeCompare(b.sid));
  return byAge.slice(0, Math.max(0, byAge.length - keep)).map((s) => s.sid);
}

/** A small fixed-window counter per key (e.g. source address): at most `limit` events per `windowMs`. */
export class WindowLimiter {
  readonly #hits = new Map<string, { start: number; n: number }>();
  constructor(readonly limit: number, readonly windowMs: number) {}

  /** Counts one event; false when the key is over its limit in the current window. */
  hit(key: string, now: number): boolean {
    const w = this.#hits.get(key);
    if (!w || now - w.start >= this.windowMs) {
      if (this.#hits.size > 10_000) this.#prune(now);
      this.#hits.set(key, { start: now, n: 1 });
      return true;
    }
    w.n++;
    return w.n <= this.limit;
  }

  #prune(now: number): void {
    for (const [k, w] of this.#hits) if (now - w.start >= this.windowMs) this.#hits.delete(k);
  }
}
