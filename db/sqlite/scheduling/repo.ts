/**
 * SQLite store for scheduling. Booking, cancelling and rescheduling are each ONE immediate
 * transaction guarded by a conditional update of the slot (`free` -> `busy`), so two bookings of
 * one slot can never both win, and a cancel frees exactly the slot it held.
 */
import { and, asc, count, eq, isNull } from 'drizzle-orm';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { SqliteHandle } from '../connection.ts';
import { schedAppointmentActors, schedAppointments, schedSchedules, schedSlots } from './schema.ts';
import type { Appointment, Schedule, Slot, SlotQuery, SlotStatus } from '../../../server/scheduling/model.ts';
import { SchedulingError } from '../../../server/scheduling/model.ts';
import { PLAIN_CODEC, type TextCodec } from '../../codec.ts';
import type { AppointmentQuery } from '../../../server/scheduling/search.ts';
import {
  appointmentActors, appointmentColumns, appointmentFilter, openAppointment, slotFilter, slotFromRow,
  type AppointmentPage, type SchedulingRepository, type VersionedAppointment,
} from '../../scheduling-repo.ts';

const schema = { schedAppointments, schedAppointmentActors, schedSchedules, schedSlots };
const SEARCH = { appointments: schedAppointments, actors: { table: schedAppointmentActors, appointmentId: schedAppointmentActors.appointmentId, actor: schedAppointmentActors.actor } };

export class SqliteSchedulingRepository implements SchedulingRepository {
  readonly #db: BetterSQLite3Database<typeof schema>;
  #indexed = false;
  /** `codec` seals appointments (they name the patient): encryption at rest. */
  constructor(private readonly h: SqliteHandle, private readonly codec: TextCodec = PLAIN_CODEC) {
    this.#db = drizzle(h.raw, { schema });
  }

  async createSchedule(s: Schedule): Promise<void> {
    this.#db.insert(schedSchedules).values({ id: s.id, data: JSON.stringify(s), createdAt: Date.now() }).run();
  }

  async getSchedule(id: string): Promise<Schedule | null> { return this.#schedule(id); }

  #schedule(id: string): Schedule | null {
    const r = this.#db.select({ data: schedSchedules.data }).from(schedSchedules).where(eq(schedSchedules.id, id)).get();
    return r ? (JSON.parse(r.data) as Schedule) : null;
  }

  async listSchedules(limit = 500): Promise<Schedule[]> {
    return this.#db.select({ data: schedSchedules.data }).from(schedSchedules).limit(limit).all().map((r) => JSON.parse(r.data) as Schedule);
  }

  async createSlot(s: Slot): Promise<void> {
    this.#db.insert(schedSlots).values({ id: s.id, scheduleId: s.scheduleId, start: s.start, end: s.end, status: s.status, createdAt: Date.now() }).run();
  }

  async getSlot(id: string): Promise<Slot | null> { return this.#slot(id); }

  #slot(id: string): Slot | null {
    const r = this.#db.select().from(schedSlots).where(eq(schedSlots.id, id)).get();
    return r ? slotFromRow(r) : null;
  }

  async searchSlots(q: SlotQuery, limit = 500): Promise<Slot[]> {
    return this.#db.select().from(schedSlots).where(slotFilter(q, schedSlots)).orderBy(asc(schedSlots.start)).limit(limit).all().map(slotFromRow);
  }

  async getAppointment(id: string): Promise<VersionedAppointment | null> {
    const r = this.#db.select({ data: schedAppointments.data, version: schedAppointments.version }).from(schedAppointments).where(eq(schedAppointments.id, id)).get();
    return r ? { appointment: openAppointment(this.codec, id, r.data), version: r.version } : null;
  }

