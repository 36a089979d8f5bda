/**
 * When and how a document's update log is folded into its snapshot.
 *
 * From memory (a store this process alone writes, no other instances): the live Y.Doc's state,
 * taken when a batch is handed to the store, is exactly "everything committed so far plus this
 * batch"; once the batch commits it becomes the snapshot, with no read and no fold. Otherwise the
 * store folds its own log (`compact`).
 */
import * as Y from 'yjs';
import type { Logger } from 'pino';
import type { DocumentStore } from '../../db/store.ts';
import type { LiveDoc } from './live-doc.ts';

export interface Captured { live: LiveDoc; state: Uint8Array }

/** Entries a shared log (SQLite) may hold past the oldest unfolded one before that document is folded. */
export const LOG_BEHIND_LIMIT = 50_000;

export class Compactor {
  readonly #fromMemory: boolean;
  #maintaining = false;

  constructor(
    private readonly store: DocumentStore,
    private readonly logger: Logger,
    private readonly threshold: number,
    singleWriter: boolean,
    private readonly behindLimit = LOG_BEHIND_LIMIT,
  ) {
    this.#fromMemory = singleWriter && typeof store.replaceSnapshot === 'function';
  }

  /** Called as `batch` is taken for commit: the states of its documents that are due. */
  capture(batch: readonly { live: LiveDoc }[]): Captured[] {
    if (!this.#fromMemory) return [];
    const count = new Map<LiveDoc, number>();
    for (const p of batch) count.set(p.live, (count.get(p.live) ?? 0) + 1);
    const out: Captured[] = [];
    for (const [live, n] of count) {
      if (live.compacting || live.state !== 'ready' || live.logLength + n < this.threshold) continue;
      live.compacting = true;
      out.push({ live, state: Y.encodeStateAsUpdate(live.ydoc) });
    }
    return out;
  }

  /**
   * Called right after the batch committed, before any later batch is handed to the store (so a
   * snapshot request follows exactly the appends it covers).
   */
  committed(captured: readonly Captured[], touched: Iterable<LiveDoc>): void {
    for (const c of captured) void this.#run(c.live, () => this.store.replaceSnapshot!(c.live.name, c.state));
    if (this.#fromMemory) return;
    for (const live of touched) if (live.logLength >= this.threshold && !live.compacting) {
      live.compacting = true;
      void this.#run(live, () => this.store.compact(live.name));
    }
  }

  /** The batch did not commit: nothing captured may become a snapshot. */
  failed(captured: readonly Captured[]): void {
    for (const c of captured) c.live.compacting = false;
  }

  /** A document with nothing uncommitted leaves memory: fold what it left in the log. */
  unloaded(live: LiveDoc): void {
    if (live.logLength === 0) return;
    const run = this.#fromMemory ? this.#fromLive(live) : () => this.store.compact(live.name);
    void run().catch((e) => this.logger.warn({ doc: live.name, err: (e as Error).name }, 'compaction on unload failed'));
  }

  /** At shutdown (everything committed): leave each loaded document as one snapshot, so a restart loads fast. */
  async shutdown(lives: Iterable<LiveDoc>): Promise<void> {
    if (!this.#fromMemory) return;
    for (const live of lives) {
      if (live.logLength === 0 || live.state !== 'ready' || live.hasUncommitted) continue;
      await this.#fromLive(live)().catch((e) => this.logger.warn({ doc: live.name, err: (e as Error).name }, 'compaction at shutdown failed'));
    }
  }

  /**
   * Called periodically. A store whose log all documents share (SQLite) can only shed entries
   * that every document has folded, so one quiet document with a few unfolded entries would keep
   * the log growing (and make every load scan further). When the log holds more than
   * `behindLimit` entries past the oldest unfolded one, that document is folded: from memory when
   * it is loaded and fully committed (otherwise it waits for a later round), by the store if not.
   */
  async maintain(loaded: (name: string) => LiveDoc | undefined): Promise<void> {
    if (!this.store.oldestUnfolded || this.#maintaining) return;
    this.#maintaining = true;
    try {
      const oldest = await this.store.oldestUnfolded();
      if (!oldest || oldest.behind <= this.behindLimit) return;
      const live = loaded(oldest.doc);
      if (!live) {
        await this.store.compact(oldest.doc);
        return;
      }
      if (live.compacting || live.state !== 'ready' || live.hasUncommitted) return;
      live.compacting = true;
      await this.#run(live, this.#fromMemory ? this.#fromLive(live) : () => this.store.compact(live.name));
    } catch (e) {
      this.logger.warn({ err: (e as Error).name }, 'log maintenance failed; will retry');
    } finally {
      this.#maintaining = false;
    }
  }

  #fromLive(live: LiveDoc): () => Promise<{ before: number }> {
    const state = Y.encodeStateAsUpdate(live.ydoc);
    return () => this.store.replaceSnapshot!(live.name, state);
  }

  async #run(live: LiveDoc, fold: () => Promise<{ before: number }>): Promise<void> {
    try {
      const r = await fold();
      live.logLength = Math.max(0, live.logLength - r.before);
    } catch (e) {
      this.logger.warn({ doc: live.name, err: (e as Error).name }, 'compaction failed; will retry later');
    } finally {
      live.compacting = false;
    }
  }
}
