/**
 * Background jobs that touch PHI (the EHR write-back worker, the recording retention sweep, visit
 * auto-close) run only while the audit log can record, as HTTP and sync access do (guard.ts,
 * log.ts): while it is unavailable they skip their rounds and touch nothing, and they resume on
 * their next round once it is back. The gate logs each pause and each resumption once (counts and names only).
 */

/** What a job needs to know of the audit log (AuditLog has it). */
export interface AuditAvailability { readonly available: boolean }

export interface GateLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export class AuditGate {
  #pausedAt: number | null = null;
  #skipped = 0;

  constructor(private readonly audit: AuditAvailability, private readonly logger: GateLogger, private readonly job: string) {}

  /** Rounds skipped so far (for tests and reviews). */
  get skipped(): number { return this.#skipped; }

  /** True when the job may touch PHI now; false (a skipped round) while the audit log is unavailable. */
  open(): boolean {
    if (!this.audit.available) {
      if (this.#pausedAt === null) {
        this.#pausedAt = this.#skipped;
        this.logger.warn({ job: this.job }, 'audit log unavailable: background job paused, touching no PHI until it recovers');
      }
      this.#skipped++;
      return false;
    }
    if (this.#pausedAt !== null) {
      this.logger.info({ job: this.job, skippedRounds: this.#skipped - this.#pausedAt }, 'audit log available again: background job resumed');
      this.#pausedAt = null;
    }
    return true;
  }
}
