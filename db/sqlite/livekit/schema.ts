/**
 * Video recordings (owned by livekit/): one row per Egress recording, and an audit row for every
 * access to a recording record (create, list, view, update, delete).
 * Migrations in ./migrations: `npx drizzle-kit generate --config db/sqlite/livekit/drizzle.config.ts`.
 */
import { sqliteTable, integer, text, index } from 'drizzle-orm/sqlite-core';

export const recordings = sqliteTable(
  'video_recordings',
  {
    id: text('id').primaryKey(),
    visitId: text('visit_id').notNull(),
    egressId: text('egress_id').notNull().unique(),
    room: text('room').notNull(),
    /** active | ending | complete | failed | deleted */
    state: text('state').notNull(),
    audioOnly: integer('audio_only', { mode: 'boolean' }).notNull(),
    /** Storage location reported by Egress (s3://bucket/key or a URL); null until it ends. */
    location: text('location'),
    sizeBytes: integer('size_bytes'),
    durationMs: integer('duration_ms'),
    startedAt: text('started_at').notNull(),
    endedAt: text('ended_at'),
    /** The patient's state at the visit, which chose the retention period. */
    patientState: text('patient_state').notNull(),
    retainUntil: text('retain_until').notNull(),
    /** JSON array of user ids allowed to view the recording. */
    viewers: text('viewers').notNull(),
    createdBy: text('created_by').notNull(),
    deletedAt: text('deleted_at'),
  },
  (t) => [index('video_recordings_visit').on(t.visitId), index('video_recordings_retain').on(t.retainUntil)],
);

export const recordingAccess = sqliteTable(
  'video_recording_access',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
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
