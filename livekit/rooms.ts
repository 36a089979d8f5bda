/**
 * LiveKit room names and creation options. One room per visit (`visit/<id>`) and one per
 * breakout (`visit/<id>/breakout/<breakoutId>`); ids never contain `/` (server/visits/model.ts),
 * so a name parses back unambiguously. The room's metadata links it back to the visit.
 */
import { ID_PATTERN } from '../server/visits/model.ts';

export interface RoomRef {
  visitId: string;
  /** Absent for the visit's main room. */
  breakoutId?: string;
}

export function roomName(ref: RoomRef): string {
  if (!ID_PATTERN.test(ref.visitId) || (ref.breakoutId !== undefined && !ID_PATTERN.test(ref.breakoutId))) {
    throw new TypeError('visit and breakout ids must be valid ids');
  }
  return ref.breakoutId === undefined ? `visit/${ref.visitId}` : `visit/${ref.visitId}/breakout/${ref.breakoutId}`;
}

export function parseRoomName(name: string): RoomRef | null {
  const parts = name.split('/');
  if (parts[0] !== 'visit' || !parts[1] || !ID_PATTERN.test(parts[1])) return null;
  if (parts.length === 2) return { visitId: parts[1] };
  if (parts.length === 4 && parts[2] === 'breakout' && parts[3] && ID_PATTERN.test(parts[3])) return { visitId: parts[1], breakoutId: parts[3] };
  return null;
}

export interface RoomOptions {
  name: string;
  emptyTimeout: number;
  departureTimeout: number;
  maxParticipants: number;
  metadata: string;
}

/** What Rounds asks LiveKit to create; the metadata holds ids only (no names, no PHI). */
export function roomOptions(ref: RoomRef, limits: { emptyTimeoutSeconds: number; maxParticipants: number }): RoomOptions {
  return {
    name: roomName(ref),
    emptyTimeout: limits.emptyTimeoutSeconds,
    departureTimeout: 20,
    maxParticipants: limits.maxParticipants,
    metadata: JSON.stringify({ app: 'rounds', visitId: ref.visitId, ...(ref.breakoutId ? { breakoutId: ref.breakoutId } : {}) }),
  };
}
