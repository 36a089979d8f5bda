/**
 * The sync core: documents in memory and the y-websocket message flow.
 *
 * Durable before visible. A writer's update is validated, applied to the in-memory Y.Doc and
 * queued in the commit pipeline (commit-pipeline.ts), which commits one batch per event-loop turn
 * and only then broadcasts. Answers to sync step 1 (which may contain not yet committed state)
 * are held until the state they contain is committed. If the store fails, the document is
 * dropped from memory and its clients are closed with STORE_UNAVAILABLE: nothing uncommitted was
 * ever shown to anyone, and the clients still hold their edits and resend them on reconnect.
 */
import * as Y from 'yjs';
import type { Logger } from 'pino';
import type { DocumentStore } from '../../db/store.ts';
import { applyAll } from '../../db/fold.ts';
import { CLOSE_REASON, CloseCode, type CloseCodeValue } from './close-codes.ts';
import { Connection } from './connection.ts';
import { LiveDoc, type LiveState } from './live-doc.ts';
import { ProtocolError, decodeMessage, encodeAwareness, encodePermissionDenied, encodeSyncStep1, encodeSyncStep2 } from './protocol.ts';
import { inspectUpdate, isEmptyUpdate, isRedundant } from './updates.ts';
import { fullAwareness, handleAwareness, removeConnectionAwareness, takePendingAwareness } from './awareness.ts';
import type { Broadcaster, ConnectionContext, SyncSocket } from './socket.ts';
import { RoundsError } from '../errors.ts';
import type { Bus } from '../cluster/bus.ts';
import { applyControl, applyRemote, awarenessRelay, resyncAll, type LinkHost } from './cluster-link.ts';
import { Compactor } from './compaction.ts';
import { CommitPipeline, type PipelineMetrics } from './commit-pipeline.ts';
import { answerQueued, snapshotAnswer } from './snapshot-answer.ts';

export { REMOTE_ORIGIN } from './cluster-link.ts';

/** Origin of changes the server makes itself (room commands, note attribution). */
export const SERVER_ORIGIN = Symbol('rounds-server');

/**
 * Checks a writer's update before it is applied; may make server changes (with SERVER_ORIGIN)
 * that are committed before the update. Returns a close code to refuse the update.
 */
export type WriteGuard = (ctx: ConnectionContext, doc: Y.Doc, update: Uint8Array) => CloseCodeValue | null;

export interface HubOptions {
  store: DocumentStore;
  broadcaster: Broadcaster;
  logger: Logger;
  docUnloadMs: number;
  compactAfterUpdates: number;
  awarenessMinIntervalMs: number;
  preloadQueueLimit: number;
  /** Called for every audit-worthy event (document opened, write refused, ...). */
  onEvent?: (e: SyncEvent) => void;
  writeGuard?: WriteGuard;
  /** Routing between instances (Redis); absent for a single instance. */
  bus?: Bus;
  /**
   * Checked when an authorized connection is handed to the hub (a turn after its upgrade): a
   * close code refuses it before the document is loaded or anything is sent (e.g. the audit log
   * became unavailable in between).
   */
  admit?: (ctx: ConnectionContext) => CloseCodeValue | null;
  /**
   * Records, durably, that an admitted connection opens its document. The hub sends the
   * connection nothing of the document (no state, no answer, no update) before it resolves; if it
   * rejects, the connection is closed with AUDIT_UNAVAILABLE and was sent nothing.
   */
  recordOpen?: (ctx: ConnectionContext) => Promise<void>;
  metrics?: PipelineMetrics;
  /** See Compactor.maintain (default LOG_BEHIND_LIMIT). */
  logBehindLimit?: number;
}

export type SyncEvent =
  | { type: 'open'; ctx: ConnectionContext }
  | { type: 'close'; ctx: ConnectionContext; code: number }
  | { type: 'write-refused'; ctx: ConnectionContext };

/** Resolves after the event loop has polled for I/O once more (a check-phase callback queued from the next one). */
const afterNextPoll = () => new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));

