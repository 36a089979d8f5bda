/**
 * Persistence of accounts and sessions, behind one interface with a SQLite implementation
 * (./store-sqlite.ts: the instance's file) and a Postgres one (./store-pg.ts: shared by every
 * instance, so a session started on one instance works, and ends, on all of them).
 * Secrets arrive sealed (the at-rest codec) and cookie values arrive hashed: stores see neither.
 */

export interface UserRow {
  id: string;
  username: string;
  role: string;
  /** `scrypt$N$r$p$salt$hash` (base64url), or null for SSO-only accounts. */
  passwordHash: string | null;
  /** Sealed TOTP secret. */
  totpSecret: string | null;
  /** The last TOTP time step accepted (replay protection). */
  totpLastStep: number;
  /** JSON array of SHA-256 hashes of unused recovery codes. */
  recoveryHashes: string;
  /** `issuer|sub` at the hospital identity provider, for SSO users. */
  ssoSubject: string | null;
  failedAttempts: number;
  lockedUntil: number;
  disabled: number;
  createdAt: number;
}

export interface SessionRow {
  sid: string;
  /** SHA-256 of the cookie value. */
  cookieHash: string;
  userId: string;
  role: string;
  createdAt: number;
  lastSeenAt: number;
  rotatedAt: number;
  endedAt: number | null;
  endReason: string | null;
}

export type NewUser = Pick<UserRow, 'id' | 'username' | 'role' | 'createdAt'> & Partial<Omit<UserRow, 'id'>>;
export type UserChanges = Partial<Omit<UserRow, 'id' | 'username' | 'createdAt'>>;
export type NewSession = Omit<SessionRow, 'endedAt' | 'endReason'>;

export interface AccountStore {
  insertUser(u: NewUser): Promise<void>;
  userById(id: string): Promise<UserRow | undefined>;
  userByName(username: string): Promise<UserRow | undefined>;
  userBySso(subject: string): Promise<UserRow | undefined>;
  updateUser(id: string, set: UserChanges): Promise<void>;
  /** Records a TOTP step only if it is later than the stored one (two racing logins cannot both use a code). */
  claimTotpStep(id: string, step: number): Promise<boolean>;
  /**
   * Inserts a session and ends the user's live sessions that `over` picks from them (the
   * concurrent-session limit), atomically: two sign-ins of one user, even on two instances, do
   * not interleave. Resolves with the ended sids.
   */
  startSession(s: NewSession, over: (live: SessionRow[]) => string[], reason: string): Promise<string[]>;
  /** The live session with this cookie hash. */
  sessionByCookie(cookieHash: string): Promise<SessionRow | undefined>;
  sessionBySid(sid: string): Promise<SessionRow | undefined>;
  /** A user's live sessions, oldest first. */
  liveSessions(userId: string): Promise<SessionRow[]>;
  /** Live sessions whose last activity is at or before `before` (idle). */
  idleSessions(before: number): Promise<SessionRow[]>;
  touch(sid: string, now: number): Promise<void>;
  /**
   * Replaces the cookie hash if it is still `from` (rotated at `now`, last activity `seenAt`);
   * false when another request rotated it first.
   */
  rotate(sid: string, from: string, cookieHash: string, now: number, seenAt: number): Promise<boolean>;
  /** Ends a live session; false if it had already ended (so each end is reported once). */
  end(sid: string, reason: string, now: number): Promise<boolean>;
}
