/**
 * The write-back worker: delivers the outbox's `fhir-bundle` rows (one per patient of a closed
 * visit) to the EHR's FHIR server. A row is claimed, delivered idempotently (deliver.ts), and
 * marked delivered; a retryable failure (EHR down, timeout, 5xx) is tried again after an
 * exponential backoff; a row that fails for good, or `maxAttempts` times, is parked for an
 * operator, who can requeue it (POST /api/outbox/:id/retry). Re-sending a delivered row creates
 * nothing new.
 */
import type { Logger } from 'pino';
import type { Bundle } from '@medplum/fhirtypes';
import type { SqliteOutboxQueue, OutboxRow } from '../../db/sqlite/ehr/outbox-queue.ts';
import { deliverBundle } from './deliver.ts';
import { EhrError } from './errors.ts';
import { FhirClient } from './fhir-client.ts';

export interface WritebackSettings {
  fhirUrl: string;
  bearerToken?: string;
  charges: boolean;
  intervalMs: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  timeoutMs: number;
}

/** Delay before attempt `attempts + 1`: base * 2^(attempts-1), capped. Pure. */
export function backoffMs(attempts: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
}

export const OUTBOX_KIND = 'fhir-bundle';

export class WritebackWorker {
  readonly #client: FhirClient;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<number> | null = null;

  constructor(private readonly queue: SqliteOutboxQueue, private readonly s: WritebackSettings, private readonly logger: Logger) {
    this.#client = new FhirClient({ baseUrl: s.fhirUrl, ...(s.bearerToken ? { token: s.bearerToken } : {}), timeoutMs: s.timeoutMs });
  }

  start(): void {
    this.queue.recoverStale();
    const tick = () => {
      this.runOnce().catch((e) => this.logger.error({ err: (e as Error)?.name }, 'write-back pass failed')).finally(() => {
        if (this.#timer) this.#timer = setTimeout(tick, this.s.intervalMs).unref();
      });
    };
    this.#timer = setTimeout(tick, 0).unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => 0);
  }

  /** One pass over due rows; resolves with how many were delivered. Passes never overlap. */
  runOnce(now: () => number = Date.now): Promise<number> {
    this.#running ??= this.#pass(now).finally(() => { this.#running = null; });
    return this.#running;
  }

  async #pass(now: () => number): Promise<number> {
    let delivered = 0;
    for (const row of this.queue.claimDue(OUTBOX_KIND, now(), 20)) {
      if (await this.#deliver(row, now)) delivered++;
    }
    return delivered;
  }

  async #deliver(row: OutboxRow, now: () => number): Promise<boolean> {
    const attempts = row.attempts + 1;
    try {
      const { bundle } = row.payload as { bundle: Bundle };
      const entries = await deliverBundle(bundle, this.#client, { charges: this.s.charges });
      this.queue.delivered(row.id, attempts);
      this.logger.info({ outbox: row.id, visit: row.visitId, created: entries.filter((e) => e.created).length, found: entries.filter((e) => !e.created).length }, 'write-back delivered');
      return true;
    } catch (e) {
      const err = e instanceof EhrError ? e : new EhrError('ERR_EHR_REJECTED', 'the bundle could not be delivered', false, { cause: e });
      const reason = `${err.code}: ${err.message}`;
      if (err.retryable && attempts < this.s.maxAttempts) {
        this.queue.retryLater(row.id, attempts, now() + backoffMs(attempts, this.s.backoffBaseMs, this.s.backoffMaxMs), reason);
        this.logger.warn({ outbox: row.id, attempts, code: err.code }, 'write-back will retry');
      } else {
        this.queue.park(row.id, attempts, reason);
        this.logger.error({ outbox: row.id, attempts, code: err.code }, 'write-back parked for an operator');
      }
      return false;
    }
  }
}
