/**
 * Removing a participant for good, and readmitting them. Removal is a state of the visit (the
 * roster entry's `removedAt`, set by the `remove` room command through VisitService, which also
 * ends their sync connections): until a clinician readmits them they get no video token for the
 * main room or a breakout (membership.ts), cannot join, check in or open the visit's documents,
 * and LiveKit removes them if an older token gets them in (events.ts).
 */
import { DomainFailure } from '../server/services/visits.ts';
import { VideoError } from './errors.ts';
import type { Caller } from './membership.ts';
import { roomName } from './rooms.ts';
import type { VideoService } from './service.ts';

function participantId(body: unknown): string {
  const id = (body as { participantId?: unknown } | undefined)?.participantId;
  if (typeof id !== 'string') throw new VideoError('ERR_BAD_REQUEST', 'participantId is required');
  return id;
}

/** A room command through the visit service; the `tolerated` code is an outcome (false), not an error. */
async function command(svc: VideoService, visitId: string, cmd: Record<string, string>, caller: Caller, now: Date, tolerated?: string): Promise<boolean> {
  try {
    await svc.d.visits.command(visitId, cmd, caller, now);
    return true;
  } catch (e) {
    if (e instanceof DomainFailure && e.code === tolerated) return false;
    throw e;
  }
}

/** The roster marks them removed first (so no new token can race the kick), then LiveKit disconnects them. */
export async function removeParticipant(svc: VideoService, visitId: string, caller: Caller, body: unknown, now: Date): Promise<{ removed: boolean }> {
  const id = participantId(body);
  await svc.clinical(visitId, caller);
  const { ref } = await svc.placeOf(visitId, id);
  const marked = await command(svc, visitId, { type: 'remove', participantId: id }, caller, now, 'ERR_NOT_PRESENT');
  const wasConnected = await svc.ifConnected(() => svc.backend.removeParticipant(roomName(ref), id));
  return { removed: wasConnected || marked };
}

/** Lifts a removal (a clinical act); the person then joins or checks in again and may get video. */
export async function readmitParticipant(svc: VideoService, visitId: string, caller: Caller, body: unknown, now: Date): Promise<{ readmitted: true }> {
  const id = participantId(body);
  await svc.clinical(visitId, caller);
  await command(svc, visitId, { type: 'readmit', participantId: id }, caller, now);
  return { readmitted: true };
}
