/**
 * Accounts and sessions on Postgres (tables in db/pg/security/schema.ts), shared by every
 * instance. The atomic steps are single conditional statements (TOTP step, session end) or one
 * transaction under a per-user advisory lock (session start with the concurrent-session limit).
 */
import { and, asc, eq, isNull, lt, lte, sql } from 'drizzle-orm';
import type { PgHandle } from '../../../db/pg/connection.ts';
import { sessions, users } from '../../../db/pg/security/schema.ts';
import type { AccountStore, NewSession, SessionRow } from './store.ts';

/** Advisory lock class of a user's sign-ins (the second key is a hash of the user id). */
const SIGN_IN_LOCK = 4242003;

type Db = PgHandle['db'];
type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export class PgAccountStore implements AccountStore {
  readonly #db: Db;
  constructor(h: PgHandle) { this.#db = h.db; }

  async insertUser(u: typeof users.$inferInsert) { await this.#db.insert(users).values(u); }
  async userById(id: string) { return (await this.#db.select().from(users).where(eq(users.id, id)))[0]; }
  async userByName(username: string) { return (await this.#db.select().from(users).where(eq(users.username, username)))[0]; }
  async userBySso(subject: string) { return (await this.#db.select().from(users).where(eq(users.ssoSubject, subject)))[0]; }
  async updateUser(id: string, set: Partial<typeof users.$inferInsert>) { await this.#db.update(users).set(set).where(eq(users.id, id)); }
  async claimTotpStep(id: string, step: number) {
    const won = await this.#db.update(users).set({ totpLastStep: step }).where(and(eq(users.id, id), lt(users.totpLastStep, step))).returning({ id: users.id });
    return won.length === 1;
  }

  startSession(s: NewSession, over: (live: SessionRow[]) => string[], reason: string): Promise<string[]> {
    return this.#db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${SIGN_IN_LOCK}, hashtext(${s.userId}))`);
      const ended: string[] = [];
      for (const sid of over(await this.#live(tx, s.userId))) if (await this.#end(tx, sid, reason, s.createdAt)) ended.push(sid);
      await tx.insert(sessions).values(s);
      return ended;
    });
  }
  async sessionByCookie(cookieHash: string) {
    return (await this.#db.select().from(sessions).where(and(eq(sessions.cookieHash, cookieHash), isNull(sessions.endedAt))))[0];
  }
  async sessionBySid(sid: string) { return (await this.#db.select().from(sessions).where(eq(sessions.sid, sid)))[0]; }
  liveSessions(userId: string) { return this.#live(this.#db, userId); }
  idleSessions(before: number) {
    return this.#db.select().from(sessions).where(and(isNull(sessions.endedAt), lte(sessions.lastSeenAt, before)));
  }
  async touch(sid: string, now: number) { await this.#db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.sid, sid)); }
  async rotate(sid: string, from: string, cookieHash: string, now: number, seenAt: number) {
    const r = await this.#db.update(sessions).set({ cookieHash, rotatedAt: now, lastSeenAt: seenAt })
      .where(and(eq(sessions.sid, sid), eq(sessions.cookieHash, from))).returning({ sid: sessions.sid });
    return r.length === 1;
  }
  end(sid: string, reason: string, now: number) { return this.#end(this.#db, sid, reason, now); }

  #live(db: Db | Tx, userId: string): Promise<SessionRow[]> {
    return db.select().from(sessions).where(and(eq(sessions.userId, userId), isNull(sessions.endedAt))).orderBy(asc(sessions.createdAt));
  }
  async #end(db: Db | Tx, sid: string, reason: string, now: number): Promise<boolean> {
    const r = await db.update(sessions).set({ endedAt: now, endReason: reason }).where(and(eq(sessions.sid, sid), isNull(sessions.endedAt))).returning({ sid: sessions.sid });
    return r.length === 1;
  }
}
