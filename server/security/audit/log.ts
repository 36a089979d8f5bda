/**
 * The audit log on SQLite: appends chained entries (one immediate transaction per entry, so two
 * processes writing the same file still produce one chain), verifies the chain in pages, and
 * exports for compliance officers. There is no purge: the table's triggers refuse deletes of
 * entries younger than six years, and nothing here deletes at all.
 */
import { and, asc, gt, gte, lt, desc } from 'drizzle-orm';
import type { SqliteHandle } from '../../../db/sqlite/connection.ts';
import { auditLog } from '../../../db/sqlite/security/schema.ts';
import { chainEntry, verifyChain, type AuditEntry, type AuditEvent, type VerifyResult } from './chain.ts';

export interface Audit {
  record(e: AuditEvent): void;
}

export type ExportFormat = 'ndjson' | 'csv';

export const CSV_COLUMNS = ['seq', 'at', 'actor', 'role', 'resource', 'action', 'outcome', 'address', 'detail', 'prevHash', 'hash'] as const;

const PAGE = 5000;

export class AuditLog implements Audit {
  readonly #h: SqliteHandle;
  readonly #append: (e: AuditEvent) => AuditEntry;

  constructor(handle: SqliteHandle) {
    this.#h = handle;
    const tx = handle.raw.transaction((ev: AuditEvent): AuditEntry => {
      const last = handle.db.select({ seq: auditLog.seq, hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.seq)).limit(1).get();
      const entry = chainEntry(last ?? null, ev);
      handle.db.insert(auditLog).values(entry).run();
      return entry;
    });
    this.#append = (ev) => tx.immediate(ev);
  }

  /** Appends one entry; durable when it returns. */
  record(e: AuditEvent): AuditEntry {
    return this.#append(e);
  }

  /** Entries in sequence order, optionally within [from, to) by time. */
  *entries(range: { from?: string; to?: string } = {}): Generator<AuditEntry> {
    let after = 0;
    for (;;) {
      const conds = [gt(auditLog.seq, after)];
      if (range.from) conds.push(gte(auditLog.at, range.from));
      if (range.to) conds.push(lt(auditLog.at, range.to));
      const rows = this.#h.db.select().from(auditLog).where(and(...conds)).orderBy(asc(auditLog.seq)).limit(PAGE).all();
      for (const r of rows) yield r;
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1]!.seq;
    }
  }

  /** Walks the whole chain; on failure names the first entry that does not fit. */
  verify(): VerifyResult {
    let start: { seq: number; hash: string } | null = null;
    let total = 0;
    let after = 0;
    for (;;) {
      const rows = this.#h.db.select().from(auditLog).where(gt(auditLog.seq, after)).orderBy(asc(auditLog.seq)).limit(PAGE).all();
      const r = verifyChain(rows, start);
      if (!r.ok) return { ...r, entries: total + r.entries };
      total += r.entries;
      if (rows.length < PAGE) return { ok: true, entries: total, lastHash: r.lastHash };
      const last = rows[rows.length - 1]!;
      start = { seq: last.seq, hash: last.hash };
      after = last.seq;
    }
  }

  /** Lines of an export (NDJSON: one JSON object per line; CSV: header line first). */
  *export(format: ExportFormat, range: { from?: string; to?: string } = {}): Generator<string> {
    if (format === 'csv') yield CSV_COLUMNS.join(',');
    for (const e of this.entries(range)) {
      if (format === 'ndjson') yield JSON.stringify(e);
      else yield CSV_COLUMNS.map((k) => csvField(e[k])).join(',');
    }
  }
}

function csvField(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  // RFC 4180 quoting; a leading formula character is neutralised for spreadsheet users.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) || safe !== s ? `"${safe.replace(/"/g, '""')}"` : safe;
}
