/** In-memory document store: for tests and for running without a disk. Same contract as the others. */
import type { AppendEntry, CompactResult, DocumentStore, StoredDocument } from './store.ts';
import { foldUpdates } from './fold.ts';

interface Entry { snapshot: Uint8Array | null; log: Uint8Array[] }

export class MemoryStore implements DocumentStore {
  readonly kind = 'memory' as const;
  readonly #docs = new Map<string, Entry>();
  #closed = false;

  #entry(doc: string): Entry {
    let e = this.#docs.get(doc);
    if (!e) this.#docs.set(doc, (e = { snapshot: null, log: [] }));
    return e;
  }

  #check(): void {
    if (this.#closed) throw new Error('store is closed');
  }

  async load(doc: string): Promise<StoredDocument> {
    this.#check();
    const e = this.#docs.get(doc);
    return { snapshot: e?.snapshot?.slice() ?? null, updates: e ? e.log.map((u) => u.slice()) : [] };
  }

  async append(entries: readonly AppendEntry[]): Promise<void> {
    this.#check();
    // Copy first so a failure part-way cannot leave a partial batch.
    const copies = entries.map((x) => ({ doc: x.doc, update: x.update.slice() }));
    for (const x of copies) this.#entry(x.doc).log.push(x.update);
  }

  async compact(doc: string): Promise<CompactResult> {
    this.#check();
    const e = this.#docs.get(doc);
    if (!e || e.log.length === 0) return { before: e?.log.length ?? 0, after: 0 };
    const before = e.log.length;
    e.snapshot = foldUpdates(e.snapshot, e.log);
    e.log = [];
    return { before, after: 0 };
  }

  async logLength(doc: string): Promise<number> {
    this.#check();
    return this.#docs.get(doc)?.log.length ?? 0;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}
