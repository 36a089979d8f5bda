/**
 * Persistence for scheduling (FHIR Schedule / Slot / Appointment), one interface for SQLite and
 * Postgres. Booking, cancelling and rescheduling are each ONE transaction whose guard is a
 * conditional update of the slot (`free` -> `busy`), so two bookings can never both hold a slot.
 */
import { and, eq, gte, inArray, lt, sql, type Column, type SQL, type Table } from 'drizzle-orm';
import type { Appointment, Schedule, Slot, SlotQuery, SlotStatus } from '../server/scheduling/model.ts';
import type { AppointmentQuery } from '../server/scheduling/search.ts';
import type { TextCodec } from './codec.ts';

export interface VersionedAppointment { appointment: Appointment; version: number }

export interface SchedulingRepository {
  createSchedule(s: Schedule): Promise<void>;
  getSchedule(id: string): Promise<Schedule | null>;
  listSchedules(limit?: number): Promise<Schedule[]>;
  createSlot(s: Slot): Promise<void>;
  getSlot(id: string): Promise<Slot | null>;
  searchSlots(q: SlotQuery, limit?: number): Promise<Slot[]>;
  getAppointment(id: string): Promise<VersionedAppointment | null>;
  /**
   * Books: the slot goes free -> busy and the appointment `make` builds (from the slot and its
   * schedule, read in the same transaction) is stored, or neither. ERR_SCHED_SLOT_TAKEN when the
   * slot is not free, ERR_SCHED_NOT_FOUND when there is no such slot; what `make` throws rolls back.
   */
  book(make: (slot: Slot, schedule: Schedule | null) => Appointment, slotId: string): Promise<Appointment>;
  /** Cancels: the appointment (CAS on its version) becomes `next` and its slot is free again; false when the version moved. */
  cancel(next: Appointment, expectedVersion: number): Promise<boolean>;
  /** Takes the new slot, replaces the appointment (CAS), frees the old slot: all or nothing. */
  reschedule(current: Appointment, expectedVersion: number, make: (slot: Slot) => Appointment, newSlotId: string): Promise<Appointment>;
  /** Replaces the appointment if its version is `expectedVersion` (e.g. check-in). */
  update(next: Appointment, expectedVersion: number): Promise<boolean>;
  /**
   * Appointments matching every filter of `q`, by start then id, `q.count` of them from
   * `q.offset`, and how many match in all. Participants are matched on the ids indexed at
   * booking (`appointmentActors`).
   */
  searchAppointments(q: AppointmentQuery): Promise<AppointmentPage>;
}

export interface AppointmentPage { appointments: Appointment[]; total: number }

/** Appointments name the patient: their JSON is sealed under `sched_appointments:<id>` on every engine. */
export function sealAppointment(codec: TextCodec, a: Appointment): string {
  return codec.sealText(`sched_appointments:${a.id}`, JSON.stringify(a));
}

export function openAppointment(codec: TextCodec, id: string, stored: string): Appointment {
  return JSON.parse(codec.openText(`sched_appointments:${id}`, stored)) as Appointment;
}

/** The columns of a stored appointment (both engines name them alike). */
export function appointmentColumns(codec: TextCodec, a: Appointment, version: number) {
  return { slotId: a.slotId, status: a.status, version, data: sealAppointment(codec, a), updatedAt: Date.now(), start: a.start };
}

/** The participants an appointment is found by: its patient and its practitioners, as `Type/<id>`. */
export function appointmentActors(a: Appointment): string[] {
  return [...new Set([`Patient/${a.patient.id}`, ...a.practitioners.map((p) => `${p.kind}/${p.id}`)])];
}

/** The columns of either engine's appointment and participant tables that a search reads. */
export interface AppointmentSearchColumns {
  appointments: { id: Column; status: Column; slotId: Column; start: Column };
  actors: { table: Table; appointmentId: Column; actor: Column };
}

/** The WHERE of an appointment search: one EXISTS per participant asked for, ANDed with the rest. */
export function appointmentFilter(q: AppointmentQuery, c: AppointmentSearchColumns): SQL | undefined {
  const t = c.appointments;
  const conds: SQL[] = q.actors.map((ref) =>
    sql`exists (select 1 from ${c.actors.table} where ${c.actors.appointmentId} = ${t.id} and ${c.actors.actor} = ${ref})`);
  if (q.slotId !== undefined) conds.push(eq(t.slotId, q.slotId));
  if (q.statuses) conds.push(inArray(t.status, q.statuses));
  if (q.startFrom) conds.push(gte(t.start, q.startFrom));
  if (q.startBefore) conds.push(lt(t.start, q.startBefore));
  return conds.length ? and(...conds) : undefined;
}

/** The WHERE of a slot search, over either engine's slot table. */
export function slotFilter(q: SlotQuery, t: { scheduleId: Column; status: Column; start: Column }): SQL | undefined {
  const conds: SQL[] = [];
  if (q.scheduleId) conds.push(eq(t.scheduleId, q.scheduleId));
  if (q.status) conds.push(eq(t.status, q.status));
  if (q.startFrom) conds.push(gte(t.start, q.startFrom));
  if (q.startBefore) conds.push(lt(t.start, q.startBefore));
  return conds.length ? and(...conds) : undefined;
}

export function slotFromRow(r: { id: string; scheduleId: string; start: string; end: string; status: string }): Slot {
  return { id: r.id, scheduleId: r.scheduleId, start: r.start, end: r.end, status: r.status as SlotStatus };
}
