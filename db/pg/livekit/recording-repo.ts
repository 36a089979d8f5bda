/** Postgres store for video recording records and their access audit (same contract as db/sqlite/livekit). */
import { and, asc, eq, lte, ne } from 'drizzle-orm';
import type { PgHandle } from '../connection.ts';
import { recordingAccess, recordings } from './schema.ts';
import type { AccessAction, RecordingRecord, RecordingState } from '../../../livekit/recording.ts';
import type { UsState } from '../../../server/visits/model.ts';
import type { AccessEntry, AuditFields, RecordingRepository } from '../../recording-repo.ts';

type Row = typeof recordings.$inferSelect;

const toRecord = (r: Row): RecordingRecord => ({ ...r, state: r.state as RecordingState, patientState: r.patientState as UsState });

export class PgRecordingRepository implements RecordingRepository {
  constructor(private readonly h: PgHandle) {}

  async save(r: RecordingRecord, audit: AuditFields): Promise<void> {
    await this.h.db.transaction(async (tx) => {
      await tx.insert(recordings).values(r).onConflictDoUpdate({ target: recordings.id, set: r });
      await tx.insert(recordingAccess).values({ ...audit, recordingId: r.id, visitId: r.visitId });
    });
  }

  async byId(id: string): Promise<RecordingRecord | null> {
    const [row] = await this.h.db.select().from(recordings).where(eq(recordings.id, id));
    return row ? toRecord(row) : null;
  }

  async byEgress(egressId: string): Promise<RecordingRecord | null> {
    const [row] = await this.h.db.select().from(recordings).where(eq(recordings.egressId, egressId));
    return row ? toRecord(row) : null;
  }

  async forVisit(visitId: string): Promise<RecordingRecord[]> {
    return (await this.h.db.select().from(recordings).where(eq(recordings.visitId, visitId)).orderBy(asc(recordings.startedAt))).map(toRecord);
  }

  async active(visitId: string): Promise<RecordingRecord[]> {
    return (await this.forVisit(visitId)).filter((r) => r.state === 'active');
  }

  async dueBefore(iso: string): Promise<RecordingRecord[]> {
    const rows = await this.h.db.select().from(recordings)
      .where(and(lte(recordings.retainUntil, iso), ne(recordings.state, 'deleted'), ne(recordings.state, 'active')));
    return rows.map(toRecord);
  }

  async audit(entries: AccessEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.h.db.insert(recordingAccess).values(entries);
  }

  async accessLog(recordingId: string): Promise<AccessEntry[]> {
    const rows = await this.h.db.select().from(recordingAccess).where(eq(recordingAccess.recordingId, recordingId)).orderBy(asc(recordingAccess.id));
    return rows.map(({ id: _id, ...e }) => ({ ...e, action: e.action as AccessAction }));
  }
}
