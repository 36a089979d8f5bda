/**
 * Selective media routing: a pure function of the roster and the visit's video settings that
 * decides who may see and hear whom.
 *
 *   one-to-one, tumor board   everyone sees and hears everyone; a recorder/scribe hears only
 *   group therapy             clinical roles, interpreters and observers see everyone; patients
 *                             and caregivers see the clinical team and interpreters, and only hear
 *                             each other unless the clinician allows patients to see each other
 *   hidden video              a patient who hides their video publishes the microphone only: the
 *                             SFU enforces it (token grant + server permission update), so no
 *                             other client's goodwill is needed
 *
 * How it is applied (what the SFU enforces): each publisher's client sets its own track
 * subscription permissions from `publisherPermissions` BEFORE publishing (LiveKit denies
 * identities not listed when `allParticipantsAllowed` is false, so late joiners are denied until
 * the list is refreshed); `audio` means "allow only my microphone track" (by track sid, once
 * published). Stricter rules go through `serverPermission` (UpdateParticipant, which replaces
 * the whole permission set, so it is always computed in full from the role table).
 */
import type { ParticipantRole, VisitKind } from '../server/visits/model.ts';
import { grantFor, permissionSet, type PermissionSet } from './grants.ts';

export type View = 'all' | 'audio' | 'none';

export interface RoutingParticipant {
  id: string;
  role: ParticipantRole;
}

export interface RoutingSettings {
  kind: VisitKind;
  /** Group therapy: whether patients (and caregivers) may see each other. */
  patientsSeeEachOther: boolean;
  /** Participants who chose to hide their video (they publish the microphone only). */
  hiddenVideo: ReadonlySet<string>;
}

const SEES_EVERYONE: readonly ParticipantRole[] = ['clinician', 'nurse', 'interpreter', 'observer'];
const PEERS: readonly ParticipantRole[] = ['patient', 'caregiver'];

/** What `subscriber` may receive from `publisher`. */
export function view(s: RoutingSettings, subscriber: RoutingParticipant, publisher: RoutingParticipant): View {
  if (subscriber.id === publisher.id) return 'none';
  const pub = grantFor(publisher.role, { hideVideo: s.hiddenVideo.has(publisher.id) });
  if (pub.sources.length === 0) return 'none';
  const hearOnly: View = pub.sources.includes('microphone') ? 'audio' : 'none';
  if (subscriber.role === 'scribe') return hearOnly;
  if (!pub.sources.includes('camera') && !pub.sources.includes('screen_share')) return hearOnly;
  if (s.kind !== 'group-therapy' || SEES_EVERYONE.includes(subscriber.role)) return 'all';
  // Group therapy, subscriber is a patient or caregiver.
  if (!PEERS.includes(publisher.role)) return 'all';
  return s.patientsSeeEachOther ? 'all' : hearOnly;
}

export interface TrackPermission {
  participantIdentity: string;
  /** `all`: every track; `audio`: only the publisher's microphone track. */
  allow: 'all' | 'audio';
}

export interface PublisherPermissions {
  /** Always false: only the identities listed may subscribe. */
  allParticipantsAllowed: false;
  trackPermissions: TrackPermission[];
}

/** The subscription permissions `publisherId`'s client sets on its own tracks. */
export function publisherPermissions(s: RoutingSettings, roster: readonly RoutingParticipant[], publisherId: string): PublisherPermissions {
  const publisher = roster.find((p) => p.id === publisherId);
  if (!publisher) return { allParticipantsAllowed: false, trackPermissions: [] };
  const others = roster.filter((p) => p.id !== publisherId);
  const perms: TrackPermission[] = [];
  for (const sub of others) {
    const v = view(s, sub, publisher);
    if (v !== 'none') perms.push({ participantIdentity: sub.id, allow: v });
  }
  // Never allow-all: someone who joins later (a recorder, another patient) is denied until the
  // publisher refreshes its list from the roster. Fail closed.
  return { allParticipantsAllowed: false, trackPermissions: perms };
}

/** The full server-side permission for a participant (UpdateParticipant replaces the whole set). */
export function serverPermission(s: RoutingSettings, p: RoutingParticipant): PermissionSet {
  return permissionSet(grantFor(p.role, { hideVideo: s.hiddenVideo.has(p.id) }));
}

/** The whole matrix, for tests and the clinician's view: subscriber id → publisher id → view. */
export function routingTable(s: RoutingSettings, roster: readonly RoutingParticipant[]): Record<string, Record<string, View>> {
  const out: Record<string, Record<string, View>> = {};
  for (const sub of roster) {
    const row: Record<string, View> = {};
    for (const pub of roster) if (pub.id !== sub.id) row[pub.id] = view(s, sub, pub);
    out[sub.id] = row;
  }
  return out;
}
