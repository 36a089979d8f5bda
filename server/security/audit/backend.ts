/**
 * Where audit entries are stored: one small interface with a SQLite and a Postgres
 * implementation (./sqlite.ts, ./pg.ts). The queueing, retry, verification and export logic lives
 * once, in ./log.ts, on top of it.
 */
import { and, gt, gte, lt, type Column, type SQL } from 'drizzle-orm';
import type { AuditEntry, AuditEvent } from './chain.ts';

export interface TimeRange { from?: string; to?: string }

export interface AuditBackend {
  readonly kind: 'sqlite' | 'postgres';
  /**
   * Appends the events, in order, as the next entries of the one chain, in ONE transaction that
   * is serialised against every other writer (other processes included): read the last entry,
   * chain, insert, commit. Resolves with the entries once committed.
   */
  appendBatch(events: readonly AuditEvent[]): Promise<AuditEntry[]>;
  /** Up to `limit` committed entries with `seq > after`, in sequence order, within the time range. */
  page(after: number, limit: number, range: TimeRange): Promise<AuditEntry[]>;
}

/** The WHERE clause of `page` (the columns of either dialect's audit_log). */
export function pageWhere(t: { seq: Column; at: Column }, after: number, range: TimeRange): SQL | undefined {
  const conds = [gt(t.seq, after)];
  if (range.from) conds.push(gte(t.at, range.from));
  if (range.to) conds.push(lt(t.at, range.to));
  return and(...conds);
}
