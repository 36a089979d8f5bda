/**
 * The write-back worker's view of the core `outbox` table (owned by the visits core; this file
 * only reads and updates rows, never changes the schema). Claiming a row is a conditional update
 * (`pending` -> `sending`), so two workers never deliver the same row at once.
 *
 * Row statuses: pending (due at next_attempt_at), sending (claimed), delivered, parked (gave up;
 * an operator retries it).
 */
import { and, asc, eq, inArray, lte } from 'drizzle-orm';
import type { SqliteHandle } from '../connection.ts';
import { outbox } from '../schema.ts';

export type OutboxStatus = 'pending' | 'sending' | 'delivered' | 'parked';

export interface OutboxRow {
  id: number;
  visitId: string;
  kind: string;
  payload: unknown;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
}

/** How the visit repository sealed payloads (encryption at rest); the default reads them as stored. */
export interface PayloadOpener { openText(context: string, stored: string): string }
const PLAIN: PayloadOpener = { openText: (_c, s) => s };

export class SqliteOutboxQueue {
  constructor(private readonly h: SqliteHandle, private readonly codec: PayloadOpener = PLAIN) {}

  /** Claims up to `limit` due rows of `kind` (pending, next attempt not in the future). */
  claimDue(kind: string, nowMs: number, limit: number): OutboxRow[] {
    const { db, raw } = this.h;
    return raw.transaction((): OutboxRow[] => {
      const due = db.select().from(outbox)
        .where(and(eq(outbox.kind, kind), eq(outbox.status, 'pending'), lte(outbox.nextAttemptAt, nowMs)))
        .orderBy(asc(outbox.nextAttemptAt), asc(outbox.id)).limit(limit).all();
      const claimed: OutboxRow[] = [];
      for (const r of due) {
        const res = db.update(outbox).set({ status: 'sending' }).where(and(eq(outbox.id, r.id), eq(outbox.status, 'pending'))).run();
        if (res.changes === 1) claimed.push(this.#row({ ...r, status: 'sending' }));
      }
      return claimed;
    }).immediate();
  }

  delivered(id: number, attempts: number): void {
    this.h.db.update(outbox).set({ status: 'delivered', attempts, lastError: null }).where(eq(outbox.id, id)).run();
  }

  retryLater(id: number, attempts: number, nextAttemptAt: number, error: string): void {
    this.h.db.update(outbox).set({ status: 'pending', attempts, nextAttemptAt, lastError: error }).where(eq(outbox.id, id)).run();
  }

  park(id: number, attempts: number, error: string): void {
    this.h.db.update(outbox).set({ status: 'parked', attempts, lastError: error }).where(eq(outbox.id, id)).run();
  }

  /** An operator's retry: a parked (or delivered, to re-send idempotently) row becomes due now. */
  requeue(id: number, nowMs: number): boolean {
    return this.h.db.update(outbox).set({ status: 'pending', attempts: 0, nextAttemptAt: nowMs })
      .where(and(eq(outbox.id, id), inArray(outbox.status, ['parked', 'delivered']))).run().changes === 1;
  }

  /** Rows left `sending` by a crashed process go back to pending (run once at start). */
  recoverStale(): number {
    return this.h.db.update(outbox).set({ status: 'pending' }).where(eq(outbox.status, 'sending')).run().changes;
  }

  get(id: number): OutboxRow | null {
    const r = this.h.db.select().from(outbox).where(eq(outbox.id, id)).get();
    return r ? this.#row(r) : null;
  }

  /** Status of rows, optionally only one status (e.g. parked), without payloads. */
  list(filter: { status?: OutboxStatus; visitId?: string; limit?: number } = {}): Omit<OutboxRow, 'payload'>[] {
    const conds = [];
    if (filter.status) conds.push(eq(outbox.status, filter.status));
    if (filter.visitId) conds.push(eq(outbox.visitId, filter.visitId));
    return this.h.db.select().from(outbox).where(conds.length ? and(...conds) : undefined).orderBy(asc(outbox.id)).limit(filter.limit ?? 500).all()
      .map((r) => ({ id: r.id, visitId: r.visitId, kind: r.kind, status: r.status as OutboxStatus, attempts: r.attempts, nextAttemptAt: r.nextAttemptAt, lastError: r.lastError }));
  }

  /** Payloads are sealed by the visit repository under the context `outbox:<visitId>`. */
  #row(r: typeof outbox.$inferSelect): OutboxRow {
    return {
      id: r.id, visitId: r.visitId, kind: r.kind, payload: JSON.parse(this.codec.openText(`outbox:${r.visitId}`, r.payload)) as unknown,
      status: r.status as OutboxStatus, attempts: r.attempts, nextAttemptAt: r.nextAttemptAt, lastError: r.lastError,
    };
  }
}
