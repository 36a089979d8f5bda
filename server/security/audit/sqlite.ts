/**
 * The audit log's SQLite backend: a batch is one IMMEDIATE transaction (the write lock is taken
 * before the last hash is read), so two processes writing the same file still produce one chain.
 */
import { asc, desc } from 'drizzle-orm';
import type { SqliteHandle } from '../../../db/sqlite/connection.ts';
import { auditLog } from '../../../db/sqlite/security/schema.ts';
import { chainEntries, type AuditEntry, type AuditEvent } from './chain.ts';
import { pageWhere, type AuditBackend } from './backend.ts';

export function sqliteAuditBackend(h: SqliteHandle): AuditBackend {
  const tx = h.raw.transaction((events: readonly AuditEvent[]): AuditEntry[] => {
    const last = h.db.select({ seq: auditLog.seq, hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.seq)).limit(1).get();
    const entries = chainEntries(last ?? null, events);
    if (entries.length) h.db.insert(auditLog).values(entries).run();
    return entries;
  });
  return {
    kind: 'sqlite',
    appendBatch: async (events) => tx.immediate(events),
    page: async (after, limit, range) =>
      h.db.select().from(auditLog).where(pageWhere(auditLog, after, range)).orderBy(asc(auditLog.seq)).limit(limit).all(),
  };
}
