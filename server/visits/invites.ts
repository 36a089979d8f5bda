/**
 * Invites for interpreters and caregivers: the pure part (secrets, hashes, rules).
 *
 * A clinician creates an invite; it yields two secrets that travel separately:
 *   token  256 random bits in the link (base64url), to find the invite and prove one has the link;
 *   code   6 digits given out of band (read over the phone), to prove one is the intended person.
 * Only hashes are stored. The token hash is a plain SHA-256 (the token has 256 bits, so it cannot
 * be guessed from its hash) and is what the store looks the invite up by. The code hash is an
 * HMAC keyed with the token: a 6-digit code alone could be brute-forced from a leaked hash in
 * moments, but not without the token, which is not stored.
 *
 * Redemption is single use, expires, can be revoked, and locks after MAX_CODE_ATTEMPTS wrong
 * codes. Every attempt, successful or not, is recorded on the invite, so the caller must store
 * the returned invite whatever the outcome. Single use across concurrent requests is the store's
 * job: write the redeemed invite only if `usedAt` is still empty.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { fail, isoNow, ok, type InviteErrorCode, type Result } from './errors.ts';
import { languageTagSchema, relationshipSchema, type ParseResult, type Role } from './model.ts';

export type InviteRole = 'interpreter' | 'caregiver';

export interface InviteAttempt {
  at: string;
  outcome: 'redeemed' | InviteErrorCode;
}

export interface Invite {
  id: string;
  visitId: string;
  role: InviteRole;
  /** Interpreters: BCP 47 language tag. */
  language?: string;
  /** Caregivers: v3 RoleCode personal relationship code. */
  relationship?: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  usedAt?: string;
  /** Participant id given to whoever redeemed it. */
  usedBy?: string;
  revokedAt?: string;
  revokedBy?: string;
  tokenHash: string;
  codeHash: string;
  failedCodeAttempts: number;
  /** The latest MAX_RECORDED_ATTEMPTS attempts, oldest first. */
  attempts: InviteAttempt[];
}

export const CODE_DIGITS = 6;
export const MAX_CODE_ATTEMPTS = 5;
export const MAX_RECORDED_ATTEMPTS = 100;
export const MIN_TTL_MS = 60_000;
export const MAX_TTL_MS = 7 * 24 * 60 * 60 * 1000;
export const DEFAULT_TTL_MS = 24 * 60 * 60 * 1000;
/** Invite ids are short enough that `<role>-<id>` is still a valid participant id (64 chars). */
export const INVITE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9\-.]{0,49}$/;

export type RandomBytes = (length: number) => Uint8Array;

/** Only clinicians invite people into a visit. */
export function mayCreateInvite(role: Role | string): boolean {
  return role === 'clinician';
}

const createBody = z.discriminatedUnion('role', [
  z.strictObject({
    role: z.literal('interpreter'),
    language: languageTagSchema,
    ttlMinutes: z.number().int().min(MIN_TTL_MS / 60_000).max(MAX_TTL_MS / 60_000).optional(),
  }),
  z.strictObject({
    role: z.literal('caregiver'),
    relationship: relationshipSchema,
    ttlMinutes: z.number().int().min(MIN_TTL_MS / 60_000).max(MAX_TTL_MS / 60_000).optional(),
  }),
]);
export type CreateInviteBody = z.output<typeof createBody>;

/** Validates the body of a create-invite request (role with its language or relationship). */
export function parseCreateInvite(input: unknown): ParseResult<CreateInviteBody> {
  const parsed = createBody.safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, errors: parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), code: i.code, message: i.message })) };
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function hashInviteToken(token: string): string {
  return sha256(token);
}

function hashCode(inviteId: string, token: string, code: string): string {
  return createHmac('sha256', token).update(`${inviteId}:${code}`, 'utf8').digest('hex');
}

/** Equal-length hex digests compared in constant time. */
function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** Uniform decimal digits: bytes of 250 and above are rejected, so `% 10` has no bias. */
function randomDigits(count: number, randomBytes: RandomBytes): string {
  let out = '';
  while (out.length < count) {
    for (const b of randomBytes(count)) {
      if (b < 250 && out.length < count) out += String(b % 10);
    }
  }
  return out;
}

export interface NewInvite {
  invite: Invite;
  /** Goes into the link; shown once, never stored. */
  token: string;
  /** Given to the joiner out of band; shown once, never stored. */
  code: string;
}

