/**
 * Video recordings on Postgres (owned by livekit/), the twin of db/sqlite/livekit/schema.ts: one
 * row per Egress recording and an audit row for every access to a recording record.
 * Migrations in ./migrations: `npx drizzle-kit generate --config db/pg/livekit/drizzle.config.ts`,
 * run from db/pg/connection.ts (PG_MIGRATION_SETS, table `__drizzle_livekit`).
 */
import { bigint, bigserial, boolean, index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';

export const recordings = pgTable(
  'video_recordings',
  {
    id: text('id').primaryKey(),
    visitId: text('visit_id').notNull(),
    egressId: text('egress_id').notNull().unique(),
    room: text('room').notNull(),
    /** active | ending | complete | failed | deleted */
    state: text('state').notNull(),
    audioOnly: boolean('audio_only').notNull(),
    /** Storage location reported by Egress (s3://bucket/key or a URL); null until it ends. */
    location: text('location'),
    sizeBytes: bigint('size_bytes', { mode: 'number' }),
    durationMs: bigint('duration_ms', { mode: 'number' }),
    /** ISO 8601 UTC instants (fixed width, so they compare as text), as on SQLite. */
    startedAt: text('started_at').notNull(),
    endedAt: text('ended_at'),
    /** The patient's state at the visit, which chose the retention period. */
    patientState: text('patient_state').notNull(),
    retainUntil: text('retain_until').notNull(),
    /** User ids allowed to view the recording. */
    viewers: jsonb('viewers').$type<string[]>().notNull(),
    createdBy: text('created_by').notNull(),
    deletedAt: text('deleted_at'),
  },
  (t) => [index('video_recordings_visit').on(t.visitId), index('video_recordings_retain').on(t.retainUntil)],
);

export const recordingAccess = pgTable(
  'video_recording_access',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    recordingId: text('recording_id').notNull(),
    visitId: text('visit_id').notNull(),
    actor: text('actor').notNull(),
    role: text('role').notNull(),
    /** create | list | view | update | delete */
    action: text('action').notNull(),
    at: text('at').notNull(),
  },
  (t) => [index('video_recording_access_recording').on(t.recordingId)],
);
