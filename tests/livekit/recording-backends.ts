/**
 * The recording tests run once per storage backend (tests/helpers/backend.ts: SQLite, Postgres).
 * `recordingRepo` gives a test its own repository there, for driving RecordingService directly:
 * an in-memory SQLite database, or the backend's Postgres database.
 */
import { openSqlite } from '../../db/sqlite/connection.ts';
import { SqliteRecordingRepository } from '../../db/sqlite/livekit/recording-repo.ts';
import { openPostgres } from '../../db/pg/connection.ts';
import { PgRecordingRepository } from '../../db/pg/livekit/recording-repo.ts';
import type { RecordingRepository } from '../../db/recording-repo.ts';
import { POSTGRES, SQLITE, type Backend } from '../helpers/backend.ts';

export const RECORDING_BACKENDS = [SQLITE, POSTGRES] as const;

export async function recordingRepo(b: Backend): Promise<{ repo: RecordingRepository; close(): Promise<void> }> {
  const url = b.env['DATABASE_URL'];
  if (url) {
    const h = await openPostgres(url, { max: 2 });
    return { repo: new PgRecordingRepository(h), close: () => h.close() };
  }
  const db = openSqlite(':memory:');
  return { repo: new SqliteRecordingRepository(db.raw), close: async () => db.close() };
}
