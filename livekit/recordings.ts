/**
 * Recording through LiveKit Egress (room composite) to the configured S3-compatible storage,
 * with a record per Egress run, an audit row for every access, and deletion after the state's
 * retention period.
 *
 * PHI screen shares are excluded: while any share in the room is marked as showing PHI, the
 * video recording is stopped and an audio-only segment records instead (Egress cannot leave one
 * track out of a room composite); when the last PHI share ends or is unmarked, video recording
 * resumes in a new segment. The timeline records each switch.
 */
import { randomUUID } from 'node:crypto';
import type { RecordingRepository } from '../db/recording-repo.ts';
import { SERVER_ORIGIN } from '../server/sync/hub.ts';
import { isTerminalStatus } from '../server/visits/model.ts';
import { VideoError } from './errors.ts';
import type { Caller } from './membership.ts';
import { applyEgressEnded, initialViewers, isDue, mayView, recordingPath, retainUntil, type AccessAction, type EgressResult, type RecordingRecord } from './recording.ts';
import { anyPhiShare, markScreenShare, readRecordingState, setRecordingState } from './room-video.ts';
import { roomName, roomOptions } from './rooms.ts';
import type { VideoService } from './service.ts';
import type { ObjectDeleter } from './storage.ts';

/** A purge sweep: records deleted, and those whose object could not be deleted (kept, retried next sweep). */
export interface PurgeResult {
  deleted: string[];
  failed: { id: string; code: string; upstream?: string }[];
}

export class RecordingService {
  constructor(private readonly svc: VideoService, private readonly repo: RecordingRepository, private readonly deleteObject: ObjectDeleter | null = null) {}

