/**
 * Renewing a guest's room token (pure: plain data in, a decision out; `now` is passed in).
 *
 * Guests have no sign-in session: a patient opens a link whose token reaches the visit's room, an
 * interpreter or caregiver redeems an invite and gets a room token (server/api/routes.ts). Such a
 * token is renewed by presenting it while it is still valid; the new one has the same claims (sub,
 * role, doc, access) and a new expiry, and only while
 *   - the token is a guest's room token for this visit (not a session's, not the note's, not `api`),
 *   - the visit has not ended (closed, cancelled, no-show)                  → 409 ERR_VISIT_ENDED,
 *   - the guest is still of the visit: a patient listed on it, a joiner whose invite names them
 *     as its redeemer                                                      → 403 ERR_FORBIDDEN,
 *   - that invite was not revoked                                          → 410 ERR_INVITE_REVOKED,
 *   - the clinical team has not removed them (the check video tokens make) → 403 ERR_REMOVED,
 *   - the guest session is younger than GUEST_SESSION_MAX_S                 → 401 ERR_GUEST_SESSION_EXPIRED.
 * An expired token never gets here: the bearer check answers 401 ERR_TOKEN_EXPIRED first.
 *
 * Lifetime. The session begins when the guest first authenticated: the redemption for a joiner,
 * the link token's issue time (`iat`) for a patient. That moment travels in every renewed token as
 * `auth_time`, so renewing cannot move it. No token outlives `auth_time + GUEST_SESSION_MAX_S`,
 * and a renewed token lasts as long as the one presented (at most GUEST_TOKEN_MAX_TTL_S), so a
 * leaked token stays usable for at most that bound, or until the visit ends or they are removed.
 */
import type { TokenClaims } from '../auth/tokens.ts';
import { fail, isoNow, ok, type Result } from './errors.ts';
import { isTerminalStatus, type Visit } from './model.ts';
import type { Invite } from './invites.ts';
import type { RosterEntry } from './room-doc.ts';

/** Roles that hold guest room tokens. Clinical roles renew through their sign-in session. */
export const GUEST_ROLES = ['patient', 'interpreter', 'caregiver'] as const;
/** The longest a guest session lasts from its start, however often it is renewed: 12 hours. */
export const GUEST_SESSION_MAX_S = 12 * 60 * 60;
/** The longest a renewed token lasts (the lifetime of a redemption's token). */
export const GUEST_TOKEN_MAX_TTL_S = 60 * 60;
/** Less than this left in the session: no more renewals (a token this short is not worth one). */
export const GUEST_SESSION_MIN_LEFT_S = 60;

export type GuestRenewalErrorCode = 'ERR_FORBIDDEN' | 'ERR_VISIT_ENDED' | 'ERR_INVITE_REVOKED' | 'ERR_REMOVED' | 'ERR_GUEST_SESSION_EXPIRED';

/** Statuses consistent with the visit vocabulary (errors.ts): ended 409, revoked 410, removed 403. */
export const GUEST_RENEWAL_STATUS: Record<GuestRenewalErrorCode, number> = {
  ERR_FORBIDDEN: 403,
  ERR_VISIT_ENDED: 409,
  ERR_INVITE_REVOKED: 410,
  ERR_REMOVED: 403,
  // Like an expired token: the guest needs a new link or invite.
  ERR_GUEST_SESSION_EXPIRED: 401,
};

/** The verified token presented for renewal (times in whole seconds). */
export interface PresentedToken extends TokenClaims {
  iat: number;
  exp: number;
}

export interface RenewalFacts {
  token: PresentedToken;
  visit: Visit;
  /** The guest's roster entry in the visit's room, if any. */
  rosterEntry: RosterEntry | null;
  /** For interpreters and caregivers: the invite their participant id points at, if it exists. */
  invite: Invite | null;
}

export interface Renewal {
  claims: TokenClaims;
  ttlSeconds: number;
}

export function isGuestRole(role: string): role is (typeof GUEST_ROLES)[number] {
  return (GUEST_ROLES as readonly string[]).includes(role);
}

/** The invite id inside a joiner's participant id (`<role>-<inviteId>`, see invites.ts redeemInvite), or null. */
export function inviteIdOf(role: string, participantId: string): string | null {
  const prefix = `${role}-`;
  return participantId.startsWith(prefix) && participantId.length > prefix.length ? participantId.slice(prefix.length) : null;
}

export function planGuestRenewal(f: RenewalFacts, now: Date): Result<Renewal, GuestRenewalErrorCode> {
  isoNow(now);
  const { token: t, visit } = f;
  if (!isGuestRole(t.role) || t.sid !== undefined || t.doc !== `visit/${visit.id}/room`) {
    return fail('ERR_FORBIDDEN', 'only a guest\'s room token for this visit is renewed here');
  }
  if (isTerminalStatus(visit.status)) return fail('ERR_VISIT_ENDED', 'the visit has ended');
  if (t.role === 'patient') {
    if (!visit.patients.some((p) => p.id === t.sub)) return fail('ERR_FORBIDDEN', 'not a patient of this visit');
  } else {
    const inv = f.invite;
    if (!inv || inv.id !== inviteIdOf(t.role, t.sub) || inv.visitId !== visit.id || inv.role !== t.role || inv.usedBy !== t.sub) {
      return fail('ERR_FORBIDDEN', 'not invited to this visit');
    }
    if (inv.revokedAt !== undefined) return fail('ERR_INVITE_REVOKED', 'the invite was revoked');
  }
  if (f.rosterEntry?.removedAt !== undefined) return fail('ERR_REMOVED', 'removed from this visit; a clinician must readmit them first');
  const nowS = Math.floor(now.getTime() / 1000);
  const began = t.authTime ?? t.iat;
  const left = began + GUEST_SESSION_MAX_S - nowS;
  if (left < GUEST_SESSION_MIN_LEFT_S) return fail('ERR_GUEST_SESSION_EXPIRED', 'the guest session has reached its longest allowed length');
  const lifetime = Math.max(1, t.exp - t.iat);
  return ok({
    claims: { sub: t.sub, role: t.role, doc: t.doc, access: t.access, authTime: began },
    ttlSeconds: Math.min(lifetime, GUEST_TOKEN_MAX_TTL_S, left),
  });
}
