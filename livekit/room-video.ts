/**
 * What video adds to the room document (`visit/<id>/room`), as pure functions over a Y.Doc
 * (`now` passed in, `origin` handed to `doc.transact` so the hub knows the server wrote it).
 *
 *   video     Y.Map  patientsSeeEachOther: boolean, hiddenVideo: string[] (participant ids),
 *                    modality: 'video' | 'audio' | 'none', shares: {[participantId]: {phi, since}},
 *                    recording: 'off' | 'on' | 'audio-only'
 *   roster    (server/visits/room-doc.ts) intervals, location, breakoutId and media follow
 *                    LiveKit's participant and track webhooks
 *   timeline  video.joined / video.left / video.track / modality / screenShare / recording events,
 *                    ids and codes only
 *
 * Roster intervals are the time used by the Encounter period and billing, so a LiveKit
 * "participant left" closes the interval only when it is about the room the roster says the
 * person is in: leaving the main room on the way to a breakout does not end their presence.
 */
import * as Y from 'yjs';
import { z } from 'zod';
import { ID_PATTERN, type ParticipantRole } from '../server/visits/model.ts';
import { isPresent, readMeta, readRoster, readRosterEntry, rosterMap, timelineArray, toYMap, type MediaState, type RosterEntry, type TimelineDetail } from '../server/visits/room-doc.ts';
import { isParticipantRole } from './grants.ts';
import type { RoomRef } from './rooms.ts';
import type { RoutingParticipant, RoutingSettings } from './routing.ts';

export const VIDEO_MAP = 'video';
export type Modality = 'video' | 'audio' | 'none';
export type RecordingState = 'off' | 'on' | 'audio-only';

const MEDIA_OFF: MediaState = { camera: false, microphone: false, screen: false };
const videoMap = (doc: Y.Doc) => doc.getMap<unknown>(VIDEO_MAP);

const sharesSchema = z.record(z.string(), z.object({ phi: z.boolean(), since: z.string() }));

export function readRoutingSettings(doc: Y.Doc): RoutingSettings {
  const v = videoMap(doc);
  const hidden = v.get('hiddenVideo');
  return {
    kind: readMeta(doc)?.kind ?? 'one-to-one',
    patientsSeeEachOther: v.get('patientsSeeEachOther') === true,
    hiddenVideo: new Set(Array.isArray(hidden) ? hidden.filter((h): h is string => typeof h === 'string') : []),
  };
}

/** Roster entries as routing participants (everyone not gone). */
export function routingRoster(doc: Y.Doc): RoutingParticipant[] {
  return readRoster(doc).filter((e) => e.location !== 'left').map((e) => ({ id: e.id, role: e.role }));
}

export function readShares(doc: Y.Doc): Record<string, { phi: boolean; since: string }> {
  const parsed = sharesSchema.safeParse(videoMap(doc).get('shares') ?? {});
  return parsed.success ? parsed.data : {};
}

export function readModality(doc: Y.Doc): Modality {
  const m = videoMap(doc).get('modality');
  return m === 'video' || m === 'audio' ? m : 'none';
}

export function readRecordingState(doc: Y.Doc): RecordingState {
  const r = videoMap(doc).get('recording');
  return r === 'on' || r === 'audio-only' ? r : 'off';
}

function push(doc: Y.Doc, type: string, actor: string, detail: TimelineDetail, now: Date): void {
  timelineArray(doc).push([{ at: now.toISOString(), type, actor, detail }]);
}

function patchEntry(doc: Y.Doc, id: string, patch: Record<string, unknown>): void {
  const map = rosterMap(doc).get(id);
  if (!(map instanceof Y.Map)) return;
  for (const [k, v] of Object.entries(patch)) (v === undefined ? map.delete(k) : map.set(k, v));
}

export function setPatientsSeeEachOther(doc: Y.Doc, value: boolean, actor: string, now: Date, origin?: unknown): void {
  doc.transact(() => {
    videoMap(doc).set('patientsSeeEachOther', value);
    push(doc, 'video.routing', actor, { patientsSeeEachOther: value }, now);
  }, origin);
}

export function setHiddenVideo(doc: Y.Doc, participantId: string, hidden: boolean, now: Date, origin?: unknown): void {
  const current = readRoutingSettings(doc).hiddenVideo;
  if (current.has(participantId) === hidden) return;
  const next = new Set(current);
  if (hidden) next.add(participantId);
  else next.delete(participantId);
  doc.transact(() => {
    videoMap(doc).set('hiddenVideo', [...next].sort());
    push(doc, 'video.hideVideo', participantId, { participantId, hidden }, now);
  }, origin);
}

function inRoom(e: RosterEntry, ref: RoomRef): boolean {
  return ref.breakoutId === undefined ? e.location === 'main' : e.location === 'breakout' && e.breakoutId === ref.breakoutId;
}

const where = (ref: RoomRef) => ref.breakoutId ?? 'main';

export interface JoinedParticipant {
  identity: string;
  name: string;
  /** The role from the token's attributes (Rounds put it there). */
  role: string;
}

