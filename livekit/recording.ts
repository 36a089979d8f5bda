/**
 * Recording records, pure: the retention date a state's policy gives, who may view a recording,
 * the record an Egress result produces, and which records are due for deletion. No clock: `now`
 * is passed in.
 *
 * Egress has no per-request encryption: recordings go to S3-compatible storage that must encrypt
 * at rest; Rounds records where each one is, who may view it and when it must be deleted.
 */
import type { UsState } from '../server/visits/model.ts';
import type { RetentionPolicy } from './settings.ts';

export type RecordingState = 'active' | 'ending' | 'complete' | 'failed' | 'deleted';
export type AccessAction = 'create' | 'list' | 'view' | 'update' | 'delete';

export interface RecordingRecord {
  id: string;
  visitId: string;
  egressId: string;
  room: string;
  state: RecordingState;
  audioOnly: boolean;
  location: string | null;
  sizeBytes: number | null;
  durationMs: number | null;
  startedAt: string;
  endedAt: string | null;
  patientState: UsState;
  retainUntil: string;
  viewers: string[];
  createdBy: string;
  deletedAt: string | null;
}

export function retentionYears(policy: RetentionPolicy, state: UsState): number {
  return policy.byState[state] ?? policy.defaultYears;
}

/** The start time plus the state's retention years (calendar years, UTC). */
export function retainUntil(policy: RetentionPolicy, state: UsState, startedAt: Date): string {
  const d = new Date(startedAt.getTime());
  d.setUTCFullYear(d.getUTCFullYear() + retentionYears(policy, state));
  return d.toISOString();
}

/** Viewers: the visit's clinicians and whoever started the recording; nobody else, no role-wide access. */
export function initialViewers(clinicianIds: readonly string[], startedBy: string): string[] {
  return [...new Set([...clinicianIds, startedBy])].sort();
}

export function mayView(r: Pick<RecordingRecord, 'viewers' | 'state'>, userId: string): boolean {
  return r.state !== 'deleted' && r.viewers.includes(userId);
}

export interface EgressResult {
  /** EgressStatus name from LiveKit, e.g. EGRESS_COMPLETE, EGRESS_FAILED, EGRESS_ABORTED. */
  status: string;
  endedAt: Date | null;
  location: string | null;
  sizeBytes: number | null;
  durationMs: number | null;
}

/** The record after Egress reported its end. */
export function applyEgressEnded(r: RecordingRecord, e: EgressResult, now: Date): RecordingRecord {
  if (r.state === 'deleted') return r;
  return {
    ...r,
    state: e.status === 'EGRESS_COMPLETE' ? 'complete' : 'failed',
    endedAt: (e.endedAt ?? now).toISOString(),
    location: e.location ?? r.location,
    sizeBytes: e.sizeBytes ?? r.sizeBytes,
    durationMs: e.durationMs ?? r.durationMs,
  };
}

export function isDue(r: Pick<RecordingRecord, 'retainUntil' | 'state'>, now: Date): boolean {
  return r.state !== 'deleted' && r.state !== 'active' && Date.parse(r.retainUntil) <= now.getTime();
}

/** The object key Egress writes (ids only, no names). */
export function recordingPath(visitId: string, recordingId: string, audioOnly: boolean): string {
  return `rounds/${visitId}/${recordingId}.${audioOnly ? 'ogg' : 'mp4'}`;
}
