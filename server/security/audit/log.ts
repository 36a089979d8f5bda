/**
 * The audit log on either backend (the instance's SQLite file, or Postgres shared by every
 * instance): batched, chained appends; paged verification and export. There is no purge: the
 * table's triggers refuse deletes of entries younger than six years, and nothing here deletes.
 *
 * Durability contract
 * - `append(e)` resolves once the entry is committed, and with it every entry queued before it
 *   in this process (batches commit in queue order). It rejects with `AuditWriteError` when the
 *   batch could not be committed; the entry is then NOT retried: the caller surfaces the failure
 *   (the HTTP guard withholds a successful answer, see guard.ts). Handlers that disclose PHI
 *   await it before answering.
 * - `record(e)` is fire-and-forget (sync-hub events, sign-in bookkeeping): the entry joins the
 *   batch of the current tick. A failed batch is logged (error name, code and counts; never the
 *   entries) and its `record` entries go back to the head of the queue, retried with backoff
 *   until they commit. `close()` tries to write what is left and logs how many it could not.
 * - Entries queued in the same tick (and while a commit is in flight) share one transaction:
 *   one chain lock, one commit.
 *
 * Bounded, and fail closed
 * - At most `maxQueue` entries (ROUNDS_AUDIT_QUEUE_MAX) wait in memory, queued or in flight.
 * - The log is *unavailable* while the store is failing (the last batch or probe failed), while a
 *   batch has been in flight longer than `stallMs` (a store that hangs), and from the moment the
 *   queue reaches the cap until it is back down to half of it. While unavailable, `append`
 *   rejects at once with AuditWriteError, so callers refuse PHI access (ERR_AUDIT_UNAVAILABLE)
 *   instead of serving it unaudited; `onAvailability` listeners are told (the sync layer closes
 *   its connections), and `health()` says why.
 * - `record` still queues while there is room. An entry that finds the queue full is counted,
 *   not kept (memory stays bounded). Nothing already queued is ever dropped: it is retried, in
 *   order, until it commits, so the chain continues intact.
 * - The outage is in the chain itself: becoming unavailable queues an `audit.unavailable` entry
 *   (detail: the reason), and becoming available again with entries dropped queues an
 *   `audit.dropped` entry (detail: how many). The first one is also what the log retries when
 *   nothing else is queued, so it finds out by itself (with a real write) that the store is back.
 */
import type { AuditEntry, AuditEvent, VerifyResult } from './chain.ts';
import { verifyChain } from './chain.ts';
import type { AuditBackend, TimeRange } from './backend.ts';
import { csvLine, CSV_COLUMNS, type ExportFormat } from './export.ts';

export type { TimeRange } from './backend.ts';
export { CSV_COLUMNS, type ExportFormat } from './export.ts';

export interface Audit {
  /** Queues an entry; never throws. See the durability contract above. */
  record(e: AuditEvent): void;
  /** Queues an entry and resolves when it is committed; rejects with AuditWriteError if it is not. */
  append(e: AuditEvent): Promise<AuditEntry>;
}

export class AuditWriteError extends Error {
  override readonly name = 'AuditWriteError';
  readonly code = 'ERR_AUDIT_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) { super(message, options); }
}

/** Only what may be logged: no entries, no PHI. */
export interface AuditLogger { error(obj: object, msg: string): void; info?(obj: object, msg: string): void }

/** Entries held in memory by default (ROUNDS_AUDIT_QUEUE_MAX): a few MB, far above a healthy store's depth. */
export const DEFAULT_AUDIT_QUEUE_MAX = 10_000;

export type AuditUnavailableReason = 'store-failing' | 'store-stalled' | 'queue-full';

/** What /healthz reports about the log. */
export interface AuditHealth {
  available: boolean;
  /** Why it is unavailable; null when available. */
  reason: AuditUnavailableReason | null;
  /** Entries not yet committed (queued and in flight). */
  pending: number;
  maxQueue: number;
  /** Entries not kept because the queue was full, since the last `audit.dropped` entry. */
  dropped: number;
}

export interface AuditLogOptions {
  logger?: AuditLogger;
  /** Most entries per transaction. */
  maxBatch?: number;
  /** Backoff of retries after a failed batch: first and longest wait. */
  retryMs?: { min: number; max: number };
  /** Most entries held in memory, uncommitted (see "Bounded, and fail closed"). */
  maxQueue?: number;
  /** A batch in flight for longer than this makes the log unavailable until it ends. */
  stallMs?: number;
  /** Clock of the `audit.dropped` entry. */
  now?: () => Date;
}

interface Pending { ev: AuditEvent; resolve?: (e: AuditEntry) => void; reject?: (err: unknown) => void }

