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

export async function openPostgres(url: string, opts: { max?: number } = {}): Promise<PgHandle> {
  const sql = postgres(url, { max: opts.max ?? 10, onnotice: () => {}, connect_timeout: 5, idle_timeout: 30 });
  const db = drizzle(sql, { schema });
  // Serialise migrations when several instances start at once.
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(4242001)`;
  });
  await migrate(db, { migrationsFolder: join(HERE, 'migrations'), migrationsTable: '__drizzle_migrations' });
  return { sql, db, close: () => sql.end({ timeout: 5 }) };
}
