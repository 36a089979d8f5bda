/**
 * Postgres document store. Several instances append to one document at once, and `bigserial`
 * ids are handed out before commit, so a compaction could fold "all ids up to N" while a lower
 * id is still uncommitted. Appends therefore hold a shared per-document advisory lock and
 * compaction an exclusive one: compaction sees every append that started before it.
 */
import { and, asc, count, eq, gt, lte, sql } from 'drizzle-orm';
import type { AppendEntry, CompactResult, DocumentStore, StoredDocument } from '../store.ts';
import { foldUpdates } from '../fold.ts';
import { docSnapshots, docUpdates } from './schema.ts';
import type { PgDb, PgHandle } from './connection.ts';
import { PLAIN_CODEC, type BytesCodec } from '../codec.ts';

const lockKey = (doc: string) => sql`hashtextextended(${doc}, 0)`;

export class PgDocumentStore implements DocumentStore {
  readonly kind = 'postgres' as const;
  /** `codec` seals updates and snapshots before they are written (encryption at rest). */
  constructor(private readonly h: PgHandle, private readonly codec: BytesCodec = PLAIN_CODEC) {}

  async #read(tx: PgDb, doc: string) {
    const [snap] = await tx.select().from(docSnapshots).where(eq(docSnapshots.doc, doc));
    const throughId = snap?.throughId ?? 0;
    const rows = await tx.select({ id: docUpdates.id, data: docUpdates.data }).from(docUpdates)
      .where(and(eq(docUpdates.doc, doc), gt(docUpdates.id, throughId))).orderBy(asc(docUpdates.id));
    const open = (b: Uint8Array) => this.codec.open(`doc:${doc}`, b);
    return { snapshot: snap ? open(snap.data) : null, rows: rows.map((r) => ({ id: r.id, data: open(r.data) })) };
  }

  async load(doc: string): Promise<StoredDocument> {
    return this.h.db.transaction(async (tx) => {
      const r = await this.#read(tx as unknown as PgDb, doc);
      return { snapshot: r.snapshot ? r.snapshot.slice() : null, updates: r.rows.map((x) => x.data.slice()) };
    }, { isolationLevel: 'repeatable read', accessMode: 'read only' });
  }

  async append(entries: readonly AppendEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const now = Date.now();
    const rows = entries.map((e) => {
      if (!(e.update instanceof Uint8Array)) throw new TypeError('update must be a Uint8Array');
      return { doc: e.doc, data: this.codec.seal(`doc:${e.doc}`, e.update.slice()), createdAt: now };
    });
    const docs = [...new Set(rows.map((r) => r.doc))].sort();
    await this.h.db.transaction(async (tx) => {
      for (const d of docs) await tx.execute(sql`select pg_advisory_xact_lock_shared(${lockKey(d)})`);
      await tx.insert(docUpdates).values(rows);
    });
  }

  async compact(doc: string): Promise<CompactResult> {
    return this.h.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${lockKey(doc)})`);
      const r = await this.#read(tx as unknown as PgDb, doc);
      if (r.rows.length === 0) return { before: 0, after: 0 };
      const lastId = r.rows[r.rows.length - 1]!.id;
      const data = this.codec.seal(`doc:${doc}`, foldUpdates(r.snapshot, r.rows.map((x) => x.data)));
      const now = Date.now();
      await tx.insert(docSnapshots).values({ doc, data, throughId: lastId, updatedAt: now })
        .onConflictDoUpdate({ target: docSnapshots.doc, set: { data, throughId: lastId, updatedAt: now } });
      await tx.delete(docUpdates).where(and(eq(docUpdates.doc, doc), lte(docUpdates.id, lastId)));
      return { before: r.rows.length, after: 0 };
    });
  }

  async logLength(doc: string): Promise<number> {
    const [snap] = await this.h.db.select({ t: docSnapshots.throughId }).from(docSnapshots).where(eq(docSnapshots.doc, doc));
    const [row] = await this.h.db.select({ n: count() }).from(docUpdates).where(and(eq(docUpdates.doc, doc), gt(docUpdates.id, snap?.t ?? 0)));
    return row?.n ?? 0;
  }

  async close(): Promise<void> {
    // The handle is shared; its owner closes it.
  }
}