  async book(make: (slot: Slot, schedule: Schedule | null) => Appointment, slotId: string): Promise<Appointment> {
    return this.h.raw.transaction((): Appointment => {
      const s = this.#take(slotId);
      const a = make(s, this.#schedule(s.scheduleId));
      this.#db.insert(schedAppointments).values({ id: a.id, ...appointmentColumns(this.codec, a, 1) }).run();
      this.#indexActors(a);
      return a;
    }).immediate();
  }

  async cancel(next: Appointment, expectedVersion: number): Promise<boolean> {
    return this.h.raw.transaction((): boolean => {
      if (!this.#update(next, expectedVersion)) return false;
      this.#setSlot(next.slotId, 'free');
      return true;
    }).immediate();
  }

  async reschedule(current: Appointment, expectedVersion: number, make: (slot: Slot) => Appointment, newSlotId: string): Promise<Appointment> {
    return this.h.raw.transaction((): Appointment => {
      const next = make(this.#take(newSlotId));
      if (!this.#update(next, expectedVersion)) throw new SchedulingError('ERR_SCHED_ILLEGAL_CHANGE', 'the appointment changed concurrently; retry');
      this.#setSlot(current.slotId, 'free');
      return next;
    }).immediate();
  }

  async update(next: Appointment, expectedVersion: number): Promise<boolean> {
    return this.#update(next, expectedVersion);
  }

  async searchAppointments(q: AppointmentQuery): Promise<AppointmentPage> {
    this.#indexLegacy();
    const where = appointmentFilter(q, SEARCH);
    const total = this.#db.select({ n: count() }).from(schedAppointments).where(where).get()?.n ?? 0;
    if (q.count === 0 || q.offset >= total) return { appointments: [], total };
    const rows = this.#db.select({ id: schedAppointments.id, data: schedAppointments.data }).from(schedAppointments).where(where)
      .orderBy(asc(schedAppointments.start), asc(schedAppointments.id)).limit(q.count).offset(q.offset).all();
    return { appointments: rows.map((r) => openAppointment(this.codec, r.id, r.data)), total };
  }

  #indexActors(a: Appointment): void {
    this.#db.insert(schedAppointmentActors).values(appointmentActors(a).map((actor) => ({ appointmentId: a.id, actor }))).onConflictDoNothing().run();
  }

  /** Rows booked before migration 0001 have no start column or participants yet: index them once, in one transaction. */
  #indexLegacy(): void {
    if (this.#indexed) return;
    const legacy = () => this.#db.select({ id: schedAppointments.id, data: schedAppointments.data }).from(schedAppointments).where(isNull(schedAppointments.start)).all();
    if (legacy().length) {
      this.h.raw.transaction(() => {
        for (const r of legacy()) {
          const a = openAppointment(this.codec, r.id, r.data);
          this.#db.update(schedAppointments).set({ start: a.start }).where(eq(schedAppointments.id, a.id)).run();
          this.#indexActors(a);
        }
      }).immediate();
    }
    this.#indexed = true;
  }

  /** The conditional update free -> busy; the slot as taken, or why not. */
  #take(slotId: string): Slot {
    const r = this.#db.update(schedSlots).set({ status: 'busy' }).where(and(eq(schedSlots.id, slotId), eq(schedSlots.status, 'free'))).returning().get();
    if (r) return slotFromRow(r);
    if (!this.#slot(slotId)) throw new SchedulingError('ERR_SCHED_NOT_FOUND', 'no such slot');
    throw new SchedulingError('ERR_SCHED_SLOT_TAKEN', 'the slot is already booked');
  }

  #setSlot(slotId: string, status: SlotStatus): void {
    this.#db.update(schedSlots).set({ status }).where(eq(schedSlots.id, slotId)).run();
  }

  #update(next: Appointment, expectedVersion: number): boolean {
    return this.#db.update(schedAppointments).set(appointmentColumns(this.codec, next, expectedVersion + 1))
      .where(and(eq(schedAppointments.id, next.id), eq(schedAppointments.version, expectedVersion))).run().changes === 1;
  }
}