export class SyncHub {
  readonly #o: HubOptions;
  readonly #docs = new Map<string, LiveDoc>();
  readonly #pipeline: CommitPipeline;
  #sweep: NodeJS.Timeout;
  #shuttingDown = false;
  readonly #frozen = new Set<string>();
  readonly #link: LinkHost;
  readonly #compactor: Compactor;

  constructor(opts: HubOptions) {
    this.#o = opts;
    this.#compactor = new Compactor(opts.store, opts.logger, opts.compactAfterUpdates, !opts.bus, opts.logBehindLimit);
    this.#pipeline = new CommitPipeline({
      store: opts.store,
      broadcaster: opts.broadcaster,
      logger: opts.logger,
      compactor: this.#compactor,
      ...(opts.bus ? { bus: opts.bus } : {}),
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
      discard: (live, code) => this.#discard(live, code),
    });
    // Once a second: expired tokens end their connections; the shared log is kept short.
    this.#sweep = setInterval(() => {
      this.#closeExpired();
      void this.#compactor.maintain((name) => this.#docs.get(name));
    }, 1000);
    this.#sweep.unref();
    this.#link = {
      broadcaster: opts.broadcaster,
      store: opts.store,
      logger: opts.logger,
      docs: () => this.#docs.values(),
      discard: (live, code) => this.#discard(live, code),
      freeze: (name, propagate) => this.freeze(name, propagate),
      unfreeze: (name, propagate) => this.unfreeze(name, propagate),
      closeWhere: (pred, code) => this.closeWhere(pred, code),
    };
    opts.bus?.onControl((m) => applyControl(this.#link, m));
    opts.bus?.onReconnect(() => { void resyncAll(this.#link); });
  }

  /** Cluster health: false while the bus (Redis) is unreachable. */
  get busHealthy(): boolean | null {
    return this.#o.bus ? this.#o.bus.healthy : null;
  }

  get documents(): number { return this.#docs.size; }
  get connections(): number { let n = 0; for (const d of this.#docs.values()) n += d.conns.size; return n; }
  isLoaded(name: string): boolean { return this.#docs.has(name); }

  /** Null when `admit` refused the connection (its socket is then closed with that code). */
  open(socket: SyncSocket, ctx: ConnectionContext): Connection | null {
    const refused = this.#o.admit?.(ctx) ?? null;
    if (refused !== null) {
      socket.close(refused, CLOSE_REASON[refused]);
      return null;
    }
    let live = this.#docs.get(ctx.docName);
    if (!live) live = this.#load(ctx.docName);
    if (live.unloadTimer) { clearTimeout(live.unloadTimer); live.unloadTimer = null; }
    if (this.#frozen.has(ctx.docName) && ctx.access === 'write') ctx = { ...ctx, access: 'read' };
    const conn = new Connection(socket, ctx, live);
    const recording = this.#o.recordOpen?.(ctx);
    live.conns.add(conn);
    this.#o.onEvent?.({ type: 'open', ctx });
    const start = () => {
      if (!conn.open) return;
      conn.send(encodeSyncStep1(Y.encodeStateVector(live.ydoc)));
      const aw = fullAwareness(live);
      if (aw) conn.send(aw);
      const queued = conn.queue;
      conn.queue = [];
      for (const m of queued) if (conn.open) this.#handle(conn, m);
    };
    // Nothing of the document reaches the connection, broadcasts included, before its open is on record.
    const begin = () => {
      if (!conn.open) return;
      conn.recorded = true;
      socket.subscribe(live.topic);
      if (live.bareSnapshot) answerQueued([conn], live.bareSnapshot);
      if (live.state === 'ready') start();
      else live.ready.then(start, () => conn.close(CloseCode.STORE_UNAVAILABLE, CLOSE_REASON[CloseCode.STORE_UNAVAILABLE]));
    };
    if (!recording) begin();
    else {
      conn.recorded = false;
      recording.then(begin, () => { if (conn.open) this.#closeConn(conn, CloseCode.AUDIT_UNAVAILABLE); });
    }
    return conn;
  }

  /** A message from a client. `data` must be a copy the hub may keep. */
  message(conn: Connection, data: Uint8Array): void {
    // Shutting down: nothing new is taken in (the client keeps it and resends after 1001).
    if (!conn.open || this.#shuttingDown) return;
    if (conn.live.state !== 'ready' || !conn.recorded) {
      const bare = conn.live.bareSnapshot;
      const answer = bare && conn.recorded && conn.queue.length === 0 ? snapshotAnswer(bare, data) : null;
      if (answer) return conn.send(answer);
      if (conn.queue.length >= this.#o.preloadQueueLimit) return this.#closeConn(conn, CloseCode.RATE_LIMITED);
      conn.queue.push(data);
      return;
    }
    this.#handle(conn, data);
  }

  /** The transport reports that a socket closed (for any reason). */
  closed(conn: Connection, code: number): void {
    const pendingAwareness = takePendingAwareness(conn);
    conn.close(code, '');
    const live = conn.live;
    if (!live.conns.delete(conn)) return;
    // A rate-limited awareness message (often the client's own "I am leaving") still goes out.
    if (pendingAwareness && live.state !== 'gone') {
      this.#o.broadcaster.publish(live.topic, encodeAwareness(pendingAwareness));
      awarenessRelay(this.#o.bus, live)(pendingAwareness);
    }
    this.#o.onEvent?.({ type: 'close', ctx: conn.ctx, code });
    removeConnectionAwareness(conn, this.#o.broadcaster, awarenessRelay(this.#o.bus, live));
    if (live.conns.size === 0 && live.state !== 'gone') this.#scheduleUnload(live);
  }

  /** Closes every connection matching `pred` (e.g. a revoked session) with `code`. */
  closeWhere(pred: (ctx: ConnectionContext) => boolean, code: CloseCodeValue): number {
    let n = 0;
    for (const live of this.#docs.values()) for (const c of [...live.conns]) if (pred(c.ctx)) { this.#closeConn(c, code); n++; }
    return n;
  }

  /**
   * Runs `fn` on the document as a server change (loading it if needed) and resolves once the
   * change is committed and broadcast. Throws RoundsError ERR_STORE_UNAVAILABLE if it was not.
   */
  async change<T>(name: string, fn: (doc: Y.Doc) => T): Promise<T> {
    const live = await this.#acquire(name);
    let result!: T;
    try {
      this.#serverChanges(live, () => live.ydoc.transact(() => { result = fn(live.ydoc); }, SERVER_ORIGIN));
      const seq = live.appliedSeq;
      await this.idle();
      if (live.committedSeq < seq) throw new RoundsError('ERR_STORE_UNAVAILABLE', 'the change could not be committed');
      return result;
    } finally {
      this.#release(live);
    }
  }

  /** Reads committed document state (loading it if needed). */
  async read<T>(name: string, fn: (doc: Y.Doc) => T): Promise<T> {
    const live = await this.#acquire(name);
    try {
      await this.idle();
      return fn(live.ydoc);
    } finally {
      this.#release(live);
    }
  }

  /** No more writes: writers are closed with DOCUMENT_CLOSED and later connections are read-only. */
  freeze(name: string, propagate = true): void {
    if (propagate) this.#o.bus?.publishControl({ type: 'freeze', doc: name });
    this.#frozen.add(name);
    const live = this.#docs.get(name);
    if (live) for (const c of [...live.conns]) if (c.canWrite) this.#closeConn(c, CloseCode.DOCUMENT_CLOSED);
  }

  unfreeze(name: string, propagate = true): void {
    if (propagate) this.#o.bus?.publishControl({ type: 'unfreeze', doc: name });
    this.#frozen.delete(name);
  }

  /** Closes every connection to these documents on every instance. */
  closeDocsEverywhere(docs: string[], code: CloseCodeValue): void {
    this.#o.bus?.publishControl({ type: 'close-docs', docs, code });
    this.closeWhere((c) => docs.includes(c.docName), code);
  }

  /** Closes a session's (or a user's) connections on every instance. */
  closeSessionEverywhere(by: { sid: string } | { sub: string }, code: CloseCodeValue): number {
    if ('sid' in by) {
      this.#o.bus?.publishControl({ type: 'close-session', sid: by.sid, code });
      return this.closeWhere((c) => c.sid === by.sid, code);
    }
    this.#o.bus?.publishControl({ type: 'close-user', sub: by.sub, code });
    return this.closeWhere((c) => c.sub === by.sub, code);
  }

  /**
   * Runs `fn` and queues the updates it makes with SERVER_ORIGIN for commit. The listener exists
   * only while `fn` runs: a permanent 'update' listener would make Yjs encode every client edit
   * a second time.
   */
  #serverChanges<T>(live: LiveDoc, fn: () => T): T {
    const capture = (update: Uint8Array, origin: unknown) => {
      if (origin === SERVER_ORIGIN) this.#pipeline.enqueue(live, null, update);
    };
    live.ydoc.on('update', capture);
    try {
      return fn();
    } finally {
      live.ydoc.off('update', capture);
    }
  }

  async #acquire(name: string): Promise<LiveDoc> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const live = this.#docs.get(name) ?? this.#load(name);
      live.users++;
      if (live.unloadTimer) { clearTimeout(live.unloadTimer); live.unloadTimer = null; }
      try {
        await live.ready;
      } catch {
        live.users--;
        throw new RoundsError('ERR_STORE_UNAVAILABLE', 'the document could not be loaded');
      }
      if (live.state === 'ready') return live;
      live.users--;
    }
    throw new RoundsError('ERR_STORE_UNAVAILABLE', 'the document could not be loaded');
  }

  #release(live: LiveDoc): void {
    live.users--;
    if (live.conns.size === 0 && live.users === 0 && live.state !== 'gone') this.#scheduleUnload(live);
  }

  /** Waits until every queued update is committed. */
  idle(): Promise<void> {
    return this.#pipeline.idle();
  }

  /** Commit everything, close all connections with 1001, free all documents. */
  async shutdown(): Promise<void> {
    this.#shuttingDown = true;
    clearInterval(this.#sweep);
    await this.idle();
    await this.#compactor.shutdown(this.#docs.values());
    for (const live of [...this.#docs.values()]) {
      for (const c of [...live.conns]) this.#closeConn(c, CloseCode.GOING_AWAY);
      this.#unload(live);
    }
  }

  #handle(conn: Connection, data: Uint8Array): void {
    let msg;
    try {
      msg = decodeMessage(data);
    } catch (e) {
      const code = e instanceof ProtocolError && e.code === 'ERR_UNKNOWN_MESSAGE_TYPE' ? CloseCode.UNKNOWN_MESSAGE_TYPE : CloseCode.MALFORMED_MESSAGE;
      return this.#closeConn(conn, code);
    }
    const live = conn.live;
    switch (msg.type) {
      case 'sync-step1': {
        let answer: Uint8Array;
        try {
          answer = encodeSyncStep2(Y.encodeStateAsUpdate(live.ydoc, msg.stateVector));
        } catch {
          return this.#closeConn(conn, CloseCode.MALFORMED_MESSAGE);
        }
        if (live.hasUncommitted) live.answers.push({ afterSeq: live.appliedSeq, conn, data: answer });
        else conn.send(answer);
        return;
      }
      case 'sync-step2':
      case 'sync-update':
        return this.#update(conn, msg.update);
      case 'awareness': {
        const r = handleAwareness(conn, msg.update, this.#o.awarenessMinIntervalMs, Date.now(), awarenessRelay(this.#o.bus, live));
        if (r === 'malformed') this.#closeConn(conn, CloseCode.MALFORMED_MESSAGE);
        return;
      }
      case 'query-awareness': {
        const aw = fullAwareness(live);
        if (aw) conn.send(aw);
        return;
      }
      case 'auth':
        return; // server → client only; ignored
    }
  }

  #update(conn: Connection, update: Uint8Array): void {
    const decoded = inspectUpdate(update);
    if (!decoded) return this.#closeConn(conn, CloseCode.INVALID_UPDATE);
    const live = conn.live;
    if (isEmptyUpdate(decoded) || isRedundant(live.ydoc, decoded)) return;
    if (this.#frozen.has(live.name)) return this.#closeConn(conn, CloseCode.DOCUMENT_CLOSED);
    if (!conn.canWrite) {
      this.#o.onEvent?.({ type: 'write-refused', ctx: conn.ctx });
      if (!conn.deniedNotified) { conn.deniedNotified = true; conn.send(encodePermissionDenied('read-only')); }
      return;
    }
    const guard = this.#o.writeGuard;
    const refused = guard ? this.#serverChanges(live, () => guard(conn.ctx, live.ydoc, update)) : null;
    if (refused !== null) {
      this.#o.onEvent?.({ type: 'write-refused', ctx: conn.ctx });
      return this.#closeConn(conn, refused);
    }
    try {
      Y.applyUpdate(live.ydoc, update, conn);
    } catch {
      // Yjs may have half-applied it. Drop the in-memory copy (the store never saw this update),
      // commit what was valid before it, and let every client reload from the store.
      this.#o.logger.warn({ doc: live.name, sub: conn.ctx.sub }, 'update failed to apply; reloading document');
      this.#closeConn(conn, CloseCode.INVALID_UPDATE);
      this.#discard(live, CloseCode.GOING_AWAY);
      return;
    }
    this.#pipeline.enqueue(live, conn, update);
  }

  #load(name: string): LiveDoc {
    const live = new LiveDoc(name);
    this.#docs.set(name, live);
    live.ready = (async () => {
      await this.idle(); // a document dropped a moment ago may still have updates in flight
      // Subscribe first, then load, then apply what arrived in between: nothing falls in the gap.
      await this.#o.bus?.subscribe(name, (m) => applyRemote(this.#link, live, m));
      const stored = await this.#o.store.load(name);
      if (live.state === 'gone') return;
      if (stored.snapshot && stored.updates.length === 0) {
        // The stored state is the whole document: answer sync requests from its bytes, those
        // queued now and those that come in during one more poll of the sockets, then apply it.
        live.bareSnapshot = stored.snapshot;
        answerQueued(live.conns, stored.snapshot);
        await afterNextPoll();
        live.bareSnapshot = null;
        if ((live.state as LiveState) === 'gone') return; // discarded while it waited
      }
      applyAll(live.ydoc, stored.snapshot, stored.updates);
      live.logLength = stored.updates.length;
      live.state = 'ready';
      const buffered = live.remoteBuffer;
      live.remoteBuffer = [];
      for (const m of buffered) applyRemote(this.#link, live, m);
    })();
    live.ready.catch((e) => {
      this.#o.logger.error({ doc: name, err: (e as Error).name }, 'document load failed');
      if (this.#docs.get(name) === live) this.#docs.delete(name);
      live.destroy();
    });
    return live;
  }

  #scheduleUnload(live: LiveDoc): void {
    if (live.unloadTimer) clearTimeout(live.unloadTimer);
    live.unloadTimer = setTimeout(() => {
      live.unloadTimer = null;
      if (live.conns.size > 0 || live.users > 0 || live.state === 'gone') return;
      if (live.hasUncommitted) return this.#scheduleUnload(live);
      if (!this.#shuttingDown) this.#compactor.unloaded(live);
      this.#unload(live);
    }, this.#o.docUnloadMs);
    live.unloadTimer.unref();
  }

  #unload(live: LiveDoc): void {
    if (this.#docs.get(live.name) === live) {
      this.#docs.delete(live.name);
      void this.#o.bus?.unsubscribe(live.name);
    }
    live.destroy();
  }

  #discard(live: LiveDoc, code: CloseCodeValue): void {
    for (const c of [...live.conns]) this.#closeConn(c, code);
    this.#unload(live);
  }

  #closeConn(conn: Connection, code: CloseCodeValue): void {
    conn.close(code, CLOSE_REASON[code]);
    this.closed(conn, code);
  }

  #closeExpired(): void {
    const nowS = Date.now() / 1000;
    this.closeWhere((ctx) => ctx.exp <= nowS, CloseCode.TOKEN_EXPIRED);
  }
}
