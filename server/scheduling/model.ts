/**
 * Scheduling core: plain data for schedules, slots and appointments, the rules for booking,
 * cancelling and rescheduling, and parsing of the FHIR bodies clients send. Pure: no I/O, no
 * clock (`now` comes in). FHIR output lives in fhir.ts; the atomic writes in the store.
 */
import type { Appointment as FhirAppointment, Schedule as FhirSchedule, Slot as FhirSlot } from '@medplum/fhirtypes';
import { ID_PATTERN } from '../visits/model.ts';

export type SchedulingErrorCode =
  | 'ERR_SCHED_INVALID'
  | 'ERR_SCHED_NOT_FOUND'
  | 'ERR_SCHED_SLOT_TAKEN'
  | 'ERR_SCHED_ILLEGAL_CHANGE'
  | 'ERR_SCHED_FORBIDDEN'
  /** A search parameter Rounds does not support, under `Prefer: handling=strict` (search.ts). */
  | 'ERR_SCHED_UNSUPPORTED_PARAM';

export const SCHEDULING_ERROR_STATUS: Record<SchedulingErrorCode, number> = {
  ERR_SCHED_INVALID: 400,
  ERR_SCHED_NOT_FOUND: 404,
  ERR_SCHED_SLOT_TAKEN: 409,
  ERR_SCHED_ILLEGAL_CHANGE: 409,
  ERR_SCHED_FORBIDDEN: 403,
  ERR_SCHED_UNSUPPORTED_PARAM: 400,
};

export class SchedulingError extends Error {
  constructor(readonly code: SchedulingErrorCode, message: string) { super(message); }
  get status(): number { return SCHEDULING_ERROR_STATUS[this.code]; }
}

export interface ActorRef { kind: 'Practitioner' | 'PractitionerRole' | 'HealthcareService'; id: string; display?: string }

export interface Schedule { id: string; actors: ActorRef[]; comment?: string; active: boolean }

export type SlotStatus = 'free' | 'busy';
export interface Slot { id: string; scheduleId: string; start: string; end: string; status: SlotStatus }

export type AppointmentStatus = 'booked' | 'cancelled' | 'arrived';
export interface Appointment {
  id: string;
  status: AppointmentStatus;
  slotId: string;
  scheduleId: string;
  start: string;
  end: string;
  patient: { id: string; display?: string };
  practitioners: ActorRef[];
  created: string;
  description?: string;
  cancelationReason?: string;
  /** The Rounds visit created at check-in. */
  visitId?: string;
}

const ACTOR = /^(Practitioner|PractitionerRole|HealthcareService)\/([A-Za-z0-9\-.]{1,64})$/;

function fail(message: string): never {
  throw new SchedulingError('ERR_SCHED_INVALID', message);
}

function instant(v: unknown, what: string): string {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v) || Number.isNaN(Date.parse(v))) {
    fail(`${what} must be an instant with a time zone`);
  }
  return isoSeconds(Date.parse(v));
}

