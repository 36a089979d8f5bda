/**
 * Role → LiveKit grant: one pure table. The SFU enforces what a token grants, so this table is
 * where "who may publish what" is decided, not the clients.
 *
 *   clinical roles (clinician, nurse)      camera, microphone, screen share; room data
 *   patient, caregiver, interpreter        camera and microphone only
 *   observer                               hidden, subscribe only, no publishing at all
 *   scribe (recorder / AI scribe identity) hidden, recorder, subscribes to audio only (routing.ts, scribe.ts), publishes nothing
 *
 * A patient who chose to hide their video gets a token (and, when already connected, a server
 * permission update) that allows the microphone only.
 */
import type { ParticipantRole } from '../server/visits/model.ts';

export const SOURCES = ['camera', 'microphone', 'screen_share'] as const;
export type Source = (typeof SOURCES)[number];

export interface RoleGrant {
  sources: readonly Source[];
  canSubscribe: boolean;
  canPublishData: boolean;
  hidden: boolean;
  recorder: boolean;
}

export const ROLE_GRANTS: Readonly<Record<ParticipantRole, RoleGrant>> = {
  clinician: { sources: ['camera', 'microphone', 'screen_share'], canSubscribe: true, canPublishData: true, hidden: false, recorder: false },
  nurse: { sources: ['camera', 'microphone', 'screen_share'], canSubscribe: true, canPublishData: true, hidden: false, recorder: false },
  patient: { sources: ['camera', 'microphone'], canSubscribe: true, canPublishData: true, hidden: false, recorder: false },
  caregiver: { sources: ['camera', 'microphone'], canSubscribe: true, canPublishData: true, hidden: false, recorder: false },
  interpreter: { sources: ['camera', 'microphone'], canSubscribe: true, canPublishData: true, hidden: false, recorder: false },
  observer: { sources: [], canSubscribe: true, canPublishData: false, hidden: true, recorder: false },
  scribe: { sources: [], canSubscribe: true, canPublishData: false, hidden: true, recorder: true },
};

/** Roles that may share a screen (and so mark a share as showing PHI). */
export const SCREEN_SHARE_ROLES: readonly ParticipantRole[] = (Object.keys(ROLE_GRANTS) as ParticipantRole[])
  .filter((r) => ROLE_GRANTS[r].sources.includes('screen_share'));

export function isParticipantRole(role: string): role is ParticipantRole {
  return Object.hasOwn(ROLE_GRANTS, role);
}

/** The grant for a role, narrowed by the participant's own choice to hide their video. */
export function grantFor(role: ParticipantRole, opts: { hideVideo?: boolean } = {}): RoleGrant {
  const g = ROLE_GRANTS[role];
  return opts.hideVideo ? { ...g, sources: g.sources.filter((s) => s !== 'camera') } : g;
}

/** The shape LiveKit's `VideoGrant` takes, for a token to join one room. */
export interface JoinGrant {
  roomJoin: true;
  room: string;
  canPublish: boolean;
  canPublishSources: Source[];
  canSubscribe: boolean;
  canPublishData: boolean;
  canUpdateOwnMetadata: false;
  hidden: boolean;
  recorder: boolean;
}

export function joinGrant(room: string, g: RoleGrant): JoinGrant {
  return {
    roomJoin: true,
    room,
    canPublish: g.sources.length > 0,
    canPublishSources: [...g.sources],
    canSubscribe: g.canSubscribe,
    canPublishData: g.canPublishData,
    // Names and attributes come from Rounds, never from the participant.
    canUpdateOwnMetadata: false,
    hidden: g.hidden,
    recorder: g.recorder,
  };
}

/**
 * The complete participant permission for a server-side `UpdateParticipant`. LiveKit replaces
 * the permission as a whole, so every field is always sent, computed from the role table.
 */
export interface PermissionSet {
  canSubscribe: boolean;
  canPublish: boolean;
  canPublishData: boolean;
  canPublishSources: Source[];
  hidden: boolean;
  canUpdateMetadata: boolean;
}

export function permissionSet(g: RoleGrant, narrow: { sources?: readonly Source[]; canSubscribe?: boolean } = {}): PermissionSet {
  // A moderator may only narrow what the role allows, never widen it.
  const sources = narrow.sources ? g.sources.filter((s) => narrow.sources!.includes(s)) : [...g.sources];
  return {
    canSubscribe: g.canSubscribe && (narrow.canSubscribe ?? true),
    canPublish: sources.length > 0,
    canPublishData: g.canPublishData,
    canPublishSources: sources,
    hidden: g.hidden,
    canUpdateMetadata: false,
  };
}
