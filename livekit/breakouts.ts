/**
 * Breakout rooms. Self-hosted LiveKit has no `moveParticipant`, so a breakout is its own LiveKit
 * room: assigning someone moves them in the roster (toBreakout), which makes their next
 * video-token request return a token for the breakout room, and removes them from the main room
 * so the SFU ends their presence there. Reconvening moves everyone back (fromBreakout) and
 * deletes the breakout room, which disconnects whoever is still in it; their next token is for
 * the main room again. The room document's roster and queue show who is where throughout.
 */
import * as Y from 'yjs';
import { SERVER_ORIGIN } from '../server/sync/hub.ts';
import { applyRoomCommand } from '../server/visits/room-commands.ts';
import { readRoster, timelineArray } from '../server/visits/room-doc.ts';
import { VideoError } from './errors.ts';
import type { Caller } from './membership.ts';
import { roomName, roomOptions } from './rooms.ts';
import type { VideoService } from './service.ts';

const breakoutsOf = (doc: Y.Doc): string[] => {
  const v = doc.getMap<unknown>('video').get('breakouts');
  return Array.isArray(v) ? v.filter((b): b is string => typeof b === 'string') : [];
};

export async function createBreakout(svc: VideoService, visitId: string, caller: Caller, body: unknown, now: Date): Promise<{ breakoutId: string; room: string }> {
  const lk = svc.livekit();
  const breakoutId = (body as { breakoutId?: unknown } | undefined)?.breakoutId;
  if (!svc.validId(breakoutId)) throw new VideoError('ERR_BAD_REQUEST', 'breakoutId (an id) is required');
  await svc.clinical(visitId, caller);
  const ref = { visitId, breakoutId };
  await svc.backend.createRoom(roomOptions(ref, lk));
  await svc.d.hub.change(svc.room(visitId), (doc) => {
    const list = breakoutsOf(doc);
    if (list.includes(breakoutId)) return;
    doc.getMap<unknown>('video').set('breakouts', [...list, breakoutId]);
    timelineArray(doc).push([{ at: now.toISOString(), type: 'breakout.created', actor: caller.sub, detail: { breakoutId } }]);
  });
  return { breakoutId, room: roomName(ref) };
}

export interface AssignResult {
  moved: string[];
  refused: { participantId: string; code: string }[];
}

export async function assignBreakout(svc: VideoService, visitId: string, breakoutId: string, caller: Caller, body: unknown, now: Date): Promise<AssignResult> {
  svc.livekit();
  const ids = (body as { participantIds?: unknown } | undefined)?.participantIds;
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((i) => svc.validId(i))) throw new VideoError('ERR_BAD_REQUEST', 'participantIds (a list of ids) is required');
  await svc.clinical(visitId, caller);
  const known = await svc.d.hub.read(svc.room(visitId), breakoutsOf);
  if (!known.includes(breakoutId)) throw new VideoError('ERR_NOT_FOUND', 'no such breakout; create it first');
  const out: AssignResult = { moved: [], refused: [] };
  for (const participantId of ids as string[]) {
    const r = await svc.d.hub.change(svc.room(visitId), (doc) =>
      applyRoomCommand(doc, { type: 'toBreakout', participantId, breakoutId }, { id: caller.sub, role: caller.role }, now, SERVER_ORIGIN));
    if (!r.ok) { out.refused.push({ participantId, code: r.error.code }); continue; }
    // Out of the main room now; their next token is for the breakout.
    await svc.ifConnected(() => svc.backend.removeParticipant(roomName({ visitId }), participantId));
    out.moved.push(participantId);
  }
  return out;
}

export async function reconvene(svc: VideoService, visitId: string, breakoutId: string, caller: Caller, now: Date): Promise<{ returned: string[] }> {
  svc.livekit();
  await svc.clinical(visitId, caller);
  const { known, inside } = await svc.d.hub.read(svc.room(visitId), (doc) => ({
    known: breakoutsOf(doc),
    inside: readRoster(doc).filter((e) => e.location === 'breakout' && e.breakoutId === breakoutId).map((e) => e.id),
  }));
  if (!known.includes(breakoutId)) throw new VideoError('ERR_NOT_FOUND', 'no such breakout');
  const returned: string[] = [];
  await svc.d.hub.change(svc.room(visitId), (doc) => {
    for (const participantId of inside) {
      const r = applyRoomCommand(doc, { type: 'fromBreakout', participantId }, { id: caller.sub, role: caller.role }, now, SERVER_ORIGIN);
      if (r.ok) returned.push(participantId);
    }
    doc.getMap<unknown>('video').set('breakouts', breakoutsOf(doc).filter((b) => b !== breakoutId));
    timelineArray(doc).push([{ at: now.toISOString(), type: 'breakout.closed', actor: caller.sub, detail: { breakoutId } }]);
  });
  // Deleting the room disconnects anyone still in it; their next token is for the main room.
  await svc.ifConnected(() => svc.backend.deleteRoom(roomName({ visitId, breakoutId })));
  return { returned };
}
