/**
 * Sign-in and sessions: local accounts (scrypt), TOTP with replay protection and recovery codes,
 * lockout with backoff, sessions with idle timeout, id rotation and a per-user limit, sign out
 * everywhere, account revocation, and sync tokens derived from a live session (they carry `sid`).
 * Ending sessions calls `onEnded`, which closes their live sync connections (close code 4005).
 * The store is async (SQLite per instance, or Postgres shared by every instance).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { BytesCodec } from '../../../db/codec.ts';
import { mintToken } from '../../auth/tokens.ts';
import type { Audit } from '../audit/log.ts';
import { dummyHash, hashPassword, verifyPassword } from './password.ts';
import { ACCOUNT_ROLES, checkSession, lockedUntil, mfaRequired, sessionsOverLimit, WindowLimiter, type SessionPolicy } from './policy.ts';
import type { AccountStore, SessionRow, UserRow } from './store.ts';
import { checkTotp, newTotpSecret, totpUri } from './totp.ts';

export type AuthErrorCode =
  | 'ERR_BAD_CREDENTIALS' | 'ERR_MFA_REQUIRED' | 'ERR_MFA_INVALID' | 'ERR_ACCOUNT_LOCKED' | 'ERR_RATE_LIMITED'
  | 'ERR_SESSION_REQUIRED' | 'ERR_BAD_REQUEST' | 'ERR_CONFLICT';

const STATUS: Record<AuthErrorCode, number> = {
  ERR_BAD_CREDENTIALS: 401, ERR_MFA_REQUIRED: 401, ERR_MFA_INVALID: 401, ERR_ACCOUNT_LOCKED: 429,
  ERR_RATE_LIMITED: 429, ERR_SESSION_REQUIRED: 401, ERR_BAD_REQUEST: 400, ERR_CONFLICT: 409,
};

export class AuthFailure extends Error {
  readonly status: number;
  constructor(readonly code: AuthErrorCode, message: string, readonly retryAfterS?: number) { super(message); this.status = STATUS[code]; }
}

export interface AuthServiceOptions {
  store: AccountStore;
  codec: BytesCodec;
  policy: SessionPolicy;
  audit: Audit;
  secret: Uint8Array;
  syncTokenTtlS: number;
  /** Sessions that ended (sign-out, idle, limit, revocation): close their connections. */
  onEnded: (sids: string[], userId: string) => void;
  /** Sign-in attempts per source address per minute. */
  attemptsPerMinute?: number;
}

export interface LiveSession { sid: string; userId: string; role: string; username: string; newCookie?: string }

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const newCookieValue = () => randomBytes(32).toString('base64url');
const RECOVERY_CODES = 10;

export class AuthService {
  readonly #o: AuthServiceOptions;
  readonly #perAddress: WindowLimiter;

  get syncTokenTtlS(): number { return this.#o.syncTokenTtlS; }

  constructor(o: AuthServiceOptions) {
    this.#o = o;
    this.#perAddress = new WindowLimiter(o.attemptsPerMinute ?? 20, 60_000);
  }

  /** Creates an account. Roles that need MFA get a TOTP secret and recovery codes, shown once. */
  async createUser(input: { username: string; role: string; password?: string; ssoSubject?: string }, now: number) {
    const { username, role } = input;
    if (!/^[A-Za-z0-9._@-]{2,64}$/.test(username ?? '')) throw new AuthFailure('ERR_BAD_REQUEST', 'username: 2-64 of A-Z a-z 0-9 . _ @ -');
    if (!(ACCOUNT_ROLES as readonly string[]).includes(role)) throw new AuthFailure('ERR_BAD_REQUEST', `role must be one of ${ACCOUNT_ROLES.join(', ')}`);
    if (await this.#o.store.userByName(username)) throw new AuthFailure('ERR_CONFLICT', 'username taken');
    const id = `u-${randomUUID()}`;
    let passwordHash: string | null = null;
    if (input.password !== undefined) {
      try { passwordHash = await hashPassword(input.password); } catch (e) { throw new AuthFailure('ERR_BAD_REQUEST', (e as Error).message); }
    }
    const enroll = passwordHash !== null && mfaRequired(role);
    const totpSecret = enroll ? newTotpSecret() : null;
    const recoveryCodes = enroll ? Array.from({ length: RECOVERY_CODES }, () => randomBytes(8).toString('hex')) : [];
    await this.#o.store.insertUser({
      id, username, role, passwordHash, createdAt: now,
      totpSecret: totpSecret ? this.#o.codec.sealText(`users:${id}:totp`, totpSecret) : null,
      recoveryHashes: JSON.stringify(recoveryCodes.map(sha256)),
      ssoSubject: input.ssoSubject ?? null,
    });
    return { id, username, role, ...(totpSecret ? { totpSecret, totpUri: totpUri(totpSecret, username), recoveryCodes } : {}) };
  }

