/** Accounts and sessions in the instance's SQLite file (tables in db/sqlite/security/schema.ts). */
import { and, asc, eq, isNull, lt, lte } from 'drizzle-orm';
import type { SqliteHandle } from '../../../db/sqlite/connection.ts';
import { sessions, users } from '../../../db/sqlite/security/schema.ts';
import type { AccountStore, NewSession, SessionRow } from './store.ts';

export class SqliteAccountStore implements AccountStore {
  readonly #h: SqliteHandle;
  readonly #start: (s: NewSession, over: (live: SessionRow[]) => string[], reason: string) => string[];

  constructor(h: SqliteHandle) {
    this.#h = h;
    const tx = h.raw.transaction((s: NewSession, over: (live: SessionRow[]) => string[], reason: string) => {
      const ended = over(this.#live(s.userId)).filter((sid) => this.#end(sid, reason, s.createdAt));
      h.db.insert(sessions).values(s).run();
      return ended;
    });
    this.#start = (s, over, reason) => tx.immediate(s, over, reason);
  }

  async insertUser(u: typeof users.$inferInsert) { this.#h.db.insert(users).values(u).run(); }
  async userById(id: string) { return this.#h.db.select().from(users).where(eq(users.id, id)).get(); }
  async userByName(username: string) { return this.#h.db.select().from(users).where(eq(users.username, username)).get(); }
  async userBySso(subject: string) { return this.#h.db.select().from(users).where(eq(users.ssoSubject, subject)).get(); }
  async updateUser(id: string, set: Partial<typeof users.$inferInsert>) { this.#h.db.update(users).set(set).where(eq(users.id, id)).run(); }
  async claimTotpStep(id: string, step: number) {
    return this.#h.db.update(users).set({ totpLastStep: step }).where(and(eq(users.id, id), lt(users.totpLastStep, step))).run().changes === 1;
  }

  async startSession(s: NewSession, over: (live: SessionRow[]) => string[], reason: string) { return this.#start(s, over, reason); }
  async sessionByCookie(cookieHash: string) {
    return this.#h.db.select().from(sessions).where(and(eq(sessions.cookieHash, cookieHash), isNull(sessions.endedAt))).get();
  }
  async sessionBySid(sid: string) { return this.#h.db.select().from(sessions).where(eq(sessions.sid, sid)).get(); }
  async liveSessions(userId: string) { return this.#live(userId); }
  async idleSessions(before: number) {
    return this.#h.db.select().from(sessions).where(and(isNull(sessions.endedAt), lte(sessions.lastSeenAt, before))).all();
  }
  async touch(sid: string, now: number) { this.#h.db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.sid, sid)).run(); }
  async rotate(sid: string, from: string, cookieHash: string, now: number, seenAt: number) {
    return this.#h.db.update(sessions).set({ cookieHash, rotatedAt: now, lastSeenAt: seenAt }).where(and(eq(sessions.sid, sid), eq(sessions.cookieHash, from))).run().changes === 1;
  }
  async end(sid: string, reason: string, now: number) { return this.#end(sid, reason, now); }

  #live(userId: string): SessionRow[] {
    return this.#h.db.select().from(sessions).where(and(eq(sessions.userId, userId), isNull(sessions.endedAt))).orderBy(asc(sessions.createdAt)).all();
  }
  #end(sid: string, reason: string, now: number): boolean {
    return this.#h.db.update(sessions).set({ endedAt: now, endReason: reason }).where(and(eq(sessions.sid, sid), isNull(sessions.endedAt))).run().changes === 1;
  }
}
