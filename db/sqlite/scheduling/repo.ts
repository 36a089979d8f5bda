/**
 * SQLite store for scheduling. Booking, cancelling and rescheduling are each ONE immediate
 * transaction whose first step is a conditional update of the slot (`free` -> `busy`), so two
 * bookings of one slot can never both win, and a cancel frees exactly the slot it held.
 */
import { and, asc, eq, gte, lt } from 'drizzle-orm';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { SqliteHandle } from '../connection.ts';
import { schedAppointments, schedSchedules, schedSlots } from './schema.ts';
import type { Appointment, Schedule, Slot, SlotQuery, SlotStatus } from '../../../server/scheduling/model.ts';
import { SchedulingError } from '../../../server/scheduling/model.ts';

const schema = { schedAppointments, schedSchedules, schedSlots };

export interface VersionedAppointment { appointment: Appointment; version: number }

/** Encryption at rest for PHI columns (the security layer's codec); the default stores them as they are. */
export interface TextCodec { sealText(context: string, plain: string): string; openText(context: string, stored: string): string }
const PLAIN: TextCodec = { sealText: (_c, p) => p, openText: (_c, s) => s };

export class SqliteSchedulingRepository {
  readonly #db: BetterSQLite3Database<typeof schema>;
  constructor(private readonly h: SqliteHandle, private readonly codec: TextCodec = PLAIN) {
    this.#db = drizzle(h.raw, { schema });
  }

  /** Appointments name the patient: their JSON is sealed under `sched_appointments:<id>`. */
  #seal(a: Appointment): string { return this.codec.sealText(`sched_appointments:${a.id}`, JSON.stringify(a)); }

  createSchedule(s: Schedule): void {
    this.#db.insert(schedSchedules).values({ id: s.id, data: JSON.stringify(s), createdAt: Date.now() }).run();
  }

  getSchedule(id: string): Schedule | null {
    const r = this.#db.select({ data: schedSchedules.data }).from(schedSchedules).where(eq(schedSchedules.id, id)).get();
    return r ? (JSON.parse(r.data) as Schedule) : null;
  }

  listSchedules(limit = 500): Schedule[] {
    return this.#db.select({ data: schedSchedules.data }).from(schedSchedules).limit(limit).all().map((r) => JSON.parse(r.data) as Schedule);
  }

  createSlot(s: Slot): void {
    this.#db.insert(schedSlots).values({ id: s.id, scheduleId: s.scheduleId, start: s.start, end: s.end, status: s.status, createdAt: Date.now() }).run();
  }

  getSlot(id: string): Slot | null {
    const r = this.#db.select().from(schedSlots).where(eq(schedSlots.id, id)).get();
    return r ? slot(r) : null;
  }

  searchSlots(q: SlotQuery, limit = 500): Slot[] {
    const conds = [];
    if (q.scheduleId) conds.push(eq(schedSlots.scheduleId, q.scheduleId));
    if (q.status) conds.push(eq(schedSlots.status, q.status));
    if (q.startFrom) conds.push(gte(schedSlots.start, q.startFrom));
    if (q.startBefore) conds.push(lt(schedSlots.start, q.startBefore));
    return this.#db.select().from(schedSlots).where(conds.length ? and(...conds) : undefined).orderBy(asc(schedSlots.start)).limit(limit).all().map(slot);
  }

  getAppointment(id: string): VersionedAppointment | null {
    const r = this.#db.select({ data: schedAppointments.data, version: schedAppointments.version }).from(schedAppointments).where(eq(schedAppointments.id, id)).get();
    return r ? { appointment: JSON.parse(this.codec.openText(`sched_appointments:${id}`, r.data)) as Appointment, version: r.version } : null;
  }

  /** Books: the slot goes free -> busy and the appointment is stored, or neither (ERR_SCHED_SLOT_TAKEN). */
  book(make: (slot: Slot) => Appointment, slotId: string): Appointment {
    return this.h.raw.transaction((): Appointment => {
      const s = this.getSlot(slotId);
      if (!s) throw new SchedulingError('ERR_SCHED_NOT_FOUND', 'no such slot');
      if (!this.#take(slotId)) throw new SchedulingError('ERR_SCHED_SLOT_TAKEN', 'the slot is already booked');
      const a = make({ ...s, status: 'busy' });
      this.#db.insert(schedAppointments).values({ id: a.id, slotId: a.slotId, status: a.status, version: 1, data: this.#seal(a), updatedAt: Date.now() }).run();
      return a;
    }).immediate();
  }

  /** Cancels: the appointment (CAS on its version) becomes cancelled and its slot is free again. */
  cancel(next: Appointment, expectedVersion: number): boolean {
    return this.h.raw.transaction((): boolean => {
      if (!this.#update(next, expectedVersion)) return false;
      this.#setSlot(next.slotId, 'free');
      return true;
    }).immediate();
  }

  /** Moves a booked appointment to another slot: take the new slot, free the old one, in one transaction. */
  reschedule(current: Appointment, expectedVersion: number, make: (slot: Slot) => Appointment, newSlotId: string): Appointment {
    return this.h.raw.transaction((): Appointment => {
      const s = this.getSlot(newSlotId);
      if (!s) throw new SchedulingError('ERR_SCHED_NOT_FOUND', 'no such slot');
      if (!this.#take(newSlotId)) throw new SchedulingError('ERR_SCHED_SLOT_TAKEN', 'the slot is already booked');
      const next = make({ ...s, status: 'busy' });
      if (!this.#update(next, expectedVersion)) throw new SchedulingError('ERR_SCHED_ILLEGAL_CHANGE', 'the appointment changed concurrently; retry');
      this.#setSlot(current.slotId, 'free');
      return next;
    }).immediate();
  }

  /** Replaces the appointment if its version is `expectedVersion` (e.g. check-in). */
  update(next: Appointment, expectedVersion: number): boolean {
    return this.#update(next, expectedVersion);
  }

  #take(slotId: string): boolean {
    return this.#db.update(schedSlots).set({ status: 'busy' }).where(and(eq(schedSlots.id, slotId), eq(schedSlots.status, 'free'))).run().changes === 1;
  }

  #setSlot(slotId: string, status: SlotStatus): void {
    this.#db.update(schedSlots).set({ status }).where(eq(schedSlots.id, slotId)).run();
  }

  #update(next: Appointment, expectedVersion: number): boolean {
    return this.#db.update(schedAppointments).set({ slotId: next.slotId, status: next.status, version: expectedVersion + 1, data: this.#seal(next), updatedAt: Date.now() })
      .where(and(eq(schedAppointments.id, next.id), eq(schedAppointments.version, expectedVersion))).run().changes === 1;
  }
}

function slot(r: typeof schedSlots.$inferSelect): Slot {
  return { id: r.id, scheduleId: r.scheduleId, start: r.start, end: r.end, status: r.status as SlotStatus };
}
