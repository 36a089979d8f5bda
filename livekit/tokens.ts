/**
 * Participant video tokens: LiveKit `AccessToken`s minted on the server with a short TTL, the
 * roster participant id as identity, the role in attributes and the role's grant (grants.ts).
 */
import { AccessToken } from 'livekit-server-sdk';
import { TrackSource } from '@livekit/protocol';
import type { ParticipantRole } from '../server/visits/model.ts';
import { joinGrant, type RoleGrant, type Source } from './grants.ts';

export interface VideoTokenRequest {
  identity: string;
  name: string;
  role: ParticipantRole;
  room: string;
  grant: RoleGrant;
  ttlSeconds: number;
}

export async function mintVideoToken(apiKey: string, apiSecret: string, r: VideoTokenRequest): Promise<string> {
  if (!Number.isInteger(r.ttlSeconds) || r.ttlSeconds <= 0) throw new TypeError('ttlSeconds must be a positive integer');
  const at = new AccessToken(apiKey, apiSecret, { identity: r.identity, name: r.name, ttl: r.ttlSeconds, attributes: { role: r.role } });
  const g = joinGrant(r.room, r.grant);
  // The SDK takes the protocol enum and writes LiveKit's string names into the JWT.
  at.addGrant({ ...g, canPublishSources: g.canPublishSources.map((s) => SOURCE_ENUM[s]) });
  return at.toJwt();
}

export const SOURCE_ENUM: Record<Source, TrackSource> = {
  camera: TrackSource.CAMERA,
  microphone: TrackSource.MICROPHONE,
  screen_share: TrackSource.SCREEN_SHARE,
};

/** LiveKit's track source → our source name (the inverse of SOURCE_ENUM); other sources are absent. */
export const SOURCE_NAME: Partial<Record<TrackSource, Source>> = {
  [TrackSource.CAMERA]: 'camera',
  [TrackSource.MICROPHONE]: 'microphone',
  [TrackSource.SCREEN_SHARE]: 'screen_share',
};
