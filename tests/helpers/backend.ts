/**
 * The database a test server runs on, so one test file body can run on SQLite and on Postgres:
 * the server's extra environment, and a raw read of what it stored (to check sealing at rest).
 * Postgres tests need the server on the machine: when it is missing they fail, they never skip.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import postgres from 'postgres';
import { createTestDatabase } from './pg.ts';

export interface Backend {
  name: 'sqlite' | 'postgres';
  /** Environment for startTestServer (DATABASE_URL on Postgres). */
  env: Record<string, string>;
  /** Rows of a read-only query on the database the server in `dataDir` uses (plain SQL both dialects speak). */
  rows(dataDir: string, query: string): Promise<Record<string, unknown>[]>;
  drop(): Promise<void>;
}

export interface BackendFactory { name: Backend['name']; open(): Promise<Backend> }

export const SQLITE: BackendFactory = {
  name: 'sqlite',
  open: async () => ({
    name: 'sqlite',
    env: {},
    rows: async (dataDir, query) => {
      const db = new Database(join(dataDir, 'rounds.db'), { readonly: true, fileMustExist: true });
      try { return db.prepare(query).all() as Record<string, unknown>[]; } finally { db.close(); }
    },
    drop: async () => {},
  }),
};

export const POSTGRES: BackendFactory = {
  name: 'postgres',
  open: async () => {
    const db = await createTestDatabase();
    return {
      name: 'postgres',
      env: { DATABASE_URL: db.url },
      rows: async (_dataDir, query) => {
        const sql = postgres(db.url, { max: 1, onnotice: () => {} });
        try { return [...(await sql.unsafe(query))] as Record<string, unknown>[]; } finally { await sql.end(); }
      },
      drop: () => db.drop(),
    };
  },
};
