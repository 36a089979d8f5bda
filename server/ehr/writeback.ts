/**
 * The write-back worker: delivers the outbox's `fhir-bundle` rows (one per patient of a closed
 * visit) to the EHR's FHIR server. A row is claimed, delivered idempotently (deliver.ts), and
 * marked delivered; a retryable failure (EHR down, timeout, 5xx) is tried again after an
 * exponential backoff; a row that fails for good, or `maxAttempts` times, is parked for an
 * operator, who can requeue it (POST /api/outbox/:outboxId/retry). Re-sending a delivered row creates
 * nothing new. The queue is SQLite's or Postgres' (db/outbox-queue.ts); on Postgres several
 * instances run this worker on one outbox, and rows are claimed one at a time so that a claim
 * (a lease there) covers one delivery and the instances share the work.
 *
 * Every delivery discloses PHI to the EHR, so the worker runs only while the audit log can record
 * it: while the log is unavailable it claims and opens nothing (each round is skipped, see
 * security/audit/gate.ts) and it picks up where it left off once the log is back. Each outcome
 * (delivered, retried, parked) is an audit entry naming the outbox row and the visit.
 */
import type { Logger } from 'pino';
import type { Bundle } from '@medplum/fhirtypes';
import type { OutboxQueue, OutboxRow } from '../../db/outbox-queue.ts';
import { deliverBundle } from './deliver.ts';
import { EhrError } from './errors.ts';
import { FhirClient } from './fhir-client.ts';
import { AuditGate, type AuditAvailability } from '../security/audit/gate.ts';
import type { PhiAudit } from './service.ts';

/** The audit log as the worker uses it: whether it can record, and where its entries go. */
export type WorkerAudit = AuditAvailability & PhiAudit;

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
/** Rows one pass delivers at most. */
const PASS_LIMIT = 20;

export class WritebackWorker {
  readonly #client: FhirClient;
  readonly #gate: AuditGate;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<number> | null = null;
  #stopped = false;

  constructor(private readonly queue: OutboxQueue, private readonly s: WritebackSettings, private readonly logger: Logger, private readonly audit: WorkerAudit) {
    this.#gate = new AuditGate(audit, logger, 'ehr write-back');
    this.#client = new FhirClient({ baseUrl: s.fhirUrl, ...(s.bearerToken ? { token: s.bearerToken } : {}), timeoutMs: s.timeoutMs });
  }

  start(): void {
    const tick = () => {
      if (this.#stopped) return;
      this.runOnce().catch((e) => this.logger.error({ err: (e as Error)?.name }, 'write-back pass failed')).finally(() => {
        if (!this.#stopped) this.#timer = setTimeout(tick, this.s.intervalMs).unref();
      });
    };
    this.#timer = setTimeout(() => {
      this.queue.recoverStale().catch((e) => this.logger.error({ err: (e as Error)?.name }, 'write-back recovery failed')).finally(tick);
    }, 0).unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => 0);
  }

  /** Rounds skipped because the audit log was unavailable. */
  get skippedRounds(): number { return this.#gate.skipped; }

  /** One pass over due rows; resolves with how many were delivered. Passes never overlap. */
  runOnce(now: () => number = Date.now): Promise<number> {
    this.#running ??= this.#pass(now).finally(() => { this.#running = null; });
    return this.#running;
  }

  async #pass(now: () => number): Promise<number> {
    let delivered = 0;
    // The gate is asked before each claim: a pass stops as soon as the log cannot record.
    for (let i = 0; i < PASS_LIMIT && !this.#stopped && this.#gate.open(); i++) {
      const [row] = await this.queue.claimDue(OUTBOX_KIND, now(), 1);
      if (!row) break;
      if (await this.#deliver(row, now)) delivered++;
    }
    return delivered;
  }

  async #deliver(row: OutboxRow, now: () => number): Promise<boolean> {
    const attempts = row.attempts + 1;
    try {
      const { bundle } = row.payload as { bundle: Bundle };
      const entries = await deliverBundle(bundle, this.#client, { charges: this.s.charges });
      this.#audit(row, 'allowed', 'delivered', now);
      if (!(await this.queue.delivered(row, attempts))) return this.#lost(row);
      this.logger.info({ outbox: row.id, visit: row.visitId, created: entries.filter((e) => e.created).length, found: entries.filter((e) => !e.created).length }, 'write-back delivered');
      return true;
    } catch (e) {
      const err = e instanceof EhrError ? e : new EhrError('ERR_EHR_REJECTED', 'the bundle could not be delivered', false, { cause: e });
      const reason = `${err.code}: ${err.message}`;
      this.#audit(row, 'failed', err.code, now);
      if (err.retryable && attempts < this.s.maxAttempts) {
        if (!(await this.queue.retryLater(row, attempts, now() + backoffMs(attempts, this.s.backoffBaseMs, this.s.backoffMaxMs), reason))) return this.#lost(row);
        this.logger.warn({ outbox: row.id, attempts, code: err.code }, 'write-back will retry');
      } else {
        if (!(await this.queue.park(row, attempts, reason))) return this.#lost(row);
        this.logger.error({ outbox: row.id, attempts, code: err.code }, 'write-back parked for an operator');
      }
      return false;
    }
  }

  /** The delivery leaves an entry (ids and codes only); `record` keeps it until the log commits it. */
  #audit(row: OutboxRow, outcome: 'allowed' | 'failed', detail: string, now: () => number): void {
    this.audit.record({ at: new Date(now()).toISOString(), actor: 'rounds', role: 'system', resource: `outbox/${row.id} visit/${row.visitId}`, action: 'writeback.deliver', outcome, address: 'local', detail });
  }

  /** The claim ran out and another worker took the row over: its outcome stands, not ours. */
  #lost(row: OutboxRow): false {
    this.logger.warn({ outbox: row.id }, 'write-back claim expired before it was acknowledged');
    return false;
  }
}
