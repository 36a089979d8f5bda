/**
 * SQLite document store. better-sqlite3 is synchronous, so `append` is durable when it returns:
 * the whole batch is one transaction (one WAL sync for many updates).
 */
import { and, asc, count, eq, gt, lte, sql } from 'drizzle-orm';
import type { AppendEntry, CompactResult, DocumentStore, StoredDocument } from '../store.ts';
import { foldUpdates } from '../fold.ts';
import { docSnapshots, docUpdates } from './schema.ts';
import type { SqliteHandle } from './connection.ts';
import { PLAIN_CODEC, type BytesCodec } from '../codec.ts';

const toBytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
const toBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

export class SqliteDocumentStore implements DocumentStore {
  readonly kind = 'sqlite' as const;
  readonly #h: SqliteHandle;
  readonly #insert;
  readonly #appendBatch: (entries: readonly AppendEntry[]) => void;
  /** Seals updates and snapshots before they are written (encryption at rest); plain by default. */
  readonly #codec: BytesCodec;

  constructor(handle: SqliteHandle, codec: BytesCodec = PLAIN_CODEC) {
    this.#h = handle;
    this.#codec = codec;
    const { db } = handle;
    this.#insert = db
      .insert(docUpdates)
      .values({ doc: sql.placeholder('doc'), data: sql.placeholder('data'), createdAt: sql.placeholder('createdAt') })
      .prepare();
    this.#appendBatch = handle.raw.transaction((entries: readonly AppendEntry[]) => {
      const now = Date.now();
      for (const e of entries) {
        this.#insert.run({ doc: e.doc, data: toBuffer(this.#codec.seal(`doc:${e.doc}`, e.update)), createdAt: now });
      }
    });
  }

  #read(doc: string): { snapshot: Uint8Array | null; throughId: number; rows: { id: number; data: Uint8Array }[] } {
    const { db } = this.#h;
    const snap = db.select().from(docSnapshots).where(eq(docSnapshots.doc, doc)).get();
    const throughId = snap?.throughId ?? 0;
    const rows = db
      .select({ id: docUpdates.id, data: docUpdates.data })
      .from(docUpdates)
      .where(and(eq(docUpdates.doc, doc), gt(docUpdates.id, throughId)))
      .orderBy(asc(docUpdates.id))
      .all();
    const open = (b: Buffer) => this.#codec.open(`doc:${doc}`, toBytes(b));
    return { snapshot: snap ? open(snap.data) : null, throughId, rows: rows.map((r) => ({ id: r.id, data: open(r.data) })) };
  }

  async load(doc: string): Promise<StoredDocument> {
    // One read transaction so the snapshot and the tail are consistent with each other.
    const r = this.#h.raw.transaction(() => this.#read(doc))();
    return { snapshot: r.snapshot, updates: r.rows.map((x) => x.data) };
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
      const folded = foldUpdates(r.snapshot, r.rows.map((x) => x.data));
      const data = toBuffer(this.#codec.seal(`doc:${doc}`, folded));
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