/** LiveKit says `p` joined room `ref`: open their interval if none is open; add them if new. */
export function videoJoined(doc: Y.Doc, p: JoinedParticipant, ref: RoomRef, now: Date, origin?: unknown): boolean {
  if (!ID_PATTERN.test(p.identity)) return false;
  const at = now.toISOString();
  const current = readRosterEntry(doc, p.identity);
  if (!current && !isParticipantRole(p.role)) return false;
  doc.transact(() => {
    const place = ref.breakoutId === undefined ? { location: 'main', breakoutId: undefined } : { location: 'breakout', breakoutId: ref.breakoutId };
    if (!current) {
      rosterMap(doc).set(p.identity, toYMap({
        id: p.identity, displayName: p.name || p.identity, role: p.role as ParticipantRole,
        intervals: [{ join: at }], media: MEDIA_OFF, handRaised: false, ...place,
      }));
    } else if (!isPresent(current)) {
      patchEntry(doc, p.identity, { intervals: [...current.intervals, { join: at }], ...place });
    }
    push(doc, 'video.joined', p.identity, { participantId: p.identity, room: where(ref) }, now);
  }, origin);
  return true;
}

/** LiveKit says `identity` left room `ref`; ends their presence only if the roster has them there. */
export function videoLeft(doc: Y.Doc, identity: string, ref: RoomRef, now: Date, origin?: unknown): boolean {
  const current = readRosterEntry(doc, identity);
  if (!current) return false;
  const at = now.toISOString();
  doc.transact(() => {
    if (inRoom(current, ref) && isPresent(current)) {
      const intervals = current.intervals.map((iv, i) => (i === current.intervals.length - 1 ? { ...iv, leave: at } : iv));
      patchEntry(doc, identity, { intervals, location: 'left', breakoutId: undefined, media: MEDIA_OFF, handRaised: false, handRaisedAt: undefined });
    }
    push(doc, 'video.left', identity, { participantId: identity, room: where(ref) }, now);
    updateModality(doc, now);
  }, origin);
  return true;
}

/** Everyone the roster places in a finished room has left it. */
export function videoRoomFinished(doc: Y.Doc, ref: RoomRef, now: Date, origin?: unknown): void {
  doc.transact(() => {
    for (const e of readRoster(doc)) if (inRoom(e, ref) && isPresent(e)) videoLeft(doc, e.id, ref, now);
    push(doc, 'video.roomFinished', 'livekit', { room: where(ref) }, now);
  }, origin);
}

export type TrackSourceName = 'camera' | 'microphone' | 'screen_share';
const MEDIA_KEY: Record<TrackSourceName, keyof MediaState> = { camera: 'camera', microphone: 'microphone', screen_share: 'screen' };

/** A track was published or unpublished: the publisher's media and the visit's modality follow. */
export function videoTrack(doc: Y.Doc, identity: string, source: TrackSourceName, published: boolean, now: Date, origin?: unknown): boolean {
  const current = readRosterEntry(doc, identity);
  if (!current) return false;
  doc.transact(() => {
    patchEntry(doc, identity, { media: { ...current.media, [MEDIA_KEY[source]]: published } });
    push(doc, 'video.track', identity, { participantId: identity, source, published }, now);
    if (source === 'screen_share' && !published && readShares(doc)[identity]) {
      const shares = { ...readShares(doc) };
      delete shares[identity];
      videoMap(doc).set('shares', shares);
    }
    updateModality(doc, now);
  }, origin);
  return true;
}

/** Video while anyone present publishes a camera, audio-only while only microphones are on. */
export function currentModality(roster: readonly RosterEntry[]): Modality {
  const present = roster.filter(isPresent);
  if (present.some((e) => e.media.camera)) return 'video';
  return present.some((e) => e.media.microphone) ? 'audio' : 'none';
}

function updateModality(doc: Y.Doc, now: Date): void {
  const next = currentModality(readRoster(doc));
  if (next === readModality(doc)) return;
  videoMap(doc).set('modality', next);
  push(doc, 'modality', 'livekit', { modality: next }, now);
}

/** Marks (or unmarks) a participant's screen share as showing PHI; the timeline records it. */
export function markScreenShare(doc: Y.Doc, participantId: string, phi: boolean, now: Date, origin?: unknown): void {
  doc.transact(() => {
    videoMap(doc).set('shares', { ...readShares(doc), [participantId]: { phi, since: now.toISOString() } });
    push(doc, 'screenShare', participantId, { participantId, phi }, now);
  }, origin);
}

export function anyPhiShare(doc: Y.Doc): boolean {
  return Object.values(readShares(doc)).some((s) => s.phi);
}

export function setRecordingState(doc: Y.Doc, state: RecordingState, actor: string, detail: TimelineDetail, now: Date, origin?: unknown): void {
  doc.transact(() => {
    videoMap(doc).set('recording', state);
    push(doc, 'recording', actor, { state, ...detail }, now);
  }, origin);
}