  /** Password (+ TOTP or a recovery code when the role needs MFA) → a new session. */
  async signIn(input: { username?: unknown; password?: unknown; code?: unknown; recoveryCode?: unknown }, address: string, now: number): Promise<{ cookie: string; session: LiveSession }> {
    const { username, password, code, recoveryCode } = input;
    if (typeof username !== 'string' || typeof password !== 'string') throw new AuthFailure('ERR_BAD_REQUEST', 'username and password are required');
    if (!this.#perAddress.hit(address, now)) throw this.#fail(null, address, now, new AuthFailure('ERR_RATE_LIMITED', 'too many sign-in attempts from this address', 60));
    const user = await this.#o.store.userByName(username);
    if (user && user.lockedUntil > now) {
      throw this.#fail(user, address, now, new AuthFailure('ERR_ACCOUNT_LOCKED', 'account locked after failed attempts', Math.ceil((user.lockedUntil - now) / 1000)));
    }
    const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash()));
    if (!user || !ok || user.disabled || !user.passwordHash) throw await this.#failed(user, address, now, 'ERR_BAD_CREDENTIALS');
    if (user.totpSecret) {
      if (typeof code === 'string' && code) {
        const secret = this.#o.codec.openText(`users:${user.id}:totp`, user.totpSecret);
        const step = await checkTotp(secret, code, now, user.totpLastStep);
        if (step === null || !(await this.#o.store.claimTotpStep(user.id, step))) throw await this.#failed(user, address, now, 'ERR_MFA_INVALID');
      } else if (typeof recoveryCode === 'string' && recoveryCode) {
        const hashes = JSON.parse(user.recoveryHashes) as string[];
        const h = sha256(recoveryCode.trim().toLowerCase());
        if (!hashes.includes(h)) throw await this.#failed(user, address, now, 'ERR_MFA_INVALID');
        await this.#o.store.updateUser(user.id, { recoveryHashes: JSON.stringify(hashes.filter((x) => x !== h)) });
      } else {
        throw this.#fail(user, address, now, new AuthFailure('ERR_MFA_REQUIRED', 'a one-time code from the authenticator app is required'));
      }
    } else if (mfaRequired(user.role)) {
      throw await this.#failed(user, address, now, 'ERR_MFA_REQUIRED');
    }
    await this.#o.store.updateUser(user.id, { failedAttempts: 0, lockedUntil: 0 });
    return this.startSession(user, address, now, 'auth.sign-in');
  }

  /**
   * Signs in a user the hospital IdP vouched for: creates the SSO account on first sign-in; the
   * IdP's groups are the source of the role, so a changed role ends the user's older sessions.
   */
  async ssoSignIn(who: { subject: string; username: string; role: string }, address: string, now: number): Promise<{ cookie: string; session: LiveSession }> {
    let user = await this.#o.store.userBySso(who.subject);
    if (!user) {
      let username = `sso:${who.username}`.slice(0, 64).replace(/[^A-Za-z0-9._@:-]/g, '_');
      if (await this.#o.store.userByName(username)) username = `${username.slice(0, 50)}-${randomUUID().slice(0, 8)}`;
      const id = `u-${randomUUID()}`;
      await this.#o.store.insertUser({ id, username, role: who.role, passwordHash: null, ssoSubject: who.subject, createdAt: now });
      user = (await this.#o.store.userById(id))!;
    } else if (user.role !== who.role) {
      await this.#end((await this.#o.store.liveSessions(user.id)).map((s) => s.sid), user.id, 'role-changed', now);
      await this.#o.store.updateUser(user.id, { role: who.role });
      user = { ...user, role: who.role };
    }
    if (user.disabled) throw this.#fail(user, address, now, new AuthFailure('ERR_BAD_CREDENTIALS', 'account revoked'));
    return this.startSession(user, address, now, 'auth.sso-sign-in');
  }

  /** Starts a session for an authenticated user (local sign-in or SSO), ending the oldest over the limit. */
  async startSession(user: UserRow, address: string, now: number, action: string): Promise<{ cookie: string; session: LiveSession }> {
    const cookie = newCookieValue();
    const sid = `s-${randomUUID()}`;
    const over = await this.#o.store.startSession(
      { sid, cookieHash: sha256(cookie), userId: user.id, role: user.role, createdAt: now, lastSeenAt: now, rotatedAt: now },
      (live) => sessionsOverLimit(live, this.#o.policy.maxPerUser), 'limit');
    this.#ended(over, user.id, 'limit', now);
    this.#audit(user.id, user.role, `session/${sid}`, action, 'allowed', address, now);
    return { cookie, session: { sid, userId: user.id, role: user.role, username: user.username } };
  }

  /**
   * The live session for a cookie value, touched; rotates the cookie value when due. Null when
   * none. `idleMs`: how long the person had been without input when the page sent this request
   * (cookies.ts IDLE_HEADER); the session counts activity at that moment, not at the request, so
   * a renewal sent minutes after the last input does not push the idle logoff back.
   */
  async session(cookie: string | null, now: number, idleMs = 0): Promise<LiveSession | null> {
    if (!cookie) return null;
    const s = await this.#o.store.sessionByCookie(sha256(cookie));
    if (!s) return null;
    const user = await this.#o.store.userById(s.userId);
    if (!user || user.disabled) { await this.#end([s.sid], s.userId, 'revoked', now); return null; }
    const c = checkSession(s, now, this.#o.policy);
    if (!c.live) { await this.#end([s.sid], s.userId, c.reason, now); return null; }
    const base = { sid: s.sid, userId: s.userId, role: s.role, username: user.username };
    // Liveness is judged on the activity already recorded (above); this request's own activity
    // is recorded as of the input it reports, never earlier than what is recorded.
    const activeAt = Math.max(s.lastSeenAt, now - Math.max(0, idleMs));
    if (c.rotate) {
      // Two requests due for rotation at once (on two instances): one rotates, the other just passes.
      const fresh = newCookieValue();
      if (await this.#o.store.rotate(s.sid, s.cookieHash, sha256(fresh), now, activeAt)) return { ...base, newCookie: fresh };
    }
    if (activeAt > s.lastSeenAt) await this.#o.store.touch(s.sid, activeAt);
    return base;
  }

  /** Whether a session id (from a token's `sid`) is live. Does not count as activity. */
  async isLive(sid: string, now: number): Promise<boolean> {
    const s = await this.#o.store.sessionBySid(sid);
    return !!s && s.endedAt === null && checkSession(s, now, this.#o.policy).live;
  }

  async signOut(sid: string, userId: string, now: number): Promise<void> { await this.#end([sid], userId, 'sign-out', now); }

  async signOutEverywhere(userId: string, now: number): Promise<number> {
    const sids = (await this.#o.store.liveSessions(userId)).map((s) => s.sid);
    return this.#end(sids, userId, 'sign-out-everywhere', now);
  }

  /** Disables the account and ends its sessions; its connections close at once. */
  async revokeUser(userId: string, now: number): Promise<boolean> {
    if (!(await this.#o.store.userById(userId))) return false;
    await this.#o.store.updateUser(userId, { disabled: 1 });
    await this.#end((await this.#o.store.liveSessions(userId)).map((s) => s.sid), userId, 'revoked', now);
    this.#o.onEnded([], userId);
    return true;
  }

  /** Ends sessions idle for the policy's time (run every second or so). */
  async sweep(now: number): Promise<number> {
    let n = 0;
    const byUser = new Map<string, string[]>();
    for (const s of await this.#o.store.idleSessions(now - this.#o.policy.idleMs)) byUser.set(s.userId, [...(byUser.get(s.userId) ?? []), s.sid]);
    for (const [userId, sids] of byUser) n += await this.#end(sids, userId, 'idle', now);
    return n;
  }

  /** A short-lived sync token for one document (or `visit/<id>/*`), bound to the session. */
  syncToken(s: LiveSession, doc: string, access: 'read' | 'write'): Promise<string> {
    return mintToken(this.#o.secret, { sub: s.userId, role: s.role, doc, access, sid: s.sid }, this.#o.syncTokenTtlS);
  }

  user(id: string): Promise<UserRow | undefined> { return this.#o.store.userById(id); }
  sessionRow(sid: string): Promise<SessionRow | undefined> { return this.#o.store.sessionBySid(sid); }

  /** Ends live sessions (each is reported once, even when instances race to end it). */
  async #end(sids: string[], userId: string, reason: string, now: number): Promise<number> {
    const ended: string[] = [];
    for (const sid of sids) if (await this.#o.store.end(sid, reason, now)) ended.push(sid);
    return this.#ended(ended, userId, reason, now);
  }

  #ended(ended: string[], userId: string, reason: string, now: number): number {
    for (const sid of ended) this.#audit(userId, 'system', `session/${sid}`, 'auth.session-end', 'closed', 'server', now, reason);
    if (ended.length) this.#o.onEnded(ended, userId);
    return ended.length;
  }

  async #failed(user: UserRow | undefined, address: string, now: number, code: AuthErrorCode): Promise<AuthFailure> {
    if (user) {
      const failures = user.failedAttempts + 1;
      await this.#o.store.updateUser(user.id, { failedAttempts: failures, lockedUntil: lockedUntil(failures, now) });
    }
    return this.#fail(user ?? null, address, now, new AuthFailure(code, code === 'ERR_BAD_CREDENTIALS' ? 'wrong username or password' : code === 'ERR_MFA_REQUIRED' ? 'this role needs a second factor' : 'wrong or already used one-time code'));
  }

  #fail(user: UserRow | null | undefined, address: string, now: number, f: AuthFailure): AuthFailure {
    this.#audit(user?.id ?? 'unknown', user?.role ?? 'none', 'session', 'auth.sign-in', 'denied', address, now, f.code);
    return f;
  }

  #audit(actor: string, role: string, resource: string, action: string, outcome: string, address: string, now: number, detail?: string): void {
    this.#o.audit.record({ at: new Date(now).toISOString(), actor, role, resource, action, outcome, address, ...(detail ? { detail } : {}) });
  }
}
