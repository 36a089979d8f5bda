/**
 * The commit pipeline: durable before visible.
 *
 * Updates already applied to a document in memory are queued here. The queue is handed to the
 * store as one batch per event-loop turn (group commit), one batch at a time; whatever arrives
 * while a batch commits forms the next one. Only once a batch is durable are its updates
 * broadcast (one encode per update, published to the document's topic) and the sync answers
 * held for them sent. If the store refuses a batch, every document in it is discarded from memory
 * (its clients are closed with STORE_UNAVAILABLE and resend their edits on reconnect): nothing
 * uncommitted was ever shown to anyone.
 */
import type { Logger } from 'pino';
import type { DocumentStore } from '../../db/store.ts';
import type { Bus } from '../cluster/bus.ts';
import { CloseCode, type CloseCodeValue } from './close-codes.ts';
import type { Compactor } from './compaction.ts';
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
  #flushing: Promise<void> | null = null;
  #flushScheduled = false;

  constructor(private readonly d: PipelineDeps) {}

  /** Queues an update already applied to `live.ydoc`; it is broadcast once committed. */
  enqueue(live: LiveDoc, conn: Connection | null, update: Uint8Array): void {
    this.#queue.push({ live, conn, update, seq: ++live.appliedSeq, at: performance.now() });
    this.#schedule();
  }

  /** Waits until every queued update is committed (or its batch failed). */
  async idle(): Promise<void> {
    while (this.#flushing || this.#queue.length > 0) {
      if (this.#flushing) await this.#flushing;
      else await this.#flush();
    }
  }

  #flush(): Promise<void> {
    if (this.#flushing) return this.#flushing.then(() => this.#flush());
    if (this.#queue.length === 0) return Promise.resolve();
    const batch = this.#queue;
    this.#queue = [];
    this.#flushing = this.#commit(batch).finally(() => {
      this.#flushing = null;
      if (this.#queue.length > 0) this.#schedule();
    });
    return this.#flushing;
  }

  /** One flush per event-loop turn, after the turn's messages were read. */
  #schedule(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      void this.#flush();
    });
  }

  async #commit(batch: Pending[]): Promise<void> {
    const { store, compactor } = this.d;
    const captured = compactor.capture(batch);
    const started = performance.now();
    try {
      await store.append(batch.map((p) => ({ doc: p.live.name, update: p.update })));
    } catch (e) {
      this.d.metrics?.failed();
      compactor.failed(captured);
      this.d.logger.error({ err: (e as Error).name, entries: batch.length }, 'store append failed; dropping affected documents');
      for (const live of new Set(batch.map((p) => p.live))) this.d.discard(live, CloseCode.STORE_UNAVAILABLE);
      return;
    }
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
    compactor.committed(captured, touched);
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
