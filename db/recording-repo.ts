/**
 * Persistence for video recording records and their access audit (owned by livekit/), one
 * contract for SQLite (db/sqlite/livekit) and Postgres (db/pg/livekit). A record is written
 * together with its audit row in one transaction: no access without its audit entry.
 */
import type { AccessAction, RecordingRecord } from '../livekit/recording.ts';

export interface AccessEntry {
  recordingId: string;
  visitId: string;
  actor: string;
  role: string;
  action: AccessAction;
  at: string;
}

export type AuditFields = Omit<AccessEntry, 'recordingId' | 'visitId'>;

export interface RecordingRepository {
  /** Inserts or replaces the record and appends its audit entry, in one transaction. */
  save(r: RecordingRecord, audit: AuditFields): Promise<void>;
  byId(id: string): Promise<RecordingRecord | null>;
  byEgress(egressId: string): Promise<RecordingRecord | null>;
  /** A visit's records, oldest first. */
  forVisit(visitId: string): Promise<RecordingRecord[]>;
  active(visitId: string): Promise<RecordingRecord[]>;
  /** Records whose retention ended at or before `iso`, neither deleted nor still recording. */
  dueBefore(iso: string): Promise<RecordingRecord[]>;
  /** Audit rows for several records in one transaction with nothing else (listing). */
  audit(entries: AccessEntry[]): Promise<void>;
  accessLog(recordingId: string): Promise<AccessEntry[]>;
}