const PAGE = 5000;
const stderrLogger: AuditLogger = { error: (obj, msg) => process.stderr.write(`${JSON.stringify({ level: 'error', ...obj, msg })}\n`) };

/** The error's name and code, never its message (a driver's message can quote values). */
export const errorTag = (e: unknown) => ({ err: (e as Error)?.name ?? 'Error', code: (e as { code?: unknown })?.code ?? null });

export class AuditLog implements Audit {
  readonly #b: AuditBackend;
  readonly #log: AuditLogger;
  readonly #maxBatch: number;
  readonly #retry: { min: number; max: number };
  readonly #maxQueue: number;
  readonly #stallMs: number;
  readonly #now: () => Date;
  #queue: Pending[] = [];
  #inFlight = 0;
  #running: Promise<boolean> | null = null;
  #cancel: (() => void) | null = null;
  #failures = 0;
  #stalled = false;
  #full = false;
  #dropped = 0;
  #available = true;
  #closed = false;
  readonly #listeners: ((available: boolean) => void)[] = [];

  constructor(backend: AuditBackend, o: AuditLogOptions = {}) {
    this.#b = backend;
    this.#log = o.logger ?? stderrLogger;
    this.#maxBatch = o.maxBatch ?? 500;
    this.#retry = o.retryMs ?? { min: 100, max: 5000 };
    this.#maxQueue = o.maxQueue ?? DEFAULT_AUDIT_QUEUE_MAX;
    this.#stallMs = o.stallMs ?? 10_000;
    this.#now = o.now ?? (() => new Date());
    if (!Number.isInteger(this.#maxQueue) || this.#maxQueue < 1) throw new TypeError('maxQueue must be a positive integer');
  }

  get kind(): AuditBackend['kind'] { return this.#b.kind; }
  /** Entries not yet committed (queued and in flight). */
  get pending(): number { return this.#queue.length + this.#inFlight; }
  /** False while PHI access must be refused (see "Bounded, and fail closed"). */
  get available(): boolean { return this.#available; }

  health(): AuditHealth {
    return { available: this.#available, reason: this.#reason(), pending: this.pending, maxQueue: this.#maxQueue, dropped: this.#dropped };
  }

  /** Called with the current state after every change between available and unavailable. */
  onAvailability(listener: (available: boolean) => void): void {
    this.#listeners.push(listener);
  }

  record(e: AuditEvent): void {
    if (this.pending >= this.#maxQueue) {
      if (this.#dropped++ === 0) this.#log.error({ maxQueue: this.#maxQueue }, 'audit queue full: further entries are counted, not kept, until the store catches up');
      return;
    }
    this.#queue.push({ ev: e });
    this.#update();
    this.#schedule(0);
  }

  append(e: AuditEvent): Promise<AuditEntry> {
    if (!this.#available) return Promise.reject(new AuditWriteError(`the audit log is unavailable (${this.#reason()}); nothing was recorded`));
    return new Promise((resolve, reject) => {
      this.#queue.push({ ev: e, resolve, reject });
      this.#update();
      this.#schedule(0);
    });
  }

  /** Commits everything queued now; rejects with AuditWriteError if entries remain unwritten. */
  async flush(): Promise<void> {
    this.#unschedule();
    while (this.#running) { await this.#running; this.#unschedule(); }
    if (this.#queue.length && !(await this.#start())) throw new AuditWriteError(`${this.#queue.length} audit entries are not written yet`);
  }

  /** Writes what is queued (retrying until `timeoutMs`), then stops retrying; logs what is left. */
  async close(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try { await this.flush(); this.#closed = true; return; } catch { /* logged by the batch */ }
      if (Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, Math.min(this.#retry.min, Math.max(0, deadline - Date.now()))));
    }
    this.#unschedule();
    this.#closed = true;
    this.#log.error({ entries: this.#queue.length, dropped: this.#dropped }, 'audit entries LOST at shutdown: the store did not accept them');
  }

  /** Committed entries in sequence order (entries queued by this process are written first). */
  async *entries(range: TimeRange = {}): AsyncGenerator<AuditEntry> {
    await this.flush().catch(() => {});
    for (let after = 0; ;) {
      const rows = await this.#b.page(after, PAGE, range);
      yield* rows;
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1]!.seq;
    }
  }

  /** All entries (in a range) as an array: for tests and small exports. */
  async list(range: TimeRange = {}): Promise<AuditEntry[]> {
    const out: AuditEntry[] = [];
    for await (const e of this.entries(range)) out.push(e);
    return out;
  }

  /** Walks the whole chain in pages; on failure names the first entry that does not fit. */
  async verify(): Promise<VerifyResult> {
    await this.flush().catch(() => {});
    let start: { seq: number; hash: string } | null = null;
    let total = 0;
    for (let after = 0; ;) {
      const rows = await this.#b.page(after, PAGE, {});
      const r = verifyChain(rows, start);
      if (!r.ok) return { ...r, entries: total + r.entries };
      total += r.entries;
      if (rows.length < PAGE) return { ok: true, entries: total, lastHash: r.lastHash };
      const last = rows[rows.length - 1]!;
      start = { seq: last.seq, hash: last.hash };
      after = last.seq;
    }
  }

  /** Lines of an export (NDJSON: one JSON object per line; CSV: header line first). */
  async *export(format: ExportFormat, range: TimeRange = {}): AsyncGenerator<string> {
    if (format === 'csv') yield CSV_COLUMNS.join(',');
    for await (const e of this.entries(range)) yield format === 'ndjson' ? JSON.stringify(e) : csvLine(e);
  }

  #reason(): AuditUnavailableReason | null {
    return this.#failures ? 'store-failing' : this.#stalled ? 'store-stalled' : this.#full ? 'queue-full' : null;
  }

  /** Recomputes availability; on a change, logs it (counts only) and tells the listeners. */
  #update(): void {
    const n = this.pending;
    if (n >= this.#maxQueue) this.#full = true;
    else if (this.#full && n <= this.#maxQueue / 2 && !this.#failures && !this.#stalled) this.#full = false;
    const available = !this.#failures && !this.#stalled && !this.#full;
    if (available === this.#available) return;
    this.#available = available;
    if (available) {
      this.#log.info?.({ pending: n, dropped: this.#dropped }, 'audit log available again');
      if (this.#dropped) this.#system('audit.dropped', String(this.#dropped));
      this.#dropped = 0;
    } else {
      const reason = this.#reason()!;
      this.#log.error({ reason, pending: n, maxQueue: this.#maxQueue }, 'audit log unavailable: PHI access is refused until it recovers');
      if (n < this.#maxQueue) this.#system('audit.unavailable', reason);
    }
    // Never inside the caller (a listener may close sockets whose close events are recorded here).
    queueMicrotask(() => {
      for (const l of this.#listeners) {
        try { l(this.#available); } catch (e) { this.#log.error(errorTag(e), 'audit availability listener failed'); }
      }
    });
  }

  /** Queues an entry about the log itself (the queue has room: see #update). */
  #system(action: 'audit.unavailable' | 'audit.dropped', detail: string): void {
    this.#queue.push({ ev: { at: this.#now().toISOString(), actor: 'rounds', role: 'system', resource: 'audit', action, outcome: 'failed', address: 'local', detail } });
    this.#schedule(0);
  }

  #schedule(delayMs: number): void {
    if (this.#closed || this.#running || this.#cancel) return;
    const run = () => { this.#cancel = null; if (!this.#running) void this.#start(); };
    if (delayMs === 0) { const t = setImmediate(run); this.#cancel = () => clearImmediate(t); }
    else { const t = setTimeout(run, delayMs); this.#cancel = () => clearTimeout(t); }
  }

  #unschedule(): void { this.#cancel?.(); this.#cancel = null; }

  #start(): Promise<boolean> {
    const run = this.#drain().finally(() => {
      this.#running = null;
      if (this.#queue.length) this.#schedule(this.#failures ? Math.min(this.#retry.max, this.#retry.min * 2 ** (this.#failures - 1)) : 0);
    });
    this.#running = run;
    return run;
  }

  /** Commits batches until the queue is empty (true) or a batch fails (false). */
  async #drain(): Promise<boolean> {
    while (this.#queue.length) {
      if (!(await this.#commit(this.#queue.splice(0, this.#maxBatch)))) return false;
    }
    return true;
  }

  /** One transaction. On failure, fire-and-forget entries go back to the head of the queue, in order. */
  async #commit(batch: Pending[]): Promise<boolean> {
    this.#inFlight = batch.length;
    const stall = setTimeout(() => { this.#stalled = true; this.#update(); }, this.#stallMs);
    stall.unref();
    try {
      const entries = await this.#b.appendBatch(batch.map((p) => p.ev));
      this.#failures = 0;
      batch.forEach((p, i) => p.resolve?.(entries[i]!));
      return true;
    } catch (e) {
      this.#failures++;
      const awaited = batch.filter((p) => p.reject);
      const retried = batch.filter((p) => !p.reject);
      this.#queue.unshift(...retried);
      this.#log.error({ ...errorTag(e), retried: retried.length, refused: awaited.length, attempt: this.#failures }, 'audit entries could not be written');
      for (const p of awaited) p.reject!(new AuditWriteError('the audit entry could not be written', { cause: e }));
      return false;
    } finally {
      clearTimeout(stall);
      this.#inFlight = 0;
      this.#stalled = false;
      this.#update();
    }
  }
}
