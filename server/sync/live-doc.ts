/**
 * A document held in memory while clients use it: its Y.Doc, its Awareness, its connections,
 * and the bookkeeping that keeps "durable before visible" true (see hub.ts).
 */
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import type { Connection } from './connection.ts';
import type { BusMessage } from '../cluster/bus.ts';

export type LiveState = 'loading' | 'ready' | 'gone';

export interface PendingAnswer {
  /** Send once every update applied up to this sequence number is committed. */
  afterSeq: number;
  conn: Connection;
  data: Uint8Array;
}

export class LiveDoc {
  readonly topic: string;
  readonly ydoc = new Y.Doc({ gc: true });
  readonly awareness: awarenessProtocol.Awareness;
  readonly conns = new Set<Connection>();
  /** Which connection set each awareness clientID; a client may not speak for another's ID. */
  readonly awarenessOwner = new Map<number, Connection>();
  state: LiveState = 'loading';
  ready: Promise<void> = Promise.resolve();
  /** Sequence of updates applied to `ydoc`, and of those committed to the store. */
  appliedSeq = 0;
  committedSeq = 0;
  answers: PendingAnswer[] = [];
  /** Log entries in the store not yet folded into its snapshot. */
  logLength = 0;
  compacting = false;
  /** Server operations (change/read) currently holding the document in memory. */
  users = 0;
  /** While loading: the stored snapshot when it is the whole document, so sync requests can be answered from it. */
  bareSnapshot: Uint8Array | null = null;
  /** Messages from other instances that arrived while the document was loading. */
  remoteBuffer: BusMessage[] = [];
  unloadTimer: NodeJS.Timeout | null = null;

  constructor(readonly name: string) {
    this.topic = `doc/${name}`;
    this.awareness = new awarenessProtocol.Awareness(this.ydoc);
    // The server is not a participant: it has no awareness state of its own.
    this.awareness.setLocalState(null);
  }

  get hasUncommitted(): boolean {
    return this.committedSeq < this.appliedSeq;
  }

  destroy(): void {
    this.state = 'gone';
    if (this.unloadTimer) clearTimeout(this.unloadTimer);
    this.unloadTimer = null;
    this.answers = [];
    this.awareness.destroy();
    this.ydoc.destroy();
  }
}
