/**
 * The scribe/recorder identity receives audio only, without relying on its own goodwill.
 *
 * LiveKit grants cannot restrict subscriptions by source (`canSubscribe` is all or nothing) and
 * the server API cannot set another participant's track permissions, so two layers apply:
 *  1. Enforced by the SFU: every publisher's client sets its track subscription permissions from
 *     routing.ts before publishing, and those allow a scribe its microphone track only
 *     (`allow: 'audio'`, by track sid). LiveKit refuses or revokes any other subscription.
 *  2. Done by the server at once, without the scribe's cooperation: when a camera or screen share
 *     is published (track_published webhook) every scribe placed in that room is unsubscribed from
 *     it, and a scribe that joins is unsubscribed from every video track already published there
 *     (RoomService UpdateSubscriptions, after ListParticipants). A modified scribe client could
 *     ask to subscribe again; layer 1 is what refuses it.
 * A scribe that is not connected (LiveKit's not_found) is skipped; any other refusal surfaces.
 */
import { readRoster } from '../server/visits/room-doc.ts';
import { ROLE_GRANTS, isParticipantRole } from './grants.ts';
import { roomName, type RoomRef } from './rooms.ts';
import type { VideoService } from './service.ts';

/** Roles that may hear but never see (the recorder grant). */
export function isAudioOnlySubscriber(role: string): boolean {
  return isParticipantRole(role) && ROLE_GRANTS[role].recorder;
}

const inRoom = (e: { location: string; breakoutId?: string }, ref: RoomRef) =>
  ref.breakoutId === undefined ? e.location === 'main' : e.location === 'breakout' && e.breakoutId === ref.breakoutId;

/** A camera or screen share was published in `ref`: unsubscribe every scribe there from it. Returns who was. */
export async function unsubscribeScribes(svc: VideoService, ref: RoomRef, trackSid: string): Promise<string[]> {
  const roster = await svc.d.hub.read(svc.room(ref.visitId), readRoster);
  const scribes = roster.filter((e) => isAudioOnlySubscriber(e.role) && inRoom(e, ref)).map((e) => e.id);
  const done: string[] = [];
  for (const id of scribes) {
    if (await svc.ifConnected(() => svc.backend.updateSubscriptions(roomName(ref), id, [trackSid], false))) done.push(id);
  }
  return done;
}

/** A scribe joined `ref`: unsubscribe it from every camera and screen share already published there. */
export async function scribeJoined(svc: VideoService, ref: RoomRef, identity: string): Promise<string[]> {
  const room = roomName(ref);
  const video = (await svc.backend.listParticipants(room))
    .filter((p) => p.identity !== identity)
    .flatMap((p) => p.tracks.filter((t) => t.source !== 'microphone').map((t) => t.sid));
  if (video.length === 0) return [];
  return (await svc.ifConnected(() => svc.backend.updateSubscriptions(room, identity, video, false))) ? video : [];
}
