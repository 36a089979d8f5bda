/**
 * The commit pipeline: durable before visible.
 *
 * Updates already applied to a document in memory are queued here. The queue is handed to the
 * store as one batch per event-loop turn (group commit). A store that commits in call order
 * (`appendDepth` > 1, SQLite) takes the next batch while one commits, and joins the batches that
 * queued up into one transaction; otherwise whatever arrives while a batch commits forms the next
 * one. Batches settle in hand-over order. Only once a batch is durable are its updates
 * broadcast (one encode per update, published to the document's topic) and the sync answers
 * held for them sent. If the store refuses a batch, every document in it is discarded from memory
 * (its clients are closed with STORE_UNAVAILABLE and resend their edits on reconnect): nothing
 * uncommitted was ever shown to anyone.
 */
import type { Logger } from 'pino';
import type { DocumentStore } from '../../db/store.ts';
import type { Bus } from '../cluster/bus.ts';
import { CloseCode, type CloseCodeValue } from './close-codes.ts';
import type { Captured, Compactor } from './compaction.ts';
import type { Connection } from './connection.ts';
import type { LiveDoc } from './live-doc.ts';
import { encodeSyncUpdate } from './protocol.ts';
import type { Broadcaster } from './socket.ts';

/** Timings of the pipeline (server/metrics.ts turns them into Prometheus histograms). */
export interface PipelineMetrics {
  /** A batch committed: how long the store took, and for each update the seconds since it arrived. */
  committed(storeSeconds: number, sinceArrival: readonly number[]): void;
  failed(): void;
}

export interface PipelineDeps {
  store: DocumentStore;
  broadcaster: Broadcaster;
  logger: Logger;
  compactor: Compactor;
  bus?: Bus;
  metrics?: PipelineMetrics;
  /** Drops a document from memory and closes its clients with `code`. */
  discard(live: LiveDoc, code: CloseCodeValue): void;
}

/** `conn`: the writer (null for server changes); `at`: performance.now() when it was queued. */
interface Pending { live: LiveDoc; conn: Connection | null; update: Uint8Array; seq: number; at: number }

export class CommitPipeline {
  #queue: Pending[] = [];
  #flushScheduled = false;
  /** Batches handed to the store and not yet settled; their results are handled in this order. */
  #inFlight = 0;
  #tail: Promise<void> = Promise.resolve();
  /** A batch in flight carries captured states (see #flush). */
  #barrier = false;
  /** Updates ever queued, and ever settled (committed or failed); settling goes in queue order. */
  #queued = 0;
  #settled = 0;
  #waiters: { upTo: number; resolve(): void }[] = [];
  readonly #depth: number;

  constructor(private readonly d: PipelineDeps) {
    this.#depth = Math.max(1, d.store.appendDepth ?? 1);
  }

  /** Queues an update already applied to `live.ydoc`; it is broadcast once committed. */
  enqueue(live: LiveDoc, conn: Connection | null, update: Uint8Array): void {
    this.#queue.push({ live, conn, update, seq: ++live.appliedSeq, at: performance.now() });
    this.#queued++;
    this.#schedule();
  }

  /**
   * Resolves once every update queued before this call is committed (or its batch failed).
   * Updates queued later do not hold it up, so it ends under constant load too.
   */
  idle(): Promise<void> {
    if (this.#settled >= this.#queued) return Promise.resolve();
    const upTo = this.#queued;
    if (!this.#flushScheduled) this.#flush();
    return new Promise((resolve) => this.#waiters.push({ upTo, resolve }));
  }

  /** One flush per event-loop turn, after the turn's messages were read. */
  #schedule(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  /**
   * Hands the queue to the store as one batch, unless the store already holds as many batches as
   * it takes (`appendDepth`), or a batch in flight carries captured states: a snapshot from memory
   * must be requested before any later batch is handed over (Compactor.committed), so such a batch
   * is committed alone. Results are handled strictly in hand-over order.
   */
  #flush(): void {
    if (this.#queue.length === 0 || this.#barrier || this.#inFlight >= this.#depth) return;
    const batch = this.#queue;
    this.#queue = [];
    const captured = this.d.compactor.capture(batch);
    if (captured.length > 0) this.#barrier = true;
    this.#inFlight++;
    const started = performance.now();
    const appended = this.d.store.append(batch.map((p) => ({ doc: p.live.name, update: p.update })));
    appended.catch(() => {}); // handled below, in order; this only marks it as handled
    this.#tail = this.#tail
      .then(() => appended)
      .then(() => this.#committed(batch, captured, started), (e: unknown) => this.#failed(batch, captured, e))
      .catch((e: unknown) => this.d.logger.error({ err: (e as Error).name }, 'handling a committed batch failed'))
      .finally(() => {
        this.#inFlight--;
        if (captured.length > 0) this.#barrier = false;
        this.#settled += batch.length;
        this.#wake();
        if (this.#queue.length > 0) this.#flush();
      });
  }

  #wake(): void {
    if (this.#waiters.length === 0) return;
    const due = this.#waiters.filter((w) => w.upTo <= this.#settled);
    if (due.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => w.upTo > this.#settled);
    for (const w of due) w.resolve();
  }

  #failed(batch: Pending[], captured: Captured[], e: unknown): void {
    this.d.metrics?.failed();
    this.d.compactor.failed(captured);
    this.d.logger.error({ err: (e as Error).name, entries: batch.length }, 'store append failed; dropping affected documents');
    for (const live of new Set(batch.map((p) => p.live))) this.d.discard(live, CloseCode.STORE_UNAVAILABLE);
  }

  #committed(batch: Pending[], captured: Captured[], started: number): void {
    const touched = new Set<LiveDoc>();
    for (const p of batch) {
      if (p.live.state === 'gone') continue;
      p.live.committedSeq = p.seq;
      p.live.logLength++;
      touched.add(p.live);
      const msg = encodeSyncUpdate(p.update);
      // Published through the writer's own socket, uWS leaves the writer out (it has the update).
      if (p.conn && p.conn.open && p.conn.socket.isOpen) p.conn.socket.publish(p.live.topic, msg);
      else this.d.broadcaster.publish(p.live.topic, msg);
      this.d.bus?.publish(p.live.name, 'update', p.update);
    }
    this.d.compactor.committed(captured, touched);
    const m = this.d.metrics;
    if (m) {
      const now = performance.now();
      m.committed((now - started) / 1000, batch.map((p) => (now - p.at) / 1000));
    }
    for (const live of touched) {
      const due = live.answers.filter((a) => a.afterSeq <= live.committedSeq);
      live.answers = live.answers.filter((a) => a.afterSeq > live.committedSeq);
      for (const a of due) a.conn.send(a.data);
    }
  }
}
