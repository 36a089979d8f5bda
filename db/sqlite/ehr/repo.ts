/** SQLite store for the EHR integration: launches in flight, encounter -> visit links, EHR sessions. */
import { and, desc, eq } from 'drizzle-orm';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { SqliteHandle } from '../connection.ts';
import { ehrEncounterVisits, ehrLaunchStates, ehrSessions } from './schema.ts';
import { PLAIN_CODEC, type TextCodec } from '../../codec.ts';
import {
  openLaunch, openTokens, sealLaunch, sealTokens, type EhrRepository, type EhrSession, type EhrTokens, type LaunchState, type NewEhrSession,
} from '../../ehr-repo.ts';

const schema = { ehrEncounterVisits, ehrLaunchStates, ehrSessions };

/** EHR tokens are credentials: sealed under `ehr_sessions:<visitId>` (and the PKCE verifier under `ehr_launch:<state>`). */
export class SqliteEhrRepository implements EhrRepository {
  readonly #db: BetterSQLite3Database<typeof schema>;
  constructor(h: SqliteHandle, private readonly codec: TextCodec = PLAIN_CODEC) {
    this.#db = drizzle(h.raw, { schema });
  }

  async saveLaunch(s: LaunchState): Promise<void> {
    this.#db.insert(ehrLaunchStates).values(sealLaunch(this.codec, s)).run();
  }

  async takeLaunch(state: string): Promise<LaunchState | null> {
    const r = this.#db.delete(ehrLaunchStates).where(eq(ehrLaunchStates.state, state)).returning().get();
    return r ? openLaunch(this.codec, r) : null;
  }

  async visitForEncounter(iss: string, encounterId: string): Promise<string | null> {
    return this.#visitFor(iss, encounterId);
  }

  #visitFor(iss: string, encounterId: string): string | null {
    const r = this.#db.select({ visitId: ehrEncounterVisits.visitId }).from(ehrEncounterVisits)
      .where(and(eq(ehrEncounterVisits.iss, iss), eq(ehrEncounterVisits.encounterId, encounterId))).get();
    return r?.visitId ?? null;
  }

  async linkEncounter(iss: string, encounterId: string, visitId: string): Promise<string> {
    this.#db.insert(ehrEncounterVisits).values({ iss, encounterId, visitId, createdAt: Date.now() }).onConflictDoNothing().run();
    return this.#visitFor(iss, encounterId)!;
  }

  async saveSession(s: NewEhrSession): Promise<number> {
    return Number(this.#db.insert(ehrSessions).values(sealTokens(this.codec, s)).run().lastInsertRowid);
  }

  async latestSession(visitId: string): Promise<EhrSession | null> {
    const r = this.#db.select().from(ehrSessions).where(eq(ehrSessions.visitId, visitId)).orderBy(desc(ehrSessions.id)).limit(1).get();
    return r ? openTokens(this.codec, r) : null;
  }

  async updateTokens(id: number, visitId: string, t: EhrTokens): Promise<void> {
    const sealed = sealTokens(this.codec, { visitId, ...t });
    this.#db.update(ehrSessions).set({ accessToken: sealed.accessToken, refreshToken: sealed.refreshToken, expiresAt: t.expiresAt }).where(eq(ehrSessions.id, id)).run();
  }
}
