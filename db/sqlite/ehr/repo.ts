/** SQLite store for the EHR integration: launches in flight, encounter -> visit links, EHR sessions. */
import { and, desc, eq } from 'drizzle-orm';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { SqliteHandle } from '../connection.ts';
import { ehrEncounterVisits, ehrLaunchStates, ehrSessions } from './schema.ts';

const schema = { ehrEncounterVisits, ehrLaunchStates, ehrSessions };

export type LaunchState = typeof ehrLaunchStates.$inferSelect;
export type EhrSession = typeof ehrSessions.$inferSelect;
export type NewEhrSession = typeof ehrSessions.$inferInsert;

/** Encryption at rest (the security layer's codec); the default stores values as they are. */
export interface TextCodec { sealText(context: string, plain: string): string; openText(context: string, stored: string): string }
const PLAIN: TextCodec = { sealText: (_c, p) => p, openText: (_c, s) => s };

/** EHR tokens are credentials: sealed under `ehr_sessions:<visitId>` (and the PKCE verifier under `ehr_launch:<state>`). */
export class SqliteEhrRepository {
  readonly #db: BetterSQLite3Database<typeof schema>;
  constructor(private readonly h: SqliteHandle, private readonly codec: TextCodec = PLAIN) {
    this.#db = drizzle(h.raw, { schema });
  }

  #sealSession<T extends { visitId: string; accessToken: string; refreshToken?: string | null }>(s: T): T {
    const c = `ehr_sessions:${s.visitId}`;
    return { ...s, accessToken: this.codec.sealText(c, s.accessToken), refreshToken: s.refreshToken ? this.codec.sealText(c, s.refreshToken) : null };
  }

  saveLaunch(s: LaunchState): void {
    this.#db.insert(ehrLaunchStates).values({ ...s, codeVerifier: this.codec.sealText(`ehr_launch:${s.state}`, s.codeVerifier) }).run();
  }

  /** Removes and returns the launch for `state`: a state is good for one callback only. */
  takeLaunch(state: string): LaunchState | null {
    return this.h.raw.transaction((): LaunchState | null => {
      const r = this.#db.select().from(ehrLaunchStates).where(eq(ehrLaunchStates.state, state)).get();
      if (r) this.#db.delete(ehrLaunchStates).where(eq(ehrLaunchStates.state, state)).run();
      return r ? { ...r, codeVerifier: this.codec.openText(`ehr_launch:${r.state}`, r.codeVerifier) } : null;
    }).immediate();
  }

  visitForEncounter(iss: string, encounterId: string): string | null {
    const r = this.#db.select({ visitId: ehrEncounterVisits.visitId }).from(ehrEncounterVisits)
      .where(and(eq(ehrEncounterVisits.iss, iss), eq(ehrEncounterVisits.encounterId, encounterId))).get();
    return r?.visitId ?? null;
  }

  /** Links an encounter to a visit unless one is linked already; returns the visit that holds the link. */
  linkEncounter(iss: string, encounterId: string, visitId: string): string {
    this.#db.insert(ehrEncounterVisits).values({ iss, encounterId, visitId, createdAt: Date.now() }).onConflictDoNothing().run();
    return this.visitForEncounter(iss, encounterId)!;
  }

  saveSession(s: NewEhrSession): number {
    return Number(this.#db.insert(ehrSessions).values(this.#sealSession(s)).run().lastInsertRowid);
  }

  latestSession(visitId: string): EhrSession | null {
    const r = this.#db.select().from(ehrSessions).where(eq(ehrSessions.visitId, visitId)).orderBy(desc(ehrSessions.id)).limit(1).get();
    if (!r) return null;
    const c = `ehr_sessions:${r.visitId}`;
    return { ...r, accessToken: this.codec.openText(c, r.accessToken), refreshToken: r.refreshToken ? this.codec.openText(c, r.refreshToken) : null };
  }

  updateTokens(id: number, visitId: string, t: { accessToken: string; refreshToken: string | null; expiresAt: number | null }): void {
    const sealed = this.#sealSession({ visitId, ...t });
    this.#db.update(ehrSessions).set({ accessToken: sealed.accessToken, refreshToken: sealed.refreshToken, expiresAt: t.expiresAt }).where(eq(ehrSessions.id, id)).run();
  }
}
