/**
 * Postgres store for scheduling (same contract as db/sqlite/scheduling/repo.ts). Booking,
 * cancelling and rescheduling are each ONE transaction whose first write is the conditional
 * `UPDATE sched_slots SET status = 'busy' WHERE id = $1 AND status = 'free'`: the row lock makes
 * concurrent bookers (on any instance) wait, and each re-checks `status = 'free'` on the committed
 * row, so exactly one wins. Nothing is read and then written on the strength of that read.
 */
import { and, asc, count, eq, isNull } from 'drizzle-orm';
import type { PgDb, PgHandle } from '../connection.ts';
import { schedAppointmentActors, schedAppointments, schedSchedules, schedSlots } from './schema.ts';
import type { Appointment, Schedule, Slot, SlotQuery, SlotStatus } from '../../../server/scheduling/model.ts';
import { SchedulingError } from '../../../server/scheduling/model.ts';
import { PLAIN_CODEC, type TextCodec } from '../../codec.ts';
import type { AppointmentQuery } from '../../../server/scheduling/search.ts';
import {
  appointmentActors, appointmentColumns, appointmentFilter, openAppointment, slotFilter, slotFromRow,
  type AppointmentPage, type SchedulingRepository, type VersionedAppointment,
} from '../../scheduling-repo.ts';

/** The pool or a transaction on it. */
type Db = Omit<PgDb, '$client'>;
const SEARCH = { appointments: schedAppointments, actors: { table: schedAppointmentActors, appointmentId: schedAppointmentActors.appointmentId, actor: schedAppointmentActors.actor } };

export class PgSchedulingRepository implements SchedulingRepository {
  #indexed: Promise<void> | null = null;
  /** `codec` seals appointments (they name the patient): encryption at rest. */
  constructor(private readonly h: PgHandle, private readonly codec: TextCodec = PLAIN_CODEC) {}

  async createSchedule(s: Schedule): Promise<void> {
    await this.h.db.insert(schedSchedules).values({ id: s.id, data: JSON.stringify(s), createdAt: Date.now() });
  }

  getSchedule(id: string): Promise<Schedule | null> { return schedule(this.h.db, id); }

  async listSchedules(limit = 500): Promise<Schedule[]> {
    const rows = await this.h.db.select({ data: schedSchedules.data }).from(schedSchedules).orderBy(asc(schedSchedules.createdAt), asc(schedSchedules.id)).limit(limit);
    return rows.map((r) => JSON.parse(r.data) as Schedule);
  }

  async createSlot(s: Slot): Promise<void> {
    await this.h.db.insert(schedSlots).values({ id: s.id, scheduleId: s.scheduleId, start: s.start, end: s.end, status: s.status, createdAt: Date.now() });
  }

  getSlot(id: string): Promise<Slot | null> { return slot(this.h.db, id); }

  async searchSlots(q: SlotQuery, limit = 500): Promise<Slot[]> {
    const rows = await this.h.db.select().from(schedSlots).where(slotFilter(q, schedSlots)).orderBy(asc(schedSlots.start), asc(schedSlots.id)).limit(limit);
    return rows.map(slotFromRow);
  }

  async getAppointment(id: string): Promise<VersionedAppointment | null> {
    const [r] = await this.h.db.select({ data: schedAppointments.data, version: schedAppointments.version }).from(schedAppointments).where(eq(schedAppointments.id, id));
    return r ? { appointment: openAppointment(this.codec, id, r.data), version: r.version } : null;
  }

  async book(make: (slot: Slot, schedule: Schedule | null) => Appointment, slotId: string): Promise<Appointment> {
    return this.h.db.transaction(async (tx) => {
      const s = await take(tx, slotId);
      const a = make(s, await schedule(tx, s.scheduleId));
      await tx.insert(schedAppointments).values({ id: a.id, ...appointmentColumns(this.codec, a, 1) });
      await indexActors(tx, a);
      return a;
    });
  }

