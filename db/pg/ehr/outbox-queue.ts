/**
 * The write-back worker's queue over the Postgres `outbox` table (see db/outbox-queue.ts), safe
 * with any number of instances running workers on it.
 *
 * A claim is a lease: one statement takes due rows with `FOR UPDATE SKIP LOCKED` (concurrent
 * claimers skip each other's rows instead of waiting) and marks them `sending` with
 * `next_attempt_at` = now + lease. A `sending` row whose lease has run out is due again, so the
 * claims of an instance that died are retried by the others; there is no start-up reset that
 * could steal a live instance's claims. The lease end is also the claim's fencing token: an
 * acknowledgement applies only to a row still `sending` with the lease it was claimed with, so a
 * worker that outlived its lease cannot overwrite the outcome of the one that took the row over.
 * (Deliveries are idempotent on the EHR, so such an overlap never duplicates a resource.)
 */
import { and, asc, eq, inArray, lte } from 'drizzle-orm';
import type { PgHandle } from '../connection.ts';
import { outbox } from '../schema.ts';
import { PLAIN_CODEC, type TextCodec } from '../../codec.ts';
import { outboxRow, outboxSummary, type OutboxQueue, type OutboxRow, type OutboxStatus, type OutboxSummary } from '../../outbox-queue.ts';

export interface PgOutboxOptions {
  /** How long a claim holds before other instances may take the row; longer than one delivery can take. */
  leaseMs: number;
}

export class PgOutboxQueue implements OutboxQueue {
  /** `codec` opens payloads the visit repository sealed. */
  constructor(
    private readonly h: PgHandle,
    private readonly codec: Pick<TextCodec, 'openText'> = PLAIN_CODEC,
    private readonly o: PgOutboxOptions = { leaseMs: 300_000 },
  ) {}

  async claimDue(kind: string, nowMs: number, limit: number): Promise<OutboxRow[]> {
    const due = this.h.db.select({ id: outbox.id }).from(outbox)
      .where(and(eq(outbox.kind, kind), inArray(outbox.status, ['pending', 'sending']), lte(outbox.nextAttemptAt, nowMs)))
      .orderBy(asc(outbox.nextAttemptAt), asc(outbox.id)).limit(limit).for('update', { skipLocked: true });
    const rows = await this.h.db.update(outbox).set({ status: 'sending', nextAttemptAt: nowMs + this.o.leaseMs })
      .where(inArray(outbox.id, due)).returning();
    return rows.sort((a, b) => a.id - b.id).map((r) => outboxRow(this.codec, r));
  }

  delivered(claimed: OutboxRow, attempts: number): Promise<boolean> {
    return this.#ack(claimed, { status: 'delivered', attempts, lastError: null });
  }

  retryLater(claimed: OutboxRow, attempts: number, nextAttemptAt: number, error: string): Promise<boolean> {
    return this.#ack(claimed, { status: 'pending', attempts, nextAttemptAt, lastError: error });
  }

  park(claimed: OutboxRow, attempts: number, error: string): Promise<boolean> {
    return this.#ack(claimed, { status: 'parked', attempts, lastError: error });
  }

  async #ack(claimed: OutboxRow, set: Partial<typeof outbox.$inferInsert>): Promise<boolean> {
    const res = await this.h.db.update(outbox).set(set)
      .where(and(eq(outbox.id, claimed.id), eq(outbox.status, 'sending'), eq(outbox.nextAttemptAt, claimed.nextAttemptAt))).returning({ id: outbox.id });
    return res.length === 1;
  }

  async requeue(id: number, nowMs: number): Promise<boolean> {
    const res = await this.h.db.update(outbox).set({ status: 'pending', attempts: 0, nextAttemptAt: nowMs })
      .where(and(eq(outbox.id, id), inArray(outbox.status, ['parked', 'delivered']))).returning({ id: outbox.id });
    return res.length === 1;
  }

  /** Nothing to do: expired leases are due again in `claimDue`; live claims of other instances stay theirs. */
  async recoverStale(): Promise<number> {
    return 0;
  }

  async get(id: number): Promise<OutboxRow | null> {
    const [r] = await this.h.db.select().from(outbox).where(eq(outbox.id, id));
    return r ? outboxRow(this.codec, r) : null;
  }

  async list(filter: { status?: OutboxStatus; visitId?: string; limit?: number } = {}): Promise<OutboxSummary[]> {
    const conds = [];
    if (filter.status) conds.push(eq(outbox.status, filter.status));
    if (filter.visitId) conds.push(eq(outbox.visitId, filter.visitId));
    const rows = await this.h.db.select().from(outbox).where(conds.length ? and(...conds) : undefined).orderBy(asc(outbox.id)).limit(filter.limit ?? 500);
    return rows.map(outboxSummary);
  }
}