  #storage() {
    const s = this.svc.d.settings.recording;
    if (!s) throw new VideoError('ERR_RECORDING_DISABLED', 'recording storage is not configured (ROUNDS_RECORDING_S3_*)');
    return s;
  }

  async start(visitId: string, caller: Caller, now: Date): Promise<RecordingRecord> {
    this.#storage();
    const lk = this.svc.livekit();
    await this.svc.clinical(visitId, caller);
    if ((await this.repo.active(visitId)).length > 0) throw new VideoError('ERR_RECORDING_ACTIVE', 'the visit is already being recorded');
    await this.svc.backend.createRoom(roomOptions({ visitId }, lk));
    const phi = await this.svc.d.hub.read(this.svc.room(visitId), anyPhiShare);
    const r = await this.#segment(visitId, caller, phi, now);
    await this.svc.d.hub.change(this.svc.room(visitId), (doc) =>
      setRecordingState(doc, phi ? 'audio-only' : 'on', caller.sub, { recordingId: r.id, ...(phi ? { reason: 'phi-screen-share' } : {}) }, now, SERVER_ORIGIN));
    return r;
  }

  async stop(visitId: string, caller: Caller, now: Date): Promise<{ stopped: string[] }> {
    this.svc.livekit();
    // Also after the visit closed: a recording still running is stopped, never left behind.
    const visit = await this.svc.clinical(visitId, caller, false);
    const stopped = await this.#stopActive(visitId, caller.sub, now);
    if (stopped.length === 0) throw new VideoError('ERR_NO_ACTIVE_RECORDING', 'nothing is being recorded');
    if (!isTerminalStatus(visit.status)) {
      await this.svc.d.hub.change(this.svc.room(visitId), (doc) => setRecordingState(doc, 'off', caller.sub, {}, now, SERVER_ORIGIN));
    }
    return { stopped };
  }

  /** The sharing clinician marks their screen share as showing PHI (or not). */
  async markShare(visitId: string, caller: Caller, body: unknown, now: Date): Promise<{ phi: boolean; recording: string }> {
    const phi = (body as { phi?: unknown } | undefined)?.phi;
    if (typeof phi !== 'boolean') throw new VideoError('ERR_BAD_REQUEST', 'phi (boolean) is required');
    if (!this.svc.mayShare(caller.role)) throw new VideoError('ERR_FORBIDDEN', 'only clinical roles share screens');
    await this.svc.clinical(visitId, caller);
    await this.svc.d.hub.change(this.svc.room(visitId), (doc) => markScreenShare(doc, caller.sub, phi, now, SERVER_ORIGIN));
    return { phi, recording: await this.reconcile(visitId, caller.sub, now) };
  }

  /** Brings the recording in line with the shares: audio-only while a PHI share is on, full otherwise. */
  async reconcile(visitId: string, actor: string, now: Date): Promise<string> {
    const { state, phi } = await this.svc.d.hub.read(this.svc.room(visitId), (doc) => ({ state: readRecordingState(doc), phi: anyPhiShare(doc) }));
    if (state === 'off' || (state === 'audio-only') === phi) return state;
    await this.#stopActive(visitId, actor, now);
    const r = await this.#segment(visitId, { sub: actor, role: 'clinician' }, phi, now);
    const next = phi ? 'audio-only' : 'on';
    await this.svc.d.hub.change(this.svc.room(visitId), (doc) =>
      setRecordingState(doc, next, actor, { recordingId: r.id, reason: phi ? 'phi-screen-share' : 'phi-screen-share-ended' }, now, SERVER_ORIGIN));
    return next;
  }

  async #segment(visitId: string, caller: Caller, audioOnly: boolean, now: Date): Promise<RecordingRecord> {
    const storage = this.#storage();
    const visit = await this.svc.visit(visitId);
    const id = `rec-${randomUUID()}`;
    const started = await this.svc.backend.startRoomRecording(roomName({ visitId }), storage, recordingPath(visitId, id, audioOnly), audioOnly);
    const record: RecordingRecord = {
      id, visitId, egressId: started.egressId, room: roomName({ visitId }), state: 'active', audioOnly,
      location: null, sizeBytes: null, durationMs: null, startedAt: now.toISOString(), endedAt: null,
      patientState: visit.patientLocation.state,
      retainUntil: retainUntil(this.svc.d.settings.retention, visit.patientLocation.state, now),
      viewers: initialViewers(visit.clinicians.map((c) => c.id), caller.sub),
      createdBy: caller.sub, deletedAt: null,
    };
    await this.repo.save(record, { actor: caller.sub, role: caller.role, action: 'create', at: now.toISOString() });
    return record;
  }

  async #stopActive(visitId: string, actor: string, now: Date): Promise<string[]> {
    const out: string[] = [];
    for (const r of await this.repo.active(visitId)) {
      await this.svc.backend.stopEgress(r.egressId);
      await this.repo.save({ ...r, state: 'ending' }, { actor, role: 'system', action: 'update', at: now.toISOString() });
      out.push(r.id);
    }
    return out;
  }

  /** Recordings of a visit the caller may view; each one listed leaves an audit row. */
  async list(visitId: string, caller: Caller, now: Date): Promise<RecordingRecord[]> {
    await this.svc.visit(visitId, false);
    const visible = (await this.repo.forVisit(visitId)).filter((r) => mayView(r, caller.sub));
    await this.repo.audit(visible.map((r) => ({ recordingId: r.id, visitId, actor: caller.sub, role: caller.role, action: 'list' as AccessAction, at: now.toISOString() })));
    return visible;
  }

  async get(visitId: string, recordingId: string, caller: Caller, now: Date): Promise<RecordingRecord & { access: unknown[] }> {
    const r = await this.repo.byId(recordingId);
    if (!r || r.visitId !== visitId || r.state === 'deleted') throw new VideoError('ERR_NOT_FOUND', 'no such recording');
    if (!mayView(r, caller.sub)) throw new VideoError('ERR_FORBIDDEN', 'you may not view this recording');
    await this.repo.audit([{ recordingId: r.id, visitId, actor: caller.sub, role: caller.role, action: 'view', at: now.toISOString() }]);
    return { ...r, access: await this.repo.accessLog(r.id) };
  }

  /** Egress reported its end: the record gets its location, size and final state. */
  async egressEnded(egressId: string, result: EgressResult, now: Date): Promise<RecordingRecord | null> {
    const r = await this.repo.byEgress(egressId);
    if (!r) return null;
    const next = applyEgressEnded(r, result, now);
    await this.repo.save(next, { actor: 'livekit', role: 'system', action: 'update', at: now.toISOString() });
    return next;
  }

  /**
   * Deletes every recording past its retention date: the object first, then the record is marked
   * deleted with its audit entry. A record whose object could not be deleted stays as it is and is
   * retried on the next sweep; without a deleter (storage not configured) nothing is marked.
   * `proceed` is asked before each record: the sweep stops (the rest wait for the next one) as
   * soon as it answers false (the audit log went down: retention-sweep.ts).
   */
  async purgeExpired(now: Date, proceed: () => boolean = () => true): Promise<PurgeResult> {
    const out: PurgeResult = { deleted: [], failed: [] };
    for (const r of await this.repo.dueBefore(now.toISOString())) {
      if (!isDue(r, now)) continue;
      if (!proceed()) break;
      try {
        if (r.location) {
          if (!this.deleteObject) throw new VideoError('ERR_RECORDING_DISABLED', 'recording storage is not configured');
          await this.deleteObject(r.location);
        }
      } catch (e) {
        const f = e instanceof VideoError ? e : new VideoError('ERR_STORAGE_FAILED', 'the object could not be deleted', (e as Error)?.name);
        out.failed.push({ id: r.id, code: f.code, ...(f.upstream ? { upstream: f.upstream } : {}) });
        continue;
      }
      await this.repo.save({ ...r, state: 'deleted', deletedAt: now.toISOString() }, { actor: 'system', role: 'system', action: 'delete', at: now.toISOString() });
      out.deleted.push(r.id);
    }
    return out;
  }
}