  async cancel(next: Appointment, expectedVersion: number): Promise<boolean> {
    return this.h.db.transaction(async (tx) => {
      if (!(await this.#update(tx, next, expectedVersion))) return false;
      await setSlot(tx, next.slotId, 'free');
      return true;
    });
  }

  async reschedule(current: Appointment, expectedVersion: number, make: (slot: Slot) => Appointment, newSlotId: string): Promise<Appointment> {
    return this.h.db.transaction(async (tx) => {
      const next = make(await take(tx, newSlotId));
      if (!(await this.#update(tx, next, expectedVersion))) throw new SchedulingError('ERR_SCHED_ILLEGAL_CHANGE', 'the appointment changed concurrently; retry');
      await setSlot(tx, current.slotId, 'free');
      return next;
    });
  }

  update(next: Appointment, expectedVersion: number): Promise<boolean> {
    return this.#update(this.h.db, next, expectedVersion);
  }

  async searchAppointments(q: AppointmentQuery): Promise<AppointmentPage> {
    await (this.#indexed ??= this.#indexLegacy().catch((e: unknown) => { this.#indexed = null; throw e; }));
    const where = appointmentFilter(q, SEARCH);
    const [c] = await this.h.db.select({ n: count() }).from(schedAppointments).where(where);
    const total = Number(c?.n ?? 0);
    if (q.count === 0 || q.offset >= total) return { appointments: [], total };
    const rows = await this.h.db.select({ id: schedAppointments.id, data: schedAppointments.data }).from(schedAppointments).where(where)
      .orderBy(asc(schedAppointments.start), asc(schedAppointments.id)).limit(q.count).offset(q.offset);
    return { appointments: rows.map((r) => openAppointment(this.codec, r.id, r.data)), total };
  }

  /**
   * Rows booked before migration 0001 have no start column or participants yet: index them,
   * once per process. Idempotent, so instances doing it at once agree.
   */
  async #indexLegacy(): Promise<void> {
    const rows = await this.h.db.select({ id: schedAppointments.id, data: schedAppointments.data }).from(schedAppointments).where(isNull(schedAppointments.start));
    for (const r of rows) {
      const a = openAppointment(this.codec, r.id, r.data);
      await this.h.db.transaction(async (tx) => {
        await indexActors(tx, a);
        await tx.update(schedAppointments).set({ start: a.start }).where(and(eq(schedAppointments.id, a.id), isNull(schedAppointments.start)));
      });
    }
  }

  async #update(db: Db, next: Appointment, expectedVersion: number): Promise<boolean> {
    const res = await db.update(schedAppointments).set(appointmentColumns(this.codec, next, expectedVersion + 1))
      .where(and(eq(schedAppointments.id, next.id), eq(schedAppointments.version, expectedVersion))).returning({ id: schedAppointments.id });
    return res.length === 1;
  }
}

async function indexActors(db: Db, a: Appointment): Promise<void> {
  await db.insert(schedAppointmentActors).values(appointmentActors(a).map((actor) => ({ appointmentId: a.id, actor }))).onConflictDoNothing();
}

/** The conditional update free -> busy; the slot as taken, or why not. */
async function take(db: Db, slotId: string): Promise<Slot> {
  const [r] = await db.update(schedSlots).set({ status: 'busy' }).where(and(eq(schedSlots.id, slotId), eq(schedSlots.status, 'free'))).returning();
  if (r) return slotFromRow(r);
  if (!(await slot(db, slotId))) throw new SchedulingError('ERR_SCHED_NOT_FOUND', 'no such slot');
  throw new SchedulingError('ERR_SCHED_SLOT_TAKEN', 'the slot is already booked');
}

async function setSlot(db: Db, slotId: string, status: SlotStatus): Promise<void> {
  await db.update(schedSlots).set({ status }).where(eq(schedSlots.id, slotId));
}

async function slot(db: Db, id: string): Promise<Slot | null> {
  const [r] = await db.select().from(schedSlots).where(eq(schedSlots.id, id));
  return r ? slotFromRow(r) : null;
}

async function schedule(db: Db, id: string): Promise<Schedule | null> {
  const [r] = await db.select({ data: schedSchedules.data }).from(schedSchedules).where(eq(schedSchedules.id, id));
  return r ? (JSON.parse(r.data) as Schedule) : null;
}
