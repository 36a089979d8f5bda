/**
 * One live Yjs document over the Rounds sync endpoint, with a sync status people can read:
 * live, connecting, reconnecting or offline — and whether local edits are still waiting to be
 * sent. Uses the stock y-websocket provider, which the server speaks exactly.
 */
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import type { SyncState } from './names.ts';

export type { SyncState };

export class LiveDoc {
  readonly doc = new Y.Doc();
  readonly provider: WebsocketProvider;
  state: SyncState = $state('connecting');
  /** Local changes made while not live (they are sent when the connection returns). */
  pending = $state(0);
  /** The server's close code when it ended the connection on purpose (e.g. 4004 visit closed). */
  closeCode: number | null = $state(null);
  #everLive = false;

  constructor(docName: string, token: string) {
    const base = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/sync`;
    // No BroadcastChannel: tabs of one browser may hold different roles, and every update must
    // pass the server's access checks rather than hop between tabs.
    this.provider = new WebsocketProvider(base, docName, this.doc, { params: { token }, maxBackoffTime: 2500, disableBc: true });
    this.provider.on('status', ({ status }: { status: string }) => {
      if (status === 'connected') return; // live once synced
      if (status === 'connecting' && this.state !== 'offline') this.state = this.#everLive ? 'reconnecting' : 'connecting';
      if (status === 'disconnected' && this.state !== 'closed' && this.state !== 'offline') this.state = this.#everLive ? 'reconnecting' : 'connecting';
    });
    this.provider.on('sync', (synced: boolean) => {
      if (synced) { this.#everLive = true; this.state = 'live'; this.pending = 0; }
    });
    this.provider.on('connection-close', (ev: CloseEvent | null) => {
      const code = ev?.code ?? null;
      if (code !== null && code >= 4000) {
        this.closeCode = code;
        // Forbidden, closed visit, revoked or expired: retrying cannot help.
        if ([4003, 4004, 4005, 4006].includes(code)) { this.state = 'closed'; this.provider.shouldConnect = false; }
      }
    });
    this.doc.on('update', (_u: Uint8Array, origin: unknown) => {
      if (origin !== this.provider && this.state !== 'live') this.pending += 1;
    });
    addEventListener('offline', this.#offline);
    addEventListener('online', this.#online);
  }

  // Offline, edits stay in the local document and are counted; back online, the provider
  // reconnects and the sync exchange sends them (nothing is lost, nothing is sent twice).
  #offline = () => {
    if (this.state === 'closed') return;
    this.state = 'offline';
    this.provider.disconnect();
  };
  #online = () => {
    if (this.state !== 'offline') return;
    this.state = 'reconnecting';
    this.provider.connect();
  };

  whenSynced(): Promise<void> {
    if (this.provider.synced) return Promise.resolve();
    return new Promise((resolve) => {
      const h = (s: boolean) => { if (s) { this.provider.off('sync', h); resolve(); } };
      this.provider.on('sync', h);
    });
  }

  destroy(): void {
    removeEventListener('offline', this.#offline);
    removeEventListener('online', this.#online);
    this.provider.destroy();
    this.doc.destroy();
  }
}
