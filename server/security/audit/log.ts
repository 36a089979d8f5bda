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
export interface AuditLogger { error(obj: object, msg: string): void }

export interface AuditLogOptions {
  logger?: AuditLogger;
  /** Most entries per transaction. */
  maxBatch?: number;
  /** Backoff of retries after a failed batch: first and longest wait. */
  retryMs?: { min: number; max: number };
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
  #queue: Pending[] = [];
  #running: Promise<boolean> | null = null;
  #cancel: (() => void) | null = null;
  #failures = 0;

  constructor(backend: AuditBackend, o: AuditLogOptions = {}) {
    this.#b = backend;
    this.#log = o.logger ?? stderrLogger;
    this.#maxBatch = o.maxBatch ?? 500;
    this.#retry = o.retryMs ?? { min: 100, max: 5000 };
  }

  get kind(): AuditBackend['kind'] { return this.#b.kind; }
  /** Entries queued and not yet committed. */
  get pending(): number { return this.#queue.length; }

  record(e: AuditEvent): void {
    this.#queue.push({ ev: e });
    this.#schedule(0);
  }

  append(e: AuditEvent): Promise<AuditEntry> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ ev: e, resolve, reject });
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
      try { await this.flush(); return; } catch { /* logged by the batch */ }
      if (Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, Math.min(this.#retry.min, Math.max(0, deadline - Date.now()))));
    }
    this.#unschedule();
    this.#log.error({ entries: this.#queue.length }, 'audit entries LOST at shutdown: the store did not accept them');
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

  #schedule(delayMs: number): void {
    if (this.#running || this.#cancel) return;
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
      const batch = this.#queue.splice(0, this.#maxBatch);
      try {
        const entries = await this.#b.appendBatch(batch.map((p) => p.ev));
        this.#failures = 0;
        batch.forEach((p, i) => p.resolve?.(entries[i]!));
      } catch (e) {
        this.#failures++;
        const awaited = batch.filter((p) => p.reject);
        const retried = batch.filter((p) => !p.reject);
        this.#queue.unshift(...retried);
        this.#log.error({ ...errorTag(e), retried: retried.length, refused: awaited.length, attempt: this.#failures }, 'audit entries could not be written');
        for (const p of awaited) p.reject!(new AuditWriteError('the audit entry could not be written', { cause: e }));
        return false;
      }
    }
    return true;
  }
}
