/**
 * The write-back worker's view of the core `outbox` table (owned by the visits core; queues only
 * read and update rows). Row statuses: pending (due at next_attempt_at), sending (claimed),
 * delivered, parked (gave up; an operator retries it). A claimed row is acknowledged with
 * delivered / retryLater / park, each given the row as claimed: an acknowledgement counts only
 * while that claim still holds (false otherwise), so a row is acknowledged once.
 */
import type { TextCodec } from './codec.ts';

export type OutboxStatus = 'pending' | 'sending' | 'delivered' | 'parked';

export interface OutboxRow {
  id: number;
  visitId: string;
  kind: string;
  payload: unknown;
  status: OutboxStatus;
  attempts: number;
  /** When the row is due; for a `sending` row on Postgres, when its claim (lease) expires. */
  nextAttemptAt: number;
  lastError: string | null;
}

export type OutboxSummary = Omit<OutboxRow, 'payload'>;

export interface OutboxQueue {
  /** Claims up to `limit` due rows of `kind`; no other worker (or instance) gets them while the claim holds. */
  claimDue(kind: string, nowMs: number, limit: number): Promise<OutboxRow[]>;
  delivered(claimed: OutboxRow, attempts: number): Promise<boolean>;
  retryLater(claimed: OutboxRow, attempts: number, nextAttemptAt: number, error: string): Promise<boolean>;
  park(claimed: OutboxRow, attempts: number, error: string): Promise<boolean>;
  /** An operator's retry: a parked (or delivered, to re-send idempotently) row becomes due now. */
  requeue(id: number, nowMs: number): Promise<boolean>;
  /** Claims a crashed process left behind become claimable again; answers how many. */
  recoverStale(): Promise<number>;
  get(id: number): Promise<OutboxRow | null>;
  /** Rows without payloads, optionally of one status and/or one visit. */
  list(filter?: { status?: OutboxStatus; visitId?: string; limit?: number }): Promise<OutboxSummary[]>;
}

interface StoredOutboxRow { id: number; visitId: string; kind: string; payload: string; status: string; attempts: number; nextAttemptAt: number; lastError: string | null }

export function outboxSummary(r: Omit<StoredOutboxRow, 'payload'>): OutboxSummary {
  return { id: r.id, visitId: r.visitId, kind: r.kind, status: r.status as OutboxStatus, attempts: r.attempts, nextAttemptAt: r.nextAttemptAt, lastError: r.lastError };
}

/** Payloads are sealed by the visit repository under the context `outbox:<visitId>`. */
export function outboxRow(codec: Pick<TextCodec, 'openText'>, r: StoredOutboxRow): OutboxRow {
  return { ...outboxSummary(r), payload: JSON.parse(codec.openText(`outbox:${r.visitId}`, r.payload)) as unknown };
}
