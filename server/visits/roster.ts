/**
 * Time arithmetic over roster intervals: how long each person was in the call, the visit's
 * period and length for the Encounter, and when everyone left (for automatic close).
 *
 * An interval still open counts up to `now`; at close, pass the close time as `now` so that the
 * people still in the call end with it.
 */
import { isoNow } from './errors.ts';
import type { ParticipantRole } from './model.ts';
import { isPresent, type Interval, type RosterEntry } from './room-doc.ts';

/** A closed span in epoch milliseconds. */
export interface Span {
  start: number;
  end: number;
}

/** Intervals as sorted, non-overlapping spans (touching or overlapping spans are merged). */
export function mergeIntervals(intervals: readonly Interval[], now: Date): Span[] {
  const nowMs = Date.parse(isoNow(now));
  const spans = intervals
    .map((iv) => ({ start: Date.parse(iv.join), end: iv.leave === undefined ? nowMs : Date.parse(iv.leave) }))
    .filter((s) => Number.isFinite(s.start) && Number.isFinite(s.end) && s.end > s.start)
    .sort((a, b) => a.start - b.start);
  const out: Span[] = [];
  for (const s of spans) {
    const last = out[out.length - 1];
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else out.push({ ...s });
  }
  return out;
}

function totalMs(spans: readonly Span[]): number {
  return spans.reduce((sum, s) => sum + (s.end - s.start), 0);
}

/** Total time one participant spent in the call. */
export function participantTimeMs(entry: Pick<RosterEntry, 'intervals'>, now: Date): number {
  return totalMs(mergeIntervals(entry.intervals, now));
}

/** Time during which at least one of `entries` was in the call. */
export function presenceSpans(entries: readonly Pick<RosterEntry, 'intervals'>[], now: Date): Span[] {
  return mergeIntervals(entries.flatMap((e) => e.intervals), now);
}

function intersect(a: readonly Span[], b: readonly Span[]): Span[] {
  const out: Span[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as Span;
    const y = b[j] as Span;
    const start = Math.max(x.start, y.start);
    const end = Math.min(x.end, y.end);
    if (end > start) out.push({ start, end });
    if (x.end < y.end) i++;
    else j++;
  }
  return out;
}

/** The span from the first join to the last leave, or null when nobody ever joined. */
export function visitPeriod(roster: readonly RosterEntry[], now: Date): { start: string; end: string } | null {
  const spans = presenceSpans(roster, now);
  const first = spans[0];
  const last = spans[spans.length - 1];
  if (!first || !last) return null;
  return { start: new Date(first.start).toISOString(), end: new Date(last.end).toISOString() };
}

const CARE_TEAM: readonly ParticipantRole[] = ['clinician', 'nurse'];

/**
 * How long the encounter lasted, less time absent (FHIR Encounter.length). When the roster has
 * patients, it is the time a patient and a clinician or nurse were in the call together; for a
 * visit without patients in the call (a tumor board), the time at least one clinician was.
 */
export function encounterLengthMs(roster: readonly RosterEntry[], now: Date): number {
  const team = presenceSpans(roster.filter((e) => CARE_TEAM.includes(e.role)), now);
  const patients = roster.filter((e) => e.role === 'patient');
  if (patients.length === 0) return totalMs(presenceSpans(roster.filter((e) => e.role === 'clinician'), now));
  return totalMs(intersect(team, presenceSpans(patients, now)));
}

/**
 * When the last person left, or null while anyone is still in the call or in the waiting room
 * (the clinician may be about to admit them), or when nobody ever joined.
 */
export function everyoneLeftSince(roster: readonly RosterEntry[]): string | null {
  if (roster.some((e) => isPresent(e) || e.location === 'waiting')) return null;
  let latest: number | null = null;
  for (const e of roster) {
    for (const iv of e.intervals) {
      const t = iv.leave === undefined ? NaN : Date.parse(iv.leave);
      if (Number.isFinite(t) && (latest === null || t > latest)) latest = t;
    }
  }
  return latest === null ? null : new Date(latest).toISOString();
}

/** Whether an empty visit has been empty for at least `idleMs` (the configurable auto-close delay). */
export function shouldAutoClose(roster: readonly RosterEntry[], now: Date, idleMs: number): boolean {
  if (!Number.isFinite(idleMs) || idleMs < 0) throw new TypeError('idleMs must be a non-negative number');
  const since = everyoneLeftSince(roster);
  return since !== null && Date.parse(isoNow(now)) - Date.parse(since) >= idleMs;
}
