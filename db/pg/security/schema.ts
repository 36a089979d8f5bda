/**
 * Security tables on Postgres (drizzle pg-core), the twin of db/sqlite/security/schema.ts, used
 * when DATABASE_URL is set so every instance shares one audit chain, one set of accounts and one
 * set of sessions. Owned by server/security; migrations in ./migrations.
 *
 * `audit_log` is append-only: each row carries the hash of the previous one, and triggers
 * (migration 0001) refuse UPDATE and refuse DELETE of rows younger than six years. `at` stays ISO
 * 8601 text, exactly as hashed, so the chain verifies the same on both backends.
 * Times in `users` and `sessions` are epoch milliseconds, as on SQLite.
 */
import { bigint, index, integer, pgTable, text } from 'drizzle-orm/pg-core';

export const auditLog = pgTable(
  'audit_log',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey(),
    at: text('at').notNull(),
    actor: text('actor').notNull(),
    role: text('role').notNull(),
    resource: text('resource').notNull(),
    action: text('action').notNull(),
    outcome: text('outcome').notNull(),
    address: text('address').notNull(),
    detail: text('detail'),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [index('audit_log_at').on(t.at), index('audit_log_actor').on(t.actor)],
);

export const users = pgTable('users', {
  id: text('id').primaryKey(),
  username: text('username').notNull().unique(),
  role: text('role').notNull(),
  passwordHash: text('password_hash'),
  /** Sealed with the at-rest codec. */
  totpSecret: text('totp_secret'),
  totpLastStep: bigint('totp_last_step', { mode: 'number' }).notNull().default(0),
  recoveryHashes: text('recovery_hashes').notNull().default('[]'),
  ssoSubject: text('sso_subject').unique(),
  failedAttempts: integer('failed_attempts').notNull().default(0),
  lockedUntil: bigint('locked_until', { mode: 'number' }).notNull().default(0),
  disabled: integer('disabled').notNull().default(0),
  createdAt: bigint('created_at', { mode: 'number' }).notNull(),
});

export const sessions = pgTable(
  'sessions',
  {
    sid: text('sid').primaryKey(),
    cookieHash: text('cookie_hash').notNull().unique(),
    userId: text('user_id').notNull(),
    role: text('role').notNull(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    lastSeenAt: bigint('last_seen_at', { mode: 'number' }).notNull(),
    rotatedAt: bigint('rotated_at', { mode: 'number' }).notNull(),
    endedAt: bigint('ended_at', { mode: 'number' }),
    endReason: text('end_reason'),
  },
  (t) => [index('sessions_user').on(t.userId), index('sessions_live').on(t.endedAt)],
);
