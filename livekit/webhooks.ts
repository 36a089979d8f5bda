/**
 * LiveKit webhooks: verification and translation into plain events.
 *
 * LiveKit POSTs the event as JSON with the raw JWT (no `Bearer`) in `Authorization`; the JWT is
 * signed with the API secret and carries a `sha256` claim over the body. `WebhookReceiver`
 * checks both; anything it refuses (missing header, wrong key, tampered body) is answered 401
 * and changes nothing.
 */
import { WebhookReceiver, type WebhookEvent } from 'livekit-server-sdk';
import { EgressStatus } from '@livekit/protocol';
import { SOURCE_NAME } from './tokens.ts';
import { VideoError } from './errors.ts';
import { parseRoomName, type RoomRef } from './rooms.ts';
import type { EgressResult } from './recording.ts';
import type { TrackSourceName } from './room-video.ts';

export type VideoEvent =
  | { type: 'joined'; id: string; ref: RoomRef; identity: string; name: string; role: string }
  | { type: 'left'; id: string; ref: RoomRef; identity: string }
  | { type: 'track'; id: string; ref: RoomRef; identity: string; source: TrackSourceName; trackSid: string; published: boolean }
  | { type: 'roomFinished'; id: string; ref: RoomRef }
  | { type: 'egressEnded'; id: string; egressId: string; result: EgressResult }
  | { type: 'ignored'; id: string; event: string };

export class WebhookVerifier {
  readonly #receiver: WebhookReceiver;
  constructor(apiKey: string, apiSecret: string) {
    this.#receiver = new WebhookReceiver(apiKey, apiSecret);
  }

  /** The verified event; throws VideoError ERR_WEBHOOK_UNAUTHORIZED for anything not signed by our key. */
  async verify(body: string, authorization: string | undefined): Promise<WebhookEvent> {
    if (!authorization) throw new VideoError('ERR_WEBHOOK_UNAUTHORIZED', 'the Authorization header is missing');
    try {
      return await this.#receiver.receive(body, authorization);
    } catch (e) {
      throw new VideoError('ERR_WEBHOOK_UNAUTHORIZED', 'the webhook signature or body checksum is not valid', undefined, { cause: e });
    }
  }
}

const ms = (ns: bigint) => Number(ns / 1_000_000n);

/** Translates a verified LiveKit event into what Rounds acts on (pure). */
export function toVideoEvent(e: WebhookEvent): VideoEvent {
  const id = e.id;
  const ref = e.room ? parseRoomName(e.room.name) : null;
  const ignored: VideoEvent = { type: 'ignored', id, event: e.event };
  switch (e.event) {
    case 'participant_joined':
      if (!ref || !e.participant) return ignored;
      return { type: 'joined', id, ref, identity: e.participant.identity, name: e.participant.name, role: e.participant.attributes['role'] ?? '' };
    case 'participant_left':
    case 'participant_connection_aborted':
      if (!ref || !e.participant) return ignored;
      return { type: 'left', id, ref, identity: e.participant.identity };
    case 'track_published':
    case 'track_unpublished': {
      const source = e.track ? SOURCE_NAME[e.track.source] : undefined;
      if (!ref || !e.participant || !source) return ignored;
      return { type: 'track', id, ref, identity: e.participant.identity, source, trackSid: e.track!.sid, published: e.event === 'track_published' };
    }
    case 'room_finished':
      return ref ? { type: 'roomFinished', id, ref } : ignored;
    case 'egress_ended': {
      const info = e.egressInfo;
      if (!info) return ignored;
      const file = info.fileResults[0];
      return {
        type: 'egressEnded',
        id,
        egressId: info.egressId,
        result: {
          status: EgressStatus[info.status] ?? 'UNKNOWN',
          endedAt: info.endedAt > 0n ? new Date(ms(info.endedAt)) : null,
          location: file?.location || file?.filename || null,
          sizeBytes: file && file.size > 0n ? Number(file.size) : null,
          durationMs: file && file.duration > 0n ? ms(file.duration) : null,
        },
      };
    }
    default:
      return ignored;
  }
}
