/** SQLite persistence for accounts and sessions (tables in db/sqlite/security/schema.ts). */
import { and, asc, eq, isNull, lt, lte } from 'drizzle-orm';
import type { SqliteHandle } from '../../../db/sqlite/connection.ts';
import { sessions, users } from '../../../db/sqlite/security/schema.ts';

export type UserRow = typeof users.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;

export class AccountStore {
  constructor(private readonly h: SqliteHandle) {}

  insertUser(u: typeof users.$inferInsert): void { this.h.db.insert(users).values(u).run(); }
  userById(id: string): UserRow | undefined { return this.h.db.select().from(users).where(eq(users.id, id)).get(); }
  userByName(username: string): UserRow | undefined { return this.h.db.select().from(users).where(eq(users.username, username)).get(); }
  userBySso(subject: string): UserRow | undefined { return this.h.db.select().from(users).where(eq(users.ssoSubject, subject)).get(); }
  updateUser(id: string, set: Partial<typeof users.$inferInsert>): void { this.h.db.update(users).set(set).where(eq(users.id, id)).run(); }

  /** Records a TOTP step only if it is later than the stored one (two racing logins cannot both use a code). */
  claimTotpStep(id: string, step: number): boolean {
    return this.h.db.update(users).set({ totpLastStep: step }).where(and(eq(users.id, id), lt(users.totpLastStep, step))).run().changes === 1;
  }

  insertSession(s: typeof sessions.$inferInsert): void { this.h.db.insert(sessions).values(s).run(); }
  sessionByCookie(cookieHash: string): SessionRow | undefined {
    return this.h.db.select().from(sessions).where(and(eq(sessions.cookieHash, cookieHash), isNull(sessions.endedAt))).get();
  }
  sessionBySid(sid: string): SessionRow | undefined { return this.h.db.select().from(sessions).where(eq(sessions.sid, sid)).get(); }
  liveSessions(userId: string): SessionRow[] {
    return this.h.db.select().from(sessions).where(and(eq(sessions.userId, userId), isNull(sessions.endedAt))).orderBy(asc(sessions.createdAt)).all();
  }
  /** Live sessions whose last activity is at or before `before` (idle). */
  idleSessions(before: number): SessionRow[] {
    return this.h.db.select().from(sessions).where(and(isNull(sessions.endedAt), lte(sessions.lastSeenAt, before))).all();
  }
  touch(sid: string, now: number): void { this.h.db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.sid, sid)).run(); }
  rotate(sid: string, cookieHash: string, now: number): void {
    this.h.db.update(sessions).set({ cookieHash, rotatedAt: now, lastSeenAt: now }).where(eq(sessions.sid, sid)).run();
  }
  /** Ends a live session; false if it had already ended. */
  end(sid: string, reason: string, now: number): boolean {
    return this.h.db.update(sessions).set({ endedAt: now, endReason: reason }).where(and(eq(sessions.sid, sid), isNull(sessions.endedAt))).run().changes === 1;
  }
}