export function createInvite(
  body: CreateInviteBody,
  ids: { id: string; visitId: string; createdBy: string },
  randomBytes: RandomBytes,
  now: Date,
): NewInvite {
  const at = isoNow(now);
  if (!INVITE_ID_PATTERN.test(ids.id)) throw new TypeError('invite id must match INVITE_ID_PATTERN');
  const ttlMs = body.ttlMinutes !== undefined ? body.ttlMinutes * 60_000 : DEFAULT_TTL_MS;
  const tokenBytes = randomBytes(32);
  if (tokenBytes.length !== 32) throw new TypeError('randomBytes must return the requested length');
  const token = Buffer.from(tokenBytes).toString('base64url');
  const code = randomDigits(CODE_DIGITS, randomBytes);
  const invite: Invite = {
    id: ids.id,
    visitId: ids.visitId,
    role: body.role,
    ...(body.role === 'interpreter' ? { language: body.language } : { relationship: body.relationship }),
    createdBy: ids.createdBy,
    createdAt: at,
    expiresAt: new Date(now.getTime() + ttlMs).toISOString(),
    tokenHash: hashInviteToken(token),
    codeHash: hashCode(ids.id, token, code),
    failedCodeAttempts: 0,
    attempts: [],
  };
  return { invite, token, code };
}

export interface JoinerIdentity {
  participantId: string;
  visitId: string;
  role: InviteRole;
  displayName: string;
  language?: string;
  relationship?: string;
  inviteId: string;
}

export interface RedeemOutcome {
  /** The invite with this attempt recorded: store it whatever the result. */
  invite: Invite;
  result: Result<JoinerIdentity, InviteErrorCode>;
}

function withAttempt(invite: Invite, at: string, outcome: InviteAttempt['outcome'], patch: Partial<Invite> = {}): Invite {
  const attempts = [...invite.attempts, { at, outcome }].slice(-MAX_RECORDED_ATTEMPTS);
  return { ...invite, ...patch, attempts };
}

/**
 * Checks, in order: the token, revocation, prior use, expiry, the attempt limit, the code. The
 * code is checked last so that a wrong code never reveals anything about an invite that cannot
 * be used anyway. Spaces and dashes in the code are ignored (`123 456`, `123-456`).
 */
export function redeemInvite(invite: Invite, secrets: { token: string; code: string; displayName: string }, now: Date): RedeemOutcome {
  const at = isoNow(now);
  const displayName = secrets.displayName.trim();
  if (displayName.length === 0 || displayName.length > 120) throw new TypeError('displayName must be 1-120 characters');
  const refuse = (code: InviteErrorCode, message: string, patch: Partial<Invite> = {}): RedeemOutcome => ({
    invite: withAttempt(invite, at, code, patch),
    result: fail(code, message),
  });
  if (!sameDigest(hashInviteToken(secrets.token), invite.tokenHash)) return refuse('ERR_INVITE_TOKEN_WRONG', 'the link does not match this invite');
  if (invite.revokedAt !== undefined) return refuse('ERR_INVITE_REVOKED', 'the invite was revoked');
  if (invite.usedAt !== undefined) return refuse('ERR_INVITE_USED', 'the invite was already used');
  if (now.getTime() >= Date.parse(invite.expiresAt)) return refuse('ERR_INVITE_EXPIRED', 'the invite has expired');
  if (invite.failedCodeAttempts >= MAX_CODE_ATTEMPTS) return refuse('ERR_INVITE_LOCKED', 'too many wrong codes');
  const code = secrets.code.replace(/[\s-]/g, '');
  if (!sameDigest(hashCode(invite.id, secrets.token, code), invite.codeHash)) {
    return refuse('ERR_INVITE_CODE_WRONG', 'the code is wrong', { failedCodeAttempts: invite.failedCodeAttempts + 1 });
  }
  const identity: JoinerIdentity = {
    participantId: `${invite.role}-${invite.id}`,
    visitId: invite.visitId,
    role: invite.role,
    displayName,
    ...(invite.language !== undefined ? { language: invite.language } : {}),
    ...(invite.relationship !== undefined ? { relationship: invite.relationship } : {}),
    inviteId: invite.id,
  };
  return {
    invite: withAttempt(invite, at, 'redeemed', { usedAt: at, usedBy: identity.participantId }),
    result: ok(identity),
  };
}

/** Revokes an unused invite. Revoking twice is harmless; a used invite cannot be revoked. */
export function revokeInvite(invite: Invite, by: string, now: Date): Result<Invite, 'ERR_INVITE_USED'> {
  const at = isoNow(now);
  if (invite.revokedAt !== undefined) return ok(invite);
  if (invite.usedAt !== undefined) return fail('ERR_INVITE_USED', 'a used invite cannot be revoked; remove the participant instead');
  return ok({ ...invite, revokedAt: at, revokedBy: by });
}
