/** Scheduling tables (FHIR Schedule / Slot / Appointment). Owned by server/scheduling; own migrations. */
import { sqliteTable, integer, text, index, primaryKey } from 'drizzle-orm/sqlite-core';

/** A bookable calendar (one clinician or service). `data` is the pure-core Schedule as JSON. */
export const schedSchedules = sqliteTable('sched_schedules', {
  id: text('id').primaryKey(),
  data: text('data').notNull(),
  createdAt: integer('created_at').notNull(),
});

/**
 * One bookable period. `status` is `free` or `busy`; booking is a conditional update
 * (`status = 'free'` -> `busy`), so two bookings can never both hold a slot.
 */
export const schedSlots = sqliteTable(
  'sched_slots',
  {
    id: text('id').primaryKey(),
    scheduleId: text('schedule_id').notNull(),
    start: text('start').notNull(),
    end: text('end').notNull(),
    status: text('status').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('sched_slots_schedule_start').on(t.scheduleId, t.start)],
);

/** Appointments: indexed columns for lookups, the whole pure-core Appointment as JSON in `data`. */
export const schedAppointments = sqliteTable(
  'sched_appointments',
  {
    id: text('id').primaryKey(),
    slotId: text('slot_id').notNull(),
    status: text('status').notNull(),
    version: integer('version').notNull(),
    data: text('data').notNull(),
    updatedAt: integer('updated_at').notNull(),
    /** Appointment.start (UTC seconds), for date search; null only on rows booked before 0001 until the repository indexes them. */
    start: text('start'),
  },
  (t) => [index('sched_appointments_slot').on(t.slotId), index('sched_appointments_start').on(t.start)],
);

/**
 * The participants of each appointment as `Type/<id>` (its patient and its schedule's actors), for
 * searches by patient, practitioner or actor. Written once at booking (participants never change
 * afterwards). Ids only, like intake's `patient_id`; names stay in the sealed `data`.
 */
export const schedAppointmentActors = sqliteTable(
  'sched_appointment_actors',
  {
    appointmentId: text('appointment_id').notNull(),
    actor: text('actor').notNull(),
  },
  (t) => [primaryKey({ columns: [t.actor, t.appointmentId] })],
);
