/**
 * SQLite document store. better-sqlite3 is synchronous, so `append` is durable when it returns:
 * the whole batch is one transaction (one WAL sync for many updates).
 */
import { and, asc, count, eq, gt, lte, sql } from 'drizzle-orm';
import type { AppendEntry, CompactResult, DocumentStore, StoredDocument } from '../store.ts';
import { foldUpdates } from '../fold.ts';
import { docSnapshots, docUpdates } from './schema.ts';
import type { SqliteHandle } from './connection.ts';

const toBytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

export class SqliteDocumentStore implements DocumentStore {
  readonly kind = 'sqlite' as const;
  readonly #h: SqliteHandle;
  readonly #insert;
  readonly #appendBatch: (entries: readonly AppendEntry[]) => void;

  constructor(handle: SqliteHandle) {
    this.#h = handle;
    const { db } = handle;
    this.#insert = db
      .insert(docUpdates)
      .values({ doc: sql.placeholder('doc'), data: sql.placeholder('data'), createdAt: sql.placeholder('createdAt') })
      .prepare();
    this.#appendBatch = handle.raw.transaction((entries: readonly AppendEntry[]) => {
      const now = Date.now();
      for (const e of entries) {
        this.#insert.run({ doc: e.doc, data: Buffer.from(e.update.buffer, e.update.byteOffset, e.update.byteLength), createdAt: now });
      }
    });
  }

  #read(doc: string): { snapshot: Uint8Array | null; throughId: number; rows: { id: number; data: Buffer }[] } {
    const { db } = this.#h;
    const snap = db.select().from(docSnapshots).where(eq(docSnapshots.doc, doc)).get();
    const throughId = snap?.throughId ?? 0;
    const rows = db
      .select({ id: docUpdates.id, data: docUpdates.data })
      .from(docUpdates)
      .where(and(eq(docUpdates.doc, doc), gt(docUpdates.id, throughId)))
      .orderBy(asc(docUpdates.id))
      .all();
    return { snapshot: snap ? toBytes(snap.data) : null, throughId, rows };
  }

  async load(doc: string): Promise<StoredDocument> {
    // One read transaction so the snapshot and the tail are consistent with each other.
    const r = this.#h.raw.transaction(() => this.#read(doc))();
    return { snapshot: r.snapshot, updates: r.rows.map((x) => toBytes(x.data)) };
  }

  async append(entries: readonly AppendEntry[]): Promise<void> {
    if (entries.length === 0) return;
    this.#appendBatch(entries);
  }

  async compact(doc: string): Promise<CompactResult> {
    const { db, raw } = this.#h;
    return raw.transaction((): CompactResult => {
      const r = this.#read(doc);
      const before = r.rows.length;
      if (before === 0) return { before: 0, after: 0 };
      const lastId = r.rows[r.rows.length - 1]!.id;
      const folded = foldUpdates(r.snapshot, r.rows.map((x) => toBytes(x.data)));
      const data = Buffer.from(folded.buffer, folded.byteOffset, folded.byteLength);
      const now = Date.now();
      db.insert(docSnapshots)
        .values({ doc, data, throughId: lastId, updatedAt: now })
        .onConflictDoUpdate({ target: docSnapshots.doc, set: { data, throughId: lastId, updatedAt: now } })
        .run();
      db.delete(docUpdates).where(and(eq(docUpdates.doc, doc), lte(docUpdates.id, lastId))).run();
      return { before, after: 0 };
    }).immediate();
  }

  async logLength(doc: string): Promise<number> {
    const snap = this.#h.db.select({ t: docSnapshots.throughId }).from(docSnapshots).where(eq(docSnapshots.doc, doc)).get();
    const row = this.#h.db
      .select({ n: count() })
      .from(docUpdates)
      .where(and(eq(docUpdates.doc, doc), gt(docUpdates.id, snap?.t ?? 0)))
      .get();
    return row?.n ?? 0;
  }

  async close(): Promise<void> {
    // The handle is shared with other stores; its owner closes it.
  }
}
