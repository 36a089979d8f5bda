/**
 * The security tables on each backend, for tests that must pass on both: a fresh SQLite file, or
 * a fresh database on the machine's Postgres (createTestDatabase fails, and so the test fails,
 * when Postgres is missing). Gives the audit backend, the account store, raw SQL for tampering,
 * and how to point `npm run audit` at the same database.
 */
import { join } from 'node:path';
import { openSqlite } from '../../db/sqlite/connection.ts';
import { openPostgres } from '../../db/pg/connection.ts';
import type { AuditBackend } from '../../server/security/audit/backend.ts';
import { sqliteAuditBackend } from '../../server/security/audit/sqlite.ts';
import { pgAuditBackend } from '../../server/security/audit/pg.ts';
import type { AccountStore } from '../../server/security/auth/store.ts';
import { SqliteAccountStore } from '../../server/security/auth/store-sqlite.ts';
import { PgAccountStore } from '../../server/security/auth/store-pg.ts';
import { createTestDatabase } from './pg.ts';
import { removeDir, tempDir } from './server.ts';

export interface SecurityDb {
  audit: AuditBackend;
  accounts: AccountStore;
  /** Raw SQL (rows for a query). */
  exec(sql: string): Promise<Record<string, unknown>[]>;
  dropTrigger(name: string): Promise<void>;
  /** Arguments and environment that make the audit CLI read this database. */
  cli: { args: string[]; env: Record<string, string> };
  /** Another connection to the same database, as a second process would have. */
  second(): Promise<{ audit: AuditBackend; close(): Promise<void> }>;
  close(): Promise<void>;
}

export interface SecurityBackend { name: 'sqlite' | 'postgres'; open(): Promise<SecurityDb> }

const sqlite: SecurityBackend = {
  name: 'sqlite',
  open: async () => {
    const dir = tempDir('rounds-security-');
    const file = join(dir, 'rounds.db');
    const h = openSqlite(file);
    return {
      audit: sqliteAuditBackend(h),
      accounts: new SqliteAccountStore(h),
      exec: async (sql) => {
        const st = h.raw.prepare(sql);
        return st.reader ? (st.all() as Record<string, unknown>[]) : (st.run(), []);
      },
      dropTrigger: async (name) => { h.raw.exec(`DROP TRIGGER ${name}`); },
      cli: { args: ['--db', file], env: {} },
      second: async () => {
        const h2 = openSqlite(file);
        return { audit: sqliteAuditBackend(h2), close: async () => h2.close() };
      },
      close: async () => { h.close(); removeDir(dir); },
    };
  },
};

const postgres: SecurityBackend = {
  name: 'postgres',
  open: async () => {
    const db = await createTestDatabase();
    const h = await openPostgres(db.url, { max: 4 });
    return {
      audit: pgAuditBackend(h),
      accounts: new PgAccountStore(h),
      exec: async (sql) => [...(await h.sql.unsafe(sql))] as Record<string, unknown>[],
      dropTrigger: async (name) => { await h.sql.unsafe(`DROP TRIGGER ${name} ON audit_log`); },
      cli: { args: [], env: { DATABASE_URL: db.url } },
      second: async () => {
        const h2 = await openPostgres(db.url, { max: 4 });
        return { audit: pgAuditBackend(h2), close: () => h2.close() };
      },
      close: async () => { await h.close(); await db.drop(); },
    };
  },
};

export const SECURITY_BACKENDS: readonly SecurityBackend[] = [sqlite, postgres];
