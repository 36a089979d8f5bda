/** Opens Postgres through postgres.js + drizzle and runs the migrations. */
import postgres from 'postgres';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as schema from './schema.ts';

export type PgDb = PostgresJsDatabase<typeof schema>;

export interface PgHandle {
  sql: postgres.Sql;
  db: PgDb;
  close(): Promise<void>;
}

const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * As on SQLite, each domain owns its tables and migrations (its own drizzle config under
 * db/pg/<domain>/, folder and migrations table), run in this order on start. Add a domain here.
 */
export const PG_MIGRATION_SETS: readonly { folder: string; table: string }[] = [
  { folder: join(HERE, 'migrations'), table: '__drizzle_migrations' },
  { folder: join(HERE, 'security/migrations'), table: '__drizzle_security' },
  { folder: join(HERE, 'livekit/migrations'), table: '__drizzle_livekit' },
  { folder: join(HERE, 'scheduling/migrations'), table: '__drizzle_scheduling' },
  { folder: join(HERE, 'intake/migrations'), table: '__drizzle_intake' },
  { folder: join(HERE, 'ehr/migrations'), table: '__drizzle_ehr' },
];

export async function openPostgres(url: string, opts: { max?: number } = {}): Promise<PgHandle> {
  const sql = postgres(url, { max: opts.max ?? 10, onnotice: () => {}, connect_timeout: 5, idle_timeout: 30 });
  const db = drizzle(sql, { schema });
  // Serialise migrations when several instances start at once: a session-level advisory lock on a
  // one-connection client, on which the migrations then run.
  const one = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    await one`select pg_advisory_lock(4242001)`;
    const mdb = drizzle(one, { schema });
    for (const m of PG_MIGRATION_SETS) await migrate(mdb, { migrationsFolder: m.folder, migrationsTable: m.table });
  } finally {
    await one.end({ timeout: 5 });
  }
  return { sql, db, close: () => sql.end({ timeout: 5 }) };
}
