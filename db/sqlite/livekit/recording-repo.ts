/** SQLite store for video recording records and their access audit (tables in ./schema.ts). */
import type Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { and, asc, eq, lte, ne } from 'drizzle-orm';
import * as schema from './schema.ts';
import type { AccessAction, RecordingRecord, RecordingState } from '../../../livekit/recording.ts';
import type { UsState } from '../../../server/visits/model.ts';
import type { AccessEntry, AuditFields, RecordingRepository } from '../../recording-repo.ts';

type Row = typeof schema.recordings.$inferSelect;

function toRecord(r: Row): RecordingRecord {
  return {
    ...r,
    state: r.state as RecordingState,
    patientState: r.patientState as UsState,
    viewers: JSON.parse(r.viewers) as string[],
  };
}

function toRow(r: RecordingRecord): Row {
  return { ...r, viewers: JSON.stringify(r.viewers) };
}

export class SqliteRecordingRepository implements RecordingRepository {
  readonly #db: BetterSQLite3Database<typeof schema>;
  readonly #raw: Database.Database;

  constructor(raw: Database.Database) {
    this.#raw = raw;
    this.#db = drizzle(raw, { schema });
  }

  async save(r: RecordingRecord, audit: AuditFields): Promise<void> {
    this.#raw.transaction(() => {
      this.#db.insert(schema.recordings).values(toRow(r)).onConflictDoUpdate({ target: schema.recordings.id, set: toRow(r) }).run();
      this.#db.insert(schema.recordingAccess).values({ ...audit, recordingId: r.id, visitId: r.visitId }).run();
    })();
  }

  async byId(id: string): Promise<RecordingRecord | null> {
    const row = this.#db.select().from(schema.recordings).where(eq(schema.recordings.id, id)).get();
    return row ? toRecord(row) : null;
  }

  async byEgress(egressId: string): Promise<RecordingRecord | null> {
    const row = this.#db.select().from(schema.recordings).where(eq(schema.recordings.egressId, egressId)).get();
    return row ? toRecord(row) : null;
  }

  async forVisit(visitId: string): Promise<RecordingRecord[]> {
    return this.#db.select().from(schema.recordings).where(eq(schema.recordings.visitId, visitId)).orderBy(asc(schema.recordings.startedAt)).all().map(toRecord);
  }

  async active(visitId: string): Promise<RecordingRecord[]> {
    return (await this.forVisit(visitId)).filter((r) => r.state === 'active');
  }

  async dueBefore(iso: string): Promise<RecordingRecord[]> {
    return this.#db.select().from(schema.recordings)
      .where(and(lte(schema.recordings.retainUntil, iso), ne(schema.recordings.state, 'deleted'), ne(schema.recordings.state, 'active')))
      .all().map(toRecord);
  }

  async audit(entries: AccessEntry[]): Promise<void> {
    if (entries.length === 0) return;
    this.#raw.transaction(() => { for (const e of entries) this.#db.insert(schema.recordingAccess).values(e).run(); })();
  }

  async accessLog(recordingId: string): Promise<AccessEntry[]> {
    return this.#db.select().from(schema.recordingAccess).where(eq(schema.recordingAccess.recordingId, recordingId))
      .orderBy(asc(schema.recordingAccess.id)).all().map(({ id: _id, ...e }) => ({ ...e, action: e.action as AccessAction }));
  }
}
