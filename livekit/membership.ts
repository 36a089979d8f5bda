/**
 * Who may have video in a visit, and in which LiveKit room (pure).
 *
 * A caller is on the visit when they are one of its clinicians, one of its patients, or in the
 * room roster under the same role as their token. Where they go follows the roster: the main
 * room, or the breakout the roster places them in. Patients in the waiting room get no video
 * until a clinician admits them; someone the clinical team removed gets none until readmitted.
 */
import type { Visit } from '../server/visits/model.ts';
import type { RosterEntry } from '../server/visits/room-doc.ts';
import { isParticipantRole } from './grants.ts';
import type { RoomRef } from './rooms.ts';
import type { ParticipantRole } from '../server/visits/model.ts';
import { VideoError } from './errors.ts';

export interface Caller { sub: string; role: string }

export interface Member {
  id: string;
  role: ParticipantRole;
  name: string;
  ref: RoomRef;
}

export function member(visit: Visit, entry: RosterEntry | null, caller: Caller): Member {
  if (!isParticipantRole(caller.role)) throw new VideoError('ERR_FORBIDDEN', `role ${caller.role} does not join video`);
  const clinician = caller.role === 'clinician' ? visit.clinicians.find((c) => c.id === caller.sub) : undefined;
  const patient = caller.role === 'patient' ? visit.patients.find((p) => p.id === caller.sub) : undefined;
  const listed = entry !== null && entry.role === caller.role;
  if (!clinician && !patient && !listed) throw new VideoError('ERR_NOT_ON_VISIT', 'you are not a participant of this visit');
  notRemoved(entry);
  if (caller.role === 'patient' && (!entry || entry.location === 'waiting' || entry.location === 'left')) {
    throw new VideoError('ERR_NOT_ADMITTED', 'wait until a clinician admits you');
  }
  const ref: RoomRef = entry?.location === 'breakout' && entry.breakoutId ? { visitId: visit.id, breakoutId: entry.breakoutId } : { visitId: visit.id };
  const name = entry?.displayName ?? clinician?.name ?? patient?.displayName ?? caller.sub;
  return { id: caller.sub, role: caller.role, name, ref };
}

/** Removal sticks (main room, breakouts, permissions) until a clinician readmits them. */
export function notRemoved(entry: RosterEntry | null): void {
  if (entry?.removedAt !== undefined) throw new VideoError('ERR_REMOVED', 'you were removed from this visit; a clinician must readmit you');
}

/** Clinical roles of the visit: the visit's clinicians, or a nurse on its roster. */
export function isClinicalMember(visit: Visit, entry: RosterEntry | null, caller: Caller): boolean {
  if (caller.role === 'clinician') return visit.clinicians.some((c) => c.id === caller.sub) || (entry?.role === 'clinician');
  return caller.role === 'nurse' && entry?.role === 'nurse';
}
