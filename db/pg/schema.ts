/** Postgres schema (drizzle pg-core), the twin of db/sqlite/schema.ts. pg-core has no bytea builder: see `bytea`. */
import { bigint, bigserial, customType, index, integer, pgTable, text } from 'drizzle-orm/pg-core';

export const bytea = customType<{ data: Uint8Array; driverData: Buffer }>({
  dataType: () => 'bytea',
  toDriver: (v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength),
  fromDriver: (v) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength),
});

export const docUpdates = pgTable(
  'doc_updates',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    doc: text('doc').notNull(),
    data: bytea('data').notNull(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  },
  (t) => [index('doc_updates_doc_id').on(t.doc, t.id)],
);

export const docSnapshots = pgTable('doc_snapshots', {
  doc: text('doc').primaryKey(),
  data: bytea('data').notNull(),
  throughId: bigint('through_id', { mode: 'number' }).notNull(),
  updatedAt: bigint('updated_at', { mode: 'number' }).notNull(),
});

export const visits = pgTable(
  'visits',
  {
    id: text('id').primaryKey(),
    status: text('status').notNull(),
    version: integer('version').notNull(),
    scheduledStart: text('scheduled_start').notNull(),
    data: text('data').notNull(),
    updatedAt: bigint('updated_at', { mode: 'number' }).notNull(),
  },
  (t) => [index('visits_status').on(t.status), index('visits_scheduled_start').on(t.scheduledStart)],
);

export const visitRecords = pgTable('visit_records', {
  visitId: text('visit_id').primaryKey(),
  data: text('data').notNull(),
  createdAt: bigint('created_at', { mode: 'number' }).notNull(),
});

export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    visitId: text('visit_id').notNull(),
    kind: text('kind').notNull(),
    payload: text('payload').notNull(),
    status: text('status').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: bigint('next_attempt_at', { mode: 'number' }).notNull(),
    lastError: text('last_error'),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  },
  (t) => [index('outbox_status_next').on(t.status, t.nextAttemptAt)],
);

export const invites = pgTable(
  'invites',
  {
    id: text('id').primaryKey(),
    visitId: text('visit_id').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    version: integer('version').notNull(),
    data: text('data').notNull(),
  },
  (t) => [index('invites_visit').on(t.visitId)],
);
