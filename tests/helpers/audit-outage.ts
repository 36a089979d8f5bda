/**
 * Real audit-log outages the tests can start and end (no fakes), shared by
 * tests/server/security/audit/outage.test.ts and the tests of background jobs that must pause
 * during one (EHR write-back, recording retention).
 *
 * SQLite — another connection holds the write lock (`BEGIN IMMEDIATE`), so every append ends in
 * SQLITE_BUSY ("database is locked"); the log's own connection waits 20 ms for it instead of the
 * server's 5 s. Postgres — the log connects through a TCP proxy that the test cuts and restores
 * (as tests/server/cluster does); a hanging store is another session holding the audit chain's
 * advisory lock.
 */
import { join } from 'node:path';
import postgres from 'postgres';
import type { AuditBackend } from '../../server/security/audit/backend.ts';
import { AUDIT_CHAIN_LOCK, pgAuditBackend } from '../../server/security/audit/pg.ts';
import { sqliteAuditBackend } from '../../server/security/audit/sqlite.ts';
import { openSqlite } from '../../db/sqlite/connection.ts';
import { openPostgres } from '../../db/pg/connection.ts';
import { createTestDatabase } from './pg.ts';
import { startProxy } from './tcp-proxy.ts';
import { removeDir, tempDir } from './server.ts';

/** A real store the test can take down and bring back. */
export interface Outage {
  name: 'sqlite' | 'postgres';
  backend: AuditBackend;
  down(): Promise<void>;
  up(): Promise<void>;
  /** Postgres only: another session holds the chain lock, so appends hang (not fail). */
  hang?(): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** The audit log's own SQLite file (nothing else lives in it, so only the audit log is down). */
export async function sqliteOutage(): Promise<Outage> {
  const dir = tempDir('rounds-audit-outage-');
  const file = join(dir, 'rounds.db');
  const h = openSqlite(file);
  h.raw.pragma('busy_timeout = 20');
  const other = openSqlite(file);
  return {
    name: 'sqlite',
    backend: sqliteAuditBackend(h),
    down: async () => { other.raw.exec('BEGIN IMMEDIATE'); },
    up: async () => { other.raw.exec('ROLLBACK'); },
    close: async () => { other.close(); h.close(); removeDir(dir); },
  };
}

export async function pgOutage(): Promise<Outage> {
  const db = await createTestDatabase();
  const url = new URL(db.url);
  const proxy = await startProxy(Number(url.port || 5432));
  url.port = String(proxy.port);
  const h = await openPostgres(url.toString(), { max: 2 });
  return {
    name: 'postgres',
    backend: pgAuditBackend(h),
    down: async () => { proxy.cut(); },
    up: () => proxy.restore(),
    hang: async () => {
      const holder = postgres(db.url, { max: 1, onnotice: () => {} });
      const reserved = await holder.reserve();
      await reserved`select pg_advisory_lock(${AUDIT_CHAIN_LOCK})`;
      return async () => { await reserved`select pg_advisory_unlock(${AUDIT_CHAIN_LOCK})`; reserved.release(); await holder.end(); };
    },
    close: async () => { await h.close(); await proxy.close(); await db.drop(); },
  };
}
