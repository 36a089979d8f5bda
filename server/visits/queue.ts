/**
 * Queue position and estimated wait, from the room's queue and recent visit durations.
 *
 * Method (one clinician sees one party at a time, in check-in order):
 *   m         = median of the recent visit durations given (the median, not the mean, so one
 *               unusually long visit does not inflate every estimate);
 *   ahead     = people still waiting who checked in before this participant;
 *   remaining = max(0, m − time since the earliest current admission), or 0 if nobody is being
 *               seen; a visit already running past m is assumed to end any moment;
 *   wait      = remaining + ahead × m, and at least the time left until the scheduled start
 *               when one is given (nobody is seen early just because the queue is empty).
 * With no usable durations the estimate is null: "unknown" is better than a made-up number.
 * The position counts waiting entries only: admitted people are no longer waiting.
 */
import { isoNow } from './errors.ts';
import type { Visit } from './model.ts';
import type { QueueEntry } from './room-doc.ts';

/** Median of the positive, finite durations; null when there are none. */
export function medianDuration(durationsMs: readonly number[]): number | null {
  const valid = durationsMs.filter((d) => Number.isFinite(d) && d > 0).sort((a, b) => a - b);
  if (valid.length === 0) return null;
  const mid = Math.floor(valid.length / 2);
  return valid.length % 2 === 1 ? (valid[mid] as number) : ((valid[mid - 1] as number) + (valid[mid] as number)) / 2;
}

/** 1-based position among waiting entries, or null when the participant is not waiting. */
export function queuePosition(queue: readonly QueueEntry[], participantId: string): number | null {
  const waiting = queue.filter((e) => e.state === 'waiting');
  const index = waiting.findIndex((e) => e.participantId === participantId);
  return index === -1 ? null : index + 1;
}

export interface WaitOptions {
  /** Durations of recent visits in milliseconds (see `recentVisitDurations`). */
  recentDurationsMs: readonly number[];
  now: Date;
  /** The visit's scheduled start: nobody's wait ends before it. */
  scheduledStart?: string;
}

export interface WaitEstimate {
  position: number;
  ahead: number;
  /** Null when there is no duration history to estimate from. */
  estimatedWaitMs: number | null;
}

export function estimateWait(queue: readonly QueueEntry[], participantId: string, options: WaitOptions): WaitEstimate | null {
  const nowMs = Date.parse(isoNow(options.now));
  const position = queuePosition(queue, participantId);
  if (position === null) return null;
  const ahead = position - 1;
  const median = medianDuration(options.recentDurationsMs);
  if (median === null) return { position, ahead, estimatedWaitMs: null };
  const admissions = queue
    .filter((e) => (e.state === 'admitted' || e.state === 'in-breakout') && e.admittedAt !== undefined)
    .map((e) => Date.parse(e.admittedAt as string));
  const remaining = admissions.length > 0 ? Math.max(0, median - (nowMs - Math.min(...admissions))) : 0;
  let wait = remaining + ahead * median;
  if (options.scheduledStart !== undefined) {
    const start = Date.parse(options.scheduledStart);
    if (Number.isFinite(start)) wait = Math.max(wait, start - nowMs);
  }
  return { position, ahead, estimatedWaitMs: Math.round(wait) };
}

/**
 * Durations (closedAt − startedAt) of the most recently closed visits, newest first, for
 * `recentDurationsMs`. Visits without both timestamps are skipped.
 */
export function recentVisitDurations(visits: readonly Visit[], limit = 20): number[] {
  return visits
    .filter((v) => v.status === 'closed' && v.startedAt !== undefined && v.closedAt !== undefined)
    .map((v) => ({ closed: Date.parse(v.closedAt as string), ms: Date.parse(v.closedAt as string) - Date.parse(v.startedAt as string) }))
    .filter((d) => Number.isFinite(d.ms) && d.ms > 0)
    .sort((a, b) => b.closed - a.closed)
    .slice(0, Math.max(0, limit))
    .map((d) => d.ms);
}
