/**
 * The retention sweep: every `everyMs` (hourly by default), recordings past their retention date
 * are deleted (RecordingService.purgeExpired). A sweep reads recording records (PHI: whose visit,
 * which patient's state) and deletes them, so it runs only while the audit log can record: while
 * the log is unavailable each round is skipped (security/audit/gate.ts), a sweep under way stops
 * before its next record, and the next round after the log is back does what was left. Sweeps
 * never overlap. Logs carry ids, counts and error codes only.
 */
import { AuditGate, type AuditAvailability, type GateLogger } from '../server/security/audit/gate.ts';
import type { PurgeResult, RecordingService } from './recordings.ts';

export interface RetentionSweepDeps {
  recordings: Pick<RecordingService, 'purgeExpired'>;
  audit: AuditAvailability;
  logger: GateLogger;
  now: () => Date;
  /** How often to sweep; 0 disables the timer (runOnce still works). */
  everyMs: number;
}

export interface RetentionSweep {
  /** One sweep now: what it did, or null when it was skipped (audit log unavailable, or a sweep running). */
  runOnce(): Promise<PurgeResult | null>;
  /** Rounds skipped because the audit log was unavailable. */
  readonly skippedRounds: number;
  stop(): void;
}

export function startRetentionSweep(d: RetentionSweepDeps): RetentionSweep {
  const gate = new AuditGate(d.audit, d.logger, 'recording retention sweep');
  let running = false;

  async function runOnce(): Promise<PurgeResult | null> {
    if (running || !gate.open()) return null;
    running = true;
    try {
      const r = await d.recordings.purgeExpired(d.now(), () => d.audit.available);
      if (r.deleted.length) d.logger.info({ recordings: r.deleted.length }, 'recordings past retention deleted');
      // Ids and error codes only (no location, no names); these are retried on the next sweep.
      if (r.failed.length) d.logger.warn({ failed: r.failed }, 'recordings past retention could not be deleted; will retry');
      return r;
    } finally {
      running = false;
    }
  }

  const timer = d.everyMs > 0
    ? setInterval(() => { runOnce().catch((e) => d.logger.warn({ err: (e as Error)?.name }, 'recording purge failed')); }, d.everyMs)
    : null;
  timer?.unref();
  return {
    runOnce,
    get skippedRounds() { return gate.skipped; },
    stop: () => { if (timer) clearInterval(timer); },
  };
}
