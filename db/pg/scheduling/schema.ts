/** Scheduling tables on Postgres, the twin of db/sqlite/scheduling/schema.ts. Own migrations (`__drizzle_scheduling`). */
import { bigint, index, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';

/** A bookable calendar (one clinician or service). `data` is the pure-core Schedule as JSON. */
export const schedSchedules = pgTable('sched_schedules', {
  id: text('id').primaryKey(),
  data: text('data').notNull(),
  createdAt: bigint('created_at', { mode: 'number' }).notNull(),
});

/** One bookable period; `status` is `free` or `busy`, and booking is the conditional update free -> busy. */
export const schedSlots = pgTable(
  'sched_slots',
  {
    id: text('id').primaryKey(),
    scheduleId: text('schedule_id').notNull(),
    start: text('start').notNull(),
    end: text('end').notNull(),
    status: text('status').notNull(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  },
  (t) => [index('sched_slots_schedule_start').on(t.scheduleId, t.start)],
);

/** Appointments: indexed columns for lookups, the whole Appointment as sealed JSON in `data` (PHI). */
export const schedAppointments = pgTable(
  'sched_appointments',
  {
    id: text('id').primaryKey(),
    slotId: text('slot_id').notNull(),
    status: text('status').notNull(),
    version: integer('version').notNull(),
    data: text('data').notNull(),
    updatedAt: bigint('updated_at', { mode: 'number' }).notNull(),
    /** Appointment.start (UTC seconds), for date search; null only on rows booked before 0001 until the repository indexes them. */
    start: text('start'),
  },
  (t) => [index('sched_appointments_slot').on(t.slotId), index('sched_appointments_start').on(t.start)],
);

/** The participants of each appointment as `Type/<id>`, for search (the twin of the SQLite table; ids only). */
export const schedAppointmentActors = pgTable(
  'sched_appointment_actors',
  {
    appointmentId: text('appointment_id').notNull(),
    actor: text('actor').notNull(),
  },
  (t) => [primaryKey({ columns: [t.actor, t.appointmentId] })],
);
