/** SQLite schema (drizzle). Migrations in ./migrations are generated from this file with `npm run db:generate`. */
import { sqliteTable, integer, text, blob, index } from 'drizzle-orm/sqlite-core';

/**
 * Append-only log of Yjs updates. `id` orders commits across all documents. No index by
 * document: a commit then writes a few consecutive pages instead of one index page per document
 * it touches. `docHeads` says where each document's unfolded entries lie (see document-worker.ts).
 */
export const docUpdates = sqliteTable('doc_updates', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  doc: text('doc').notNull(),
  data: blob('data', { mode: 'buffer' }).notNull(),
  createdAt: integer('created_at').notNull(),
});

/**
 * One row per document that has log entries not yet folded into its snapshot: the first and
 * last such entry, and how many there are (`entries`, kept by every append and fold, so folding
 * need not count them by a scan). A document's entries are found by scanning ids
 * firstId..lastId; entries below every document's firstId are folded into snapshots and may be
 * deleted.
 */
export const docHeads = sqliteTable(
  'doc_heads',
  {
    doc: text('doc').primaryKey(),
    firstId: integer('first_id').notNull(),
    lastId: integer('last_id').notNull(),
    entries: integer('entries').notNull().default(0),
  },
  (t) => [index('doc_heads_first_id').on(t.firstId)],
);

/** One folded state per document; covers every log entry with id <= `throughId`. */
export const docSnapshots = sqliteTable('doc_snapshots', {
  doc: text('doc').primaryKey(),
  data: blob('data', { mode: 'buffer' }).notNull(),
  throughId: integer('through_id').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/** Visits: indexed columns for queries, the whole pure-core `Visit` as JSON in `data`. */
export const visits = sqliteTable(
  'visits',
  {
    id: text('id').primaryKey(),
    status: text('status').notNull(),
    version: integer('version').notNull(),
    scheduledStart: text('scheduled_start').notNull(),
    data: text('data').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('visits_status').on(t.status), index('visits_scheduled_start').on(t.scheduledStart)],
);

/** What a visit's close produced. One row per visit: the primary key makes "exactly once" a constraint. */
export const visitRecords = sqliteTable('visit_records', {
  visitId: text('visit_id').primaryKey(),
  /** JSON: { bundles: FHIR transaction Bundle per patient, billing: decision or pending } */
  data: text('data').notNull(),
  createdAt: integer('created_at').notNull(),
});

/** Deliveries waiting to go to an EHR (write-back). */
export const outbox = sqliteTable(
  'outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    visitId: text('visit_id').notNull(),
    kind: text('kind').notNull(),
    payload: text('payload').notNull(),
    status: text('status').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    lastError: text('last_error'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('outbox_status_next').on(t.status, t.nextAttemptAt)],
);

/** Invites for interpreters and caregivers; only hashes of the link token and code are stored. */
export const invites = sqliteTable(
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
