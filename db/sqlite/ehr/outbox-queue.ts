/**
 * The write-back worker's queue over the SQLite `outbox` table (see db/outbox-queue.ts). Claiming
 * a row is a conditional update (`pending` -> `sending`) in an immediate transaction, so two
 * workers never deliver the same row at once. One process owns a SQLite file, so rows left
 * `sending` at start were claimed by a crashed run and go back to pending (`recoverStale`).
 */
import { and, asc, eq, inArray, lte } from 'drizzle-orm';
import type { SqliteHandle } from '../connection.ts';
import { outbox } from '../schema.ts';
import { PLAIN_CODEC, type TextCodec } from '../../codec.ts';
import { outboxRow, outboxSummary, type OutboxQueue, type OutboxRow, type OutboxStatus, type OutboxSummary } from '../../outbox-queue.ts';

export class SqliteOutboxQueue implements OutboxQueue {
  /** `codec` opens payloads the visit repository sealed. */
  constructor(private readonly h: SqliteHandle, private readonly codec: Pick<TextCodec, 'openText'> = PLAIN_CODEC) {}

  async claimDue(kind: string, nowMs: number, limit: number): Promise<OutboxRow[]> {
    const { db, raw } = this.h;
    return raw.transaction((): OutboxRow[] => {
      const due = db.select().from(outbox)
        .where(and(eq(outbox.kind, kind), eq(outbox.status, 'pending'), lte(outbox.nextAttemptAt, nowMs)))
        .orderBy(asc(outbox.nextAttemptAt), asc(outbox.id)).limit(limit).all();
      const claimed: OutboxRow[] = [];
      for (const r of due) {
        const res = db.update(outbox).set({ status: 'sending' }).where(and(eq(outbox.id, r.id), eq(outbox.status, 'pending'))).run();
        if (res.changes === 1) claimed.push(outboxRow(this.codec, { ...r, status: 'sending' }));
      }
      return claimed;
    }).immediate();
  }

  async delivered(claimed: OutboxRow, attempts: number): Promise<boolean> {
    return this.#ack(claimed, { status: 'delivered', attempts, lastError: null });
  }

  async retryLater(claimed: OutboxRow, attempts: number, nextAttemptAt: number, error: string): Promise<boolean> {
    return this.#ack(claimed, { status: 'pending', attempts, nextAttemptAt, lastError: error });
  }

  async park(claimed: OutboxRow, attempts: number, error: string): Promise<boolean> {
    return this.#ack(claimed, { status: 'parked', attempts, lastError: error });
  }

  #ack(claimed: OutboxRow, set: Partial<typeof outbox.$inferInsert>): boolean {
    return this.h.db.update(outbox).set(set).where(and(eq(outbox.id, claimed.id), eq(outbox.status, 'sending'))).run().changes === 1;
  }

  async requeue(id: number, nowMs: number): Promise<boolean> {
    return this.h.db.update(outbox).set({ status: 'pending', attempts: 0, nextAttemptAt: nowMs })
      .where(and(eq(outbox.id, id), inArray(outbox.status, ['parked', 'delivered']))).run().changes === 1;
  }

  async recoverStale(): Promise<number> {
    return this.h.db.update(outbox).set({ status: 'pending' }).where(eq(outbox.status, 'sending')).run().changes;
  }

  async get(id: number): Promise<OutboxRow | null> {
    const r = this.h.db.select().from(outbox).where(eq(outbox.id, id)).get();
    return r ? outboxRow(this.codec, r) : null;
  }

  async list(filter: { status?: OutboxStatus; visitId?: string; limit?: number } = {}): Promise<OutboxSummary[]> {
    const conds = [];
    if (filter.status) conds.push(eq(outbox.status, filter.status));
    if (filter.visitId) conds.push(eq(outbox.visitId, filter.visitId));
    return this.h.db.select().from(outbox).where(conds.length ? and(...conds) : undefined).orderBy(asc(outbox.id)).limit(filter.limit ?? 500).all().map(outboxSummary);
  }
}
