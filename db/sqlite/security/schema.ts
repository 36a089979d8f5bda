/**
 * Security tables (drizzle, SQLite). Owned by server/security; migrations in ./migrations.
 *
 * `audit_log` is append-only: every row carries the hash of the previous row, so an edited,
 * inserted or deleted row breaks the chain (`npm run audit -- verify` names the first broken
 * entry). Triggers (migration 0001) refuse UPDATE, and refuse DELETE of rows younger than six
 * years (HIPAA retention); an attacker with the file can drop them, which the chain still reveals.
 */
import { sqliteTable, integer, text, index } from 'drizzle-orm/sqlite-core';

export const auditLog = sqliteTable(
  'audit_log',
  {
    seq: integer('seq').primaryKey(),
    /** ISO 8601 time of the event. */
    at: text('at').notNull(),
    actor: text('actor').notNull(),
    role: text('role').notNull(),
    /** What was touched, by id only (e.g. `visit/v-1/note`), never its content. */
    resource: text('resource').notNull(),
    action: text('action').notNull(),
    /** `allowed` | `denied` | `error` (and for sync: `opened`, `closed`, ...). */
    outcome: text('outcome').notNull(),
    address: text('address').notNull(),
    /** Optional non-PHI detail (a close code, an error code). */
    detail: text('detail'),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [index('audit_log_at').on(t.at), index('audit_log_actor').on(t.actor)],
);

/**
 * Local and SSO accounts. The TOTP secret is sealed (encryption at rest) and recovery codes are
 * stored as hashes. `disabled` revokes the account: its sessions end and its connections close.
 */
export const users = sqliteTable('users', {
  id: text('id').primaryKey(),
  username: text('username').notNull().unique(),
  role: text('role').notNull(),
  /** `scrypt$N$r$p$salt$hash` (base64url), or null for SSO-only accounts. */
  passwordHash: text('password_hash'),
  totpSecret: text('totp_secret'),
  /** The last TOTP time step accepted (replay protection). */
  totpLastStep: integer('totp_last_step').notNull().default(0),
  /** JSON array of SHA-256 hashes of unused recovery codes. */
  recoveryHashes: text('recovery_hashes').notNull().default('[]'),
  /** `issuer|sub` of the hospital identity provider account, for SSO users. */
  ssoSubject: text('sso_subject').unique(),
  failedAttempts: integer('failed_attempts').notNull().default(0),
  lockedUntil: integer('locked_until').notNull().default(0),
  disabled: integer('disabled').notNull().default(0),
  createdAt: integer('created_at').notNull(),
});

/** Sign-in sessions. Only a SHA-256 of the cookie value is stored; `sid` is the stable id tokens carry. */
export const sessions = sqliteTable(
  'sessions',
  {
    sid: text('sid').primaryKey(),
    cookieHash: text('cookie_hash').notNull().unique(),
    userId: text('user_id').notNull(),
    role: text('role').notNull(),
    createdAt: integer('created_at').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
    rotatedAt: integer('rotated_at').notNull(),
    endedAt: integer('ended_at'),
    endReason: text('end_reason'),
  },
  (t) => [index('sessions_user').on(t.userId), index('sessions_live').on(t.endedAt)],
);
