/**
 * The audit log's Postgres backend: one chain shared by every instance. A batch is one
 * transaction that first takes a transaction-scoped advisory lock, so "read the last hash, insert
 * the next entries" never interleaves between instances (READ COMMITTED: the read after the lock
 * sees the previous holder's commit). The lock is released by the commit or rollback.
 */
import { asc, desc, sql } from 'drizzle-orm';
import type { PgHandle } from '../../../db/pg/connection.ts';
import { auditLog } from '../../../db/pg/security/schema.ts';
import { chainEntries } from './chain.ts';
import { pageWhere, type AuditBackend } from './backend.ts';

/** Advisory lock key of the audit chain (4242001 serialises migrations). */
export const AUDIT_CHAIN_LOCK = 4242002;

export function pgAuditBackend(h: PgHandle): AuditBackend {
  return {
    kind: 'postgres',
    appendBatch: (events) => h.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`);
      const [last] = await tx.select({ seq: auditLog.seq, hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.seq)).limit(1);
      const entries = chainEntries(last ?? null, events);
      if (entries.length) await tx.insert(auditLog).values(entries);
      return entries;
    }),
    page: (after, limit, range) =>
      h.db.select().from(auditLog).where(pageWhere(auditLog, after, range)).orderBy(asc(auditLog.seq)).limit(limit),
  };
}
