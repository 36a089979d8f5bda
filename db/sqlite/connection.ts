/** Opens the embedded SQLite database (WAL), runs migrations, and hands out the drizzle handle. */
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as schema from './schema.ts';

export type SqliteDb = BetterSQLite3Database<typeof schema>;

export interface SqliteHandle {
  raw: Database.Database;
  db: SqliteDb;
  close(): void;
}

export interface SqliteOptions {
  /** `FULL` syncs the WAL on every commit (survives power loss); `NORMAL` survives process crashes. */
  synchronous?: 'FULL' | 'NORMAL';
}

const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * Each domain owns its tables and its migrations (its own drizzle config, folder and migrations
 * table), so domains evolve independently. Add a domain here; order matters only for foreign keys.
 */
export const MIGRATION_SETS: readonly { folder: string; table: string }[] = [
  { folder: join(HERE, 'migrations'), table: '__drizzle_migrations' },
  { folder: join(HERE, 'livekit/migrations'), table: '__drizzle_livekit' },
  { folder: join(HERE, 'scheduling/migrations'), table: '__drizzle_scheduling' },
  { folder: join(HERE, 'ehr/migrations'), table: '__drizzle_ehr' },
  { folder: join(HERE, 'security/migrations'), table: '__drizzle_security' },
  { folder: join(HERE, 'intake/migrations'), table: '__drizzle_intake' },
];

export function openSqlite(file: string, opts: SqliteOptions = {}): SqliteHandle {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const raw = new Database(file);
  raw.pragma('journal_mode = WAL');
  raw.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`);
  raw.pragma('foreign_keys = ON');
  raw.pragma('busy_timeout = 5000');
  const db = drizzle(raw, { schema });
  for (const m of MIGRATION_SETS) migrate(db, { migrationsFolder: m.folder, migrationsTable: m.table });
  return { raw, db, close: () => raw.close() };
}
