/**
 * SQLite document store. The SQL runs on an I/O thread (document-worker.ts) with its own
 * connection, so a batch's commit and WAL sync happen while the main event loop keeps reading,
 * applying and broadcasting: `append` resolves once the batch is durable, and the hub shows
 * nothing before that. Sealing and opening (encryption at rest) and Yjs folding stay here, so the
 * I/O thread never holds keys or plaintext.
 */
import { Worker } from 'node:worker_threads';
import type { AppendEntry, CompactResult, DocumentStore, StoredDocument } from '../store.ts';
import { foldUpdates } from '../fold.ts';
import type { SqliteHandle } from './connection.ts';
import { PLAIN_CODEC, type BytesCodec } from '../codec.ts';
import type { StoredRows, WorkerInit, WorkerReply, WorkerRequest } from './document-worker.ts';

/**
 * Worker threads do not inherit the main thread's TypeScript loader: the thread registers tsx
 * itself, then loads the worker module.
 */
const WORKER_BOOT = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(new URL('./document-worker.ts', import.meta.url).href)}); })`;

/** The checkpointer thread: plain JavaScript, no TypeScript loader (see checkpointer.cjs). */
const CHECKPOINTER = new URL('./checkpointer.cjs', import.meta.url);

/** How often the checkpointer folds the WAL back into the database file. */
const CHECKPOINT_EVERY_MS = 250;

type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** The I/O thread failed or was closed. */
export class StoreWorkerError extends Error {
  override readonly name = 'StoreWorkerError';
  constructor(message: string, readonly code?: string) { super(message); }
}

export class SqliteDocumentStore implements DocumentStore {
  readonly kind = 'sqlite' as const;
  /** The I/O thread handles requests in arrival order and commits queued appends together. */
  readonly appendDepth = 8;
  readonly #codec: BytesCodec;
  readonly #init: WorkerInit;
  #worker: Worker | null = null;
  #checkpointer: Worker | null = null;
  readonly #handle: SqliteHandle;
  #nextId = 1;
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  #closed = false;
  #transactions = 0;

  /** `handle` must be open on a file (its migrations have run); the store opens its own connection to it. */
  constructor(handle: SqliteHandle, codec: BytesCodec = PLAIN_CODEC) {
    if (handle.raw.memory) throw new TypeError('the SQLite document store needs a database file, not :memory:');
    this.#codec = codec;
    const sync = handle.raw.pragma('synchronous', { simple: true }) as number;
    this.#init = { file: handle.raw.name, synchronous: sync >= 2 ? 'FULL' : 'NORMAL' };
    this.#handle = handle;
  }

  #call<T>(req: Request): Promise<T> {
    if (this.#closed) return Promise.reject(new StoreWorkerError('the document store is closed', 'ERR_STORE_CLOSED'));
    const w = this.#worker ?? this.#start();
    const id = this.#nextId++;
    if (this.#pending.size === 0) w.ref();
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      w.postMessage({ ...req, id });
    });
  }

  #start(): Worker {
    this.#startCheckpointer();
    const w = new Worker(WORKER_BOOT, { eval: true, workerData: this.#init });
    w.on('message', (r: WorkerReply) => {
      const p = this.#pending.get(r.id);
      if (!p) return;
      this.#pending.delete(r.id);
      if (this.#pending.size === 0) w.unref();
      if (r.ok) p.resolve(r.value);
      else p.reject(new StoreWorkerError(r.error.message, r.error.code ?? r.error.name));
    });
    // A dead I/O thread fails what it held; the next call starts a new one.
    const fail = (why: string) => {
      if (this.#worker === w) this.#worker = null;
      for (const p of this.#pending.values()) p.reject(new StoreWorkerError(why, 'ERR_STORE_WORKER'));
      this.#pending.clear();
    };
    w.on('error', (e) => fail(`document store thread failed: ${e.name}: ${e.message}`));
    w.on('exit', () => fail('document store thread exited'));
    w.unref();
    this.#worker = w;
    return w;
  }

  /**
   * The file's checkpoints move to a thread of their own (see checkpointer.cjs); the main
   * thread's connection stops checkpointing, so it never copies the WAL on the event loop. Should
   * the thread die, the main connection checkpoints again until the next one starts.
   */
  #startCheckpointer(): void {
    if (this.#checkpointer) return;
    const c = new Worker(CHECKPOINTER, { workerData: { ...this.#init, everyMs: CHECKPOINT_EVERY_MS }, execArgv: [] });
    c.unref();
    c.on('error', () => {});
    c.on('exit', () => {
      if (this.#checkpointer !== c) return;
      this.#checkpointer = null;
      if (this.#handle.raw.open) this.#handle.raw.pragma('wal_autocheckpoint = 1000');
    });
    this.#handle.raw.pragma('wal_autocheckpoint = 0');
    this.#checkpointer = c;
  }

  /** Starts the I/O thread and waits until its connection is open (so the first request pays nothing). */
  async ready(): Promise<void> {
    await this.#call({ op: 'logLength', doc: '' });
  }

  async #read(doc: string): Promise<{ snapshot: Uint8Array | null; throughId: number; rows: { id: number; data: Uint8Array }[] }> {
    const r = await this.#call<StoredRows>({ op: 'read', doc });
    const open = (b: Uint8Array) => this.#codec.open(`doc:${doc}`, b);
    return { snapshot: r.snapshot ? open(r.snapshot) : null, throughId: r.throughId, rows: r.rows.map((x) => ({ id: x.id, data: open(x.data) })) };
  }

  async load(doc: string): Promise<StoredDocument> {
    const r = await this.#read(doc);
    return { snapshot: r.snapshot, updates: r.rows.map((x) => x.data) };
  }

  async append(entries: readonly AppendEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const r = await this.#call<{ joined: number }>({ op: 'append', docs: entries.map((e) => e.doc), data: entries.map((e) => this.#codec.seal(`doc:${e.doc}`, e.update)) });
    if (r.joined === 0) this.#transactions++;
  }

  /** Transactions that committed appends (appends handed over together share one). */
  get appendTransactions(): number {
    return this.#transactions;
  }

  async compact(doc: string): Promise<CompactResult> {
    const r = await this.#read(doc);
    if (r.rows.length === 0) return { before: 0, after: 0 };
    const throughId = r.rows[r.rows.length - 1]!.id;
    const data = this.#codec.seal(`doc:${doc}`, foldUpdates(r.snapshot, r.rows.map((x) => x.data)));
    const done = await this.#call<{ before: number }>({ op: 'snapshot', doc, data, throughId });
    return { before: done.before, after: await this.logLength(doc) };
  }

  async replaceSnapshot(doc: string, state: Uint8Array): Promise<CompactResult> {
    const done = await this.#call<{ before: number }>({ op: 'snapshot', doc, data: this.#codec.seal(`doc:${doc}`, state), throughId: null });
    return { before: done.before, after: 0 };
  }

  async logLength(doc: string): Promise<number> {
    return this.#call<number>({ op: 'logLength', doc });
  }

  async oldestUnfolded(): Promise<{ doc: string; behind: number } | null> {
    return this.#call<{ doc: string; behind: number } | null>({ op: 'oldest' });
  }

  /** Finishes what was asked, then closes the I/O thread's connection. */
  async close(): Promise<void> {
    const c = this.#checkpointer;
    this.#checkpointer = null;
    await c?.terminate();
    if (this.#handle.raw.open) this.#handle.raw.pragma('wal_autocheckpoint = 1000');
    if (this.#closed || !this.#worker) { this.#closed = true; return; }
    const w = this.#worker;
    await this.#call({ op: 'close' });
    this.#closed = true;
    await w.terminate();
  }
}
