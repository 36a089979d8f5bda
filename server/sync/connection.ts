/** One client connection to one document, as the sync core sees it. */
import type { ConnectionContext, SyncSocket } from './socket.ts';
import type { LiveDoc } from './live-doc.ts';
import type { AwarenessEntry } from './protocol.ts';

export class Connection {
  /** Messages that arrived before the document finished loading, in order. */
  queue: Uint8Array[] = [];
  /** Awareness clientIDs this connection has set. */
  readonly awarenessIds = new Set<number>();
  awarenessSentAt = 0;
  /** Rate-limited awareness entries not yet forwarded (latest per clientID), and where else they go. */
  readonly awarenessPending = new Map<number, AwarenessEntry>();
  awarenessRelay: ((update: Uint8Array) => void) | null = null;
  awarenessTimer: NodeJS.Timeout | null = null;
  deniedNotified = false;
  /** False while the hub waits for this connection's open to be on record (HubOptions.recordOpen). */
  recorded = true;
  open = true;

  constructor(
    readonly socket: SyncSocket,
    readonly ctx: ConnectionContext,
    readonly live: LiveDoc,
  ) {}

  get canWrite(): boolean {
    return this.ctx.access === 'write';
  }

  send(data: Uint8Array): void {
    if (this.open && this.socket.isOpen) this.socket.send(data);
  }

  close(code: number, reason: string): void {
    if (!this.open) return;
    this.open = false;
    if (this.awarenessTimer) clearTimeout(this.awarenessTimer);
    this.awarenessTimer = null;
    if (this.socket.isOpen) this.socket.close(code, reason);
  }
}
