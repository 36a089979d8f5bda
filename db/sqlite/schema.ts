/** SQLite schema (drizzle). Migrations in ./migrations are generated from this file with `npm run db:generate`. */
import { sqliteTable, integer, text, blob, index } from 'drizzle-orm/sqlite-core';

/** Append-only log of Yjs updates. `id` orders commits across all documents. */
export const docUpdates = sqliteTable(
  'doc_updates',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    doc: text('doc').notNull(),
    data: blob('data', { mode: 'buffer' }).notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('doc_updates_doc_id').on(t.doc, t.id)],
);

/** One folded state per document; covers every log entry with id <= `throughId`. */
export const docSnapshots = sqliteTable('doc_snapshots', {
  doc: text('doc').primaryKey(),
  data: blob('data', { mode: 'buffer' }).notNull(),
  throughId: integer('through_id').notNull(),
  updatedAt: integer('updated_at').notNull(),
});
