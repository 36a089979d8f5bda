/**
 * Postgres store for the EHR integration (same contract as db/sqlite/ehr/repo.ts), shared by
 * every instance: a launch begun on one instance completes on another, and `takeLaunch` is one
 * `DELETE ... RETURNING`, so a state is spent once however many callbacks race.
 */
import { and, desc, eq } from 'drizzle-orm';
import type { PgHandle } from '../connection.ts';
import { ehrEncounterVisits, ehrLaunchStates, ehrSessions } from './schema.ts';
import { PLAIN_CODEC, type TextCodec } from '../../codec.ts';
import {
  openLaunch, openTokens, sealLaunch, sealTokens, type EhrRepository, type EhrSession, type EhrTokens, type LaunchState, type NewEhrSession,
} from '../../ehr-repo.ts';

/** EHR tokens are credentials: sealed under `ehr_sessions:<visitId>` (and the PKCE verifier under `ehr_launch:<state>`). */
export class PgEhrRepository implements EhrRepository {
  constructor(private readonly h: PgHandle, private readonly codec: TextCodec = PLAIN_CODEC) {}

  async saveLaunch(s: LaunchState): Promise<void> {
    await this.h.db.insert(ehrLaunchStates).values(sealLaunch(this.codec, s));
  }

  async takeLaunch(state: string): Promise<LaunchState | null> {
    const [r] = await this.h.db.delete(ehrLaunchStates).where(eq(ehrLaunchStates.state, state)).returning();
    return r ? openLaunch(this.codec, r) : null;
  }

  async visitForEncounter(iss: string, encounterId: string): Promise<string | null> {
    const [r] = await this.h.db.select({ visitId: ehrEncounterVisits.visitId }).from(ehrEncounterVisits)
      .where(and(eq(ehrEncounterVisits.iss, iss), eq(ehrEncounterVisits.encounterId, encounterId)));
    return r?.visitId ?? null;
  }

  async linkEncounter(iss: string, encounterId: string, visitId: string): Promise<string> {
    await this.h.db.insert(ehrEncounterVisits).values({ iss, encounterId, visitId, createdAt: Date.now() }).onConflictDoNothing();
    return (await this.visitForEncounter(iss, encounterId))!;
  }

  async saveSession(s: NewEhrSession): Promise<number> {
    const [r] = await this.h.db.insert(ehrSessions).values(sealTokens(this.codec, s)).returning({ id: ehrSessions.id });
    return r!.id;
  }

  async latestSession(visitId: string): Promise<EhrSession | null> {
    const [r] = await this.h.db.select().from(ehrSessions).where(eq(ehrSessions.visitId, visitId)).orderBy(desc(ehrSessions.id)).limit(1);
    return r ? openTokens(this.codec, r) : null;
  }

  async updateTokens(id: number, visitId: string, t: EhrTokens): Promise<void> {
    const sealed = sealTokens(this.codec, { visitId, ...t });
    await this.h.db.update(ehrSessions).set({ accessToken: sealed.accessToken, refreshToken: sealed.refreshToken, expiresAt: t.expiresAt }).where(eq(ehrSessions.id, id));
  }
}
