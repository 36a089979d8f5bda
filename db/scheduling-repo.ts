/**
 * Persistence for scheduling (FHIR Schedule / Slot / Appointment), one interface for SQLite and
 * Postgres. Booking, cancelling and rescheduling are each ONE transaction whose guard is a
 * conditional update of the slot (`free` -> `busy`), so two bookings can never both hold a slot.
 */
import { and, eq, gte, lt, type Column, type SQL } from 'drizzle-orm';
import type { Appointment, Schedule, Slot, SlotQuery, SlotStatus } from '../server/scheduling/model.ts';
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
}

/** Appointments name the patient: their JSON is sealed under `sched_appointments:<id>` on every engine. */
export function sealAppointment(codec: TextCodec, a: Appointment): string {
  return codec.sealText(`sched_appointments:${a.id}`, JSON.stringify(a));
}

export function openAppointment(codec: TextCodec, id: string, stored: string): Appointment {
  return JSON.parse(codec.openText(`sched_appointments:${id}`, stored)) as Appointment;
}

/** The columns of a stored appointment (both engines name them alike). */
export function appointmentColumns(codec: TextCodec, a: Appointment, version: number) {
  return { slotId: a.slotId, status: a.status, version, data: sealAppointment(codec, a), updatedAt: Date.now() };
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
