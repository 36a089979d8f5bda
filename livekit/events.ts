/**
 * Applies verified LiveKit events: participants joining and leaving become roster intervals,
 * tracks become media state and the visit's modality over time, a finished room ends everyone's
 * presence in it (and may close the visit), and an ended Egress completes its recording record.
 * Events about visits that are over, or rooms Rounds did not name, change nothing.
 */
import type { Logger } from 'pino';
import { SERVER_ORIGIN } from '../server/sync/hub.ts';
import { isTerminalStatus } from '../server/visits/model.ts';
import { shouldAutoClose } from '../server/visits/roster.ts';
import { readRoster, readRosterEntry, type RosterEntry } from '../server/visits/room-doc.ts';
import { roomName, type RoomRef } from './rooms.ts';
import type { RecordingService } from './recordings.ts';
import { isAudioOnlySubscriber, scribeJoined, unsubscribeScribes } from './scribe.ts';
import { videoJoined, videoLeft, videoRoomFinished, videoTrack } from './room-video.ts';
import type { VideoService } from './service.ts';
import type { VideoEvent } from './webhooks.ts';

/** Closes a visit as "everyone left" (VisitService.close); injected so this file needs no service import. */
export type CloseVisit = (visitId: string, now: Date) => Promise<void>;

const CLINICAL = new Set(['clinician', 'nurse']);

/**
 * Whether the roster allows `entry` in LiveKit room `ref`. Clinical roles go anywhere. Others must
 * be in the room the roster places them in; patients who are waiting or gone are admitted by a
 * clinician first; anyone else who left (a dropped connection) may rejoin, unless they were
 * removed: nobody removed is let in until a clinician readmits them.
 */
export function mayBeIn(entry: RosterEntry, ref: RoomRef): boolean {
  if (entry.removedAt !== undefined) return false;
  if (CLINICAL.has(entry.role)) return true;
  if (entry.location === 'waiting') return false;
  if (entry.location === 'left') return entry.role !== 'patient';
  return ref.breakoutId === undefined ? entry.location === 'main' : entry.location === 'breakout' && entry.breakoutId === ref.breakoutId;
}

export interface EventOutcome {
  applied: boolean;
  type: VideoEvent['type'];
}

export class VideoEvents {
  /** LiveKit retries deliveries; an id seen recently is acknowledged without applying it twice. */
  readonly #seen = new Set<string>();

  constructor(
    private readonly svc: VideoService,
    private readonly recordings: RecordingService,
    private readonly closeVisit: CloseVisit,
    private readonly logger: Logger,
  ) {}

  async apply(e: VideoEvent, now: Date): Promise<EventOutcome> {
    if (e.id && this.#seen.has(e.id)) return { applied: false, type: e.type };
    const applied = await this.#apply(e, now);
    if (e.id) {
      this.#seen.add(e.id);
      if (this.#seen.size > 5000) this.#seen.delete(this.#seen.values().next().value as string);
    }
    return { applied, type: e.type };
  }

  async #apply(e: VideoEvent, now: Date): Promise<boolean> {
    if (e.type === 'ignored') return false;
    if (e.type === 'egressEnded') return (await this.recordings.egressEnded(e.egressId, e.result, now)) !== null;
    const visit = await this.svc.d.repo.get(e.ref.visitId);
    if (!visit || isTerminalStatus(visit.status)) return false;
    const room = this.svc.room(visit.id);
    const hub = this.svc.d.hub;
    switch (e.type) {
      case 'joined': {
        const entry = await hub.read(room, (doc) => readRosterEntry(doc, e.identity));
        if (entry ? !mayBeIn(entry, e.ref) : e.role === 'patient') {
          // A still-valid older token used for a room the roster does not place them in (a patient
          // not admitted or removed, someone moved to a breakout), or a patient the roster does not
          // know: the SFU removes them.
          await this.svc.ifConnected(() => this.svc.backend.removeParticipant(roomName(e.ref), e.identity));
          await this.svc.timeline(visit.id, 'video.refused', 'livekit', { participantId: e.identity, room: e.ref.breakoutId ?? 'main' }, now);
          return false;
        }
        const joined = await hub.change(room, (doc) => videoJoined(doc, { identity: e.identity, name: e.name, role: e.role }, e.ref, now, SERVER_ORIGIN));
        if (isAudioOnlySubscriber(entry?.role ?? e.role)) await scribeJoined(this.svc, e.ref, e.identity);
        return joined;
      }
      case 'left':
        return hub.change(room, (doc) => videoLeft(doc, e.identity, e.ref, now, SERVER_ORIGIN));
      case 'track': {
        const ok = await hub.change(room, (doc) => videoTrack(doc, e.identity, e.source, e.published, now, SERVER_ORIGIN));
        // Scribes hear only: off any camera or screen share as soon as it is published (scribe.ts).
        if (e.published && e.source !== 'microphone') await unsubscribeScribes(this.svc, e.ref, e.trackSid);
        // A PHI share that ends lets the video recording resume.
        if (ok && e.source === 'screen_share' && !e.published) await this.recordings.reconcile(visit.id, 'livekit', now);
        return ok;
      }
      case 'roomFinished': {
        await hub.change(room, (doc) => videoRoomFinished(doc, e.ref, now, SERVER_ORIGIN));
        if (e.ref.breakoutId === undefined && this.svc.d.settings.livekit?.closeVisitOnRoomFinished && visit.status === 'in-progress') {
          const roster = await hub.read(room, readRoster);
          if (shouldAutoClose(roster, now, 0)) {
            await this.closeVisit(visit.id, now).catch((err: unknown) => this.logger.warn({ visitId: visit.id, err: (err as Error)?.name }, 'closing the visit after its room finished failed'));
          }
        }
        return true;
      }
    }
  }
}