/** Instants are stored to the second in UTC (`2026-03-01T09:00:00Z`), so they compare as strings. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** `Type/id` for a local reference to one of `types`; the id only. */
export function refId(ref: string | undefined, type: string): string | null {
  if (typeof ref !== 'string') return null;
  const m = /^([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(ref);
  return m && m[1] === type ? m[2]! : null;
}

export function parseSchedule(body: unknown, id: string): Schedule {
  const s = body as FhirSchedule | undefined;
  if (!s || s.resourceType !== 'Schedule') fail('body must be a FHIR Schedule');
  const actors = (s.actor ?? []).map((a) => {
    const m = ACTOR.exec(a.reference ?? '');
    if (!m) fail('Schedule.actor must reference a Practitioner, PractitionerRole or HealthcareService');
    return { kind: m[1] as ActorRef['kind'], id: m[2]!, ...(a.display ? { display: a.display } : {}) };
  });
  if (actors.length === 0) fail('Schedule.actor is required');
  return { id, actors, active: s.active !== false, ...(s.comment ? { comment: s.comment } : {}) };
}

export function parseSlot(body: unknown, id: string): Slot {
  const s = body as FhirSlot | undefined;
  if (!s || s.resourceType !== 'Slot') fail('body must be a FHIR Slot');
  const scheduleId = refId(s.schedule?.reference, 'Schedule');
  if (!scheduleId) fail('Slot.schedule must reference Schedule/<id>');
  const start = instant(s.start, 'Slot.start');
  const end = instant(s.end, 'Slot.end');
  if (Date.parse(end) <= Date.parse(start)) fail('Slot.end must be after Slot.start');
  if (s.status !== undefined && s.status !== 'free') fail('a new Slot must be free');
  return { id, scheduleId, start, end, status: 'free' };
}

export interface BookingRequest { slotId: string; patient: { id: string; display?: string }; description?: string }

/** A booking: an Appointment naming one Slot and one Patient participant. */
export function parseBooking(body: unknown): BookingRequest {
  const a = body as FhirAppointment | undefined;
  if (!a || a.resourceType !== 'Appointment') fail('body must be a FHIR Appointment');
  if (a.status !== undefined && a.status !== 'booked' && a.status !== 'proposed') fail('a new Appointment must be booked or proposed');
  if (a.slot?.length !== 1) fail('Appointment.slot must name exactly one Slot');
  const slotId = refId(a.slot[0]!.reference, 'Slot');
  if (!slotId) fail('Appointment.slot must reference Slot/<id>');
  const patients = (a.participant ?? []).filter((p) => p.actor?.reference?.startsWith('Patient/'));
  if (patients.length !== 1) fail('Appointment.participant must name exactly one Patient');
  const pid = refId(patients[0]!.actor!.reference, 'Patient');
  if (!pid || !ID_PATTERN.test(pid)) fail('the Patient reference must be Patient/<id>');
  const display = patients[0]!.actor!.display;
  return { slotId, patient: { id: pid, ...(display ? { display } : {}) }, ...(a.description ? { description: a.description } : {}) };
}

export type AppointmentChange =
  | { type: 'cancel'; reason?: string }
  | { type: 'reschedule'; slotId: string }
  | { type: 'none' };

/** What a PUT of an Appointment asks for, compared with the stored one: cancel, move to another slot, or nothing. */
export function parseChange(current: Appointment, body: unknown): AppointmentChange {
  const a = body as FhirAppointment | undefined;
  if (!a || a.resourceType !== 'Appointment') fail('body must be a FHIR Appointment');
  if (a.id !== undefined && a.id !== current.id) fail('Appointment.id does not match the URL');
  if (a.status === 'cancelled') {
    const reason = a.cancelationReason?.text;
    return { type: 'cancel', ...(reason ? { reason } : {}) };
  }
  if (a.status !== undefined && a.status !== current.status) fail(`status ${a.status} cannot be set by an update; cancel, reschedule or check in`);
  const slotId = a.slot?.length === 1 ? refId(a.slot[0]!.reference, 'Slot') : null;
  if (!slotId) fail('Appointment.slot must name exactly one Slot');
  return slotId === current.slotId ? { type: 'none' } : { type: 'reschedule', slotId };
}

export function assertChangeAllowed(current: Appointment, change: AppointmentChange): void {
  if (change.type === 'none') return;
  if (current.status !== 'booked') {
    throw new SchedulingError('ERR_SCHED_ILLEGAL_CHANGE', `a ${current.status} appointment cannot be ${change.type === 'cancel' ? 'cancelled' : 'rescheduled'}`);
  }
}

export function newAppointment(req: BookingRequest, slot: Slot, schedule: Schedule, id: string, now: Date): Appointment {
  return {
    id,
    status: 'booked',
    slotId: slot.id,
    scheduleId: slot.scheduleId,
    start: slot.start,
    end: slot.end,
    patient: req.patient,
    practitioners: schedule.actors,
    created: now.toISOString().slice(0, 10),
    ...(req.description ? { description: req.description } : {}),
  };
}

/** Slot search: by schedule, by start date range (FHIR `ge`/`gt`/`le`/`lt` prefixes or a plain date), by status. */
export interface SlotQuery { scheduleId?: string; startFrom?: string; startBefore?: string; status?: SlotStatus }

