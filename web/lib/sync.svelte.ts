/**
 * One live Yjs document over the Rounds sync endpoint, with a sync status people can read:
 * live, connecting, reconnecting, offline, idle or closed — and whether local edits are still
 * waiting to be sent. Uses the stock y-websocket provider, which the server speaks exactly.
 *
 * Tokens: without `renew` a token is fixed, and its expiry (4006) ends the connection. With `renew`
 * (a sign-in session's token, or a guest's link or invite token, session.ts): shortly before it
 * expires, if the person was active since it came (renewal.ts), a new one is fetched and the
 * provider reconnects with it while the badge stays 'live'; y-websocket's resync sends whatever
 * the server lacks, nothing twice. An idle page lets its token lapse (state 'idle', so the session
 * can time out) and renews on the next input; a session that has ended meanwhile closes the
 * document (the RenewalError's code: 4005 sign in again; 4006 for a guest, whose lapsed token
 * cannot be renewed: open your link again).
 */
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import type { SyncState } from './names.ts';
import { hasLapsed, nextStep, retryDelayMs, tokenTimes, type TokenTimes } from './renewal.ts';
import { noteActivity } from './activity.ts';
import { RenewalError } from './session.ts';
import { holdEditsUntilAnswered } from './ordered-edits.ts';

export type { SyncState };

/** Forbidden, closed visit, session ended: retrying cannot help. */
const FINAL_CODES = [4003, 4004, 4005];
const TOKEN_EXPIRED = 4006;
/** How long a reconnect with a new token may take before the badge admits to 'reconnecting'. */
const QUIET_SWAP_MS = 3000;
/** What counts as the person being active (besides their edits); not mouse movement. */
const INPUT_EVENTS = ['keydown', 'pointerdown', 'input', 'wheel'] as const;

export class LiveDoc {
  readonly doc = new Y.Doc();
  readonly provider: WebsocketProvider;
  state: SyncState = $state('connecting');
  /** Local changes made while not live (they are sent when the connection returns). */
  pending = $state(0);
  /**
   * The server's close code when it ended the connection on purpose (e.g. 4004 visit closed,
   * 4010 audit unavailable while reconnecting), or the RenewalError's code when renewal found the
   * session ended. Cleared once live again.
   */
  closeCode: number | null = $state(null);
  /** The server's error code when it refused to renew the token (e.g. ERR_REMOVED), see guest-end.ts. */
  endCode: string | null = $state(null);
  #everLive = false;
  readonly #renew: (() => Promise<string>) | undefined;
  #times: TokenTimes | null;
  #lastActivity = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #quietTimer: ReturnType<typeof setTimeout> | undefined;
  #waitingForInput = false;
  #renewing = false;
  #failures = 0;
  /** A planned reconnect with a new token is under way: status events do not move the badge. */
  #quiet = false;
  #destroyed = false;
  readonly #presentWhenVisible: boolean;

  /**
   * `renew`: fetches the next token (none: the connection ends when this one expires).
   * `presentWhenVisible`: guests only — the page in view counts as the person being here (renewal.ts).
   */
  constructor(docName: string, token: string, renew?: () => Promise<string>, opts: { presentWhenVisible?: boolean } = {}) {
    const base = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/sync`;
    this.#renew = renew;
    this.#presentWhenVisible = opts.presentWhenVisible === true;
    this.#times = tokenTimes(token, Date.now());
    // No BroadcastChannel: tabs of one browser may hold different roles, and every update must
    // pass the server's access checks rather than hop between tabs.
    this.provider = new WebsocketProvider(base, docName, this.doc, { params: { token }, maxBackoffTime: 2500, disableBc: true });
    holdEditsUntilAnswered(this.provider);
    this.provider.on('status', ({ status }: { status: string }) => {
      if (status === 'connected' || this.#quiet) return; // live once synced
      if (this.state === 'closed' || this.state === 'offline' || this.state === 'idle') return;
      this.state = this.#everLive ? 'reconnecting' : 'connecting';
    });
    this.provider.on('sync', (synced: boolean) => {
      if (synced) { this.#everLive = true; this.#quiet = false; this.state = 'live'; this.pending = 0; this.closeCode = null; }
    });
    this.provider.on('connection-close', (ev: CloseEvent | null) => {
      if (!ev) return; // closed by this page (offline, new token, destroy)
      this.#quiet = false;
      if (ev.code >= 4000) this.closeCode = ev.code;
      if (FINAL_CODES.includes(ev.code)) return this.#close(ev.code);
      if (ev.code !== TOKEN_EXPIRED && !this.#lapsed()) return; // the provider reconnects by itself
      this.provider.shouldConnect = false; // never again with this token
      if (this.#renew) this.#schedule();
      else this.#close(TOKEN_EXPIRED);
    });
    this.doc.on('update', (_u: Uint8Array, origin: unknown) => {
      if (origin === this.provider) return;
      this.#active();
      if (this.state !== 'live') this.pending += 1;
    });
    addEventListener('offline', this.#offline);
    addEventListener('online', this.#online);
    for (const e of INPUT_EVENTS) addEventListener(e, this.#active, { capture: true, passive: true });
    if (this.#presentWhenVisible) document.addEventListener('visibilitychange', this.#visibility);
    this.#schedule();
  }

  #present(): boolean {
    return this.#presentWhenVisible && document.visibilityState === 'visible';
  }

  /** A guest page coming back into view while renewal waits: renew if the token has not lapsed. */
  #visibility = (): void => {
    if (this.#waitingForInput && this.#present() && !this.#lapsed()) this.#schedule();
  };

  #lapsed(): boolean {
    return this.#times !== null && hasLapsed(this.#times, Date.now());
  }

  #active = (): void => {
    this.#lastActivity = Date.now();
    noteActivity(this.#lastActivity);
    if (this.#waitingForInput) this.#schedule();
  };

  /** Decides what the token needs next (renewal.ts) and arms a timer, renews, or waits for input. */
  #schedule = (): void => {
    clearTimeout(this.#timer);
    this.#waitingForInput = false;
    if (!this.#renew || !this.#times || this.#renewing || this.state === 'closed' || this.state === 'offline') return;
    const step = nextStep(this.#times, Date.now(), this.#lastActivity, this.#present() && !this.#lapsed());
    if (step.do === 'wait') this.#timer = setTimeout(this.#schedule, step.ms);
    else if (step.do === 'renew') void this.#renewNow();
    else {
      this.#waitingForInput = true;
      // Still connected, the token has time left; once it lapsed, the provider stays down.
      if (!this.provider.shouldConnect) this.state = 'idle';
    }
  };

  async #renewNow(): Promise<void> {
    this.#renewing = true;
    let token: string;
    try {
      token = await this.#renew!();
    } catch (e) {
      this.#renewing = false;
      if (this.#destroyed) return;
      if (e instanceof RenewalError && e.reason === 'ended') { this.endCode = e.code; this.provider.disconnect(); return this.#close(e.closeCode); }
      // The connection may still be live on the old token; only a lapsed one is 'reconnecting'.
      if (!this.provider.wsconnected && this.state !== 'offline') this.state = 'reconnecting';
      this.#timer = setTimeout(this.#schedule, retryDelayMs(++this.#failures));
      return;
    }
    this.#renewing = false;
    if (this.#destroyed || this.state === 'closed') return;
    this.#failures = 0;
    this.#times = tokenTimes(token, Date.now());
    this.provider.params = { ...this.provider.params, token };
    this.#reconnect();
    this.#schedule();
  }

  /** Reconnects with the new token; a live connection is swapped without leaving 'live'. */
  #reconnect(): void {
    if (this.state === 'offline') return; // #online connects, with the new token
    if (this.provider.wsconnected) {
      this.#quiet = true;
      clearTimeout(this.#quietTimer);
      this.#quietTimer = setTimeout(() => {
        if (this.#quiet) { this.#quiet = false; this.state = 'reconnecting'; }
      }, QUIET_SWAP_MS);
    } else {
      this.state = this.#everLive ? 'reconnecting' : 'connecting';
    }
    this.provider.disconnect();
    this.provider.connect();
  }

  #close(code: number): void {
    this.closeCode = code;
    this.state = 'closed';
    this.provider.shouldConnect = false;
    clearTimeout(this.#timer);
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
    if (!this.#lapsed()) this.provider.connect();
    else if (!this.#renew) return this.#close(TOKEN_EXPIRED);
    this.#schedule();
  };

  whenSynced(): Promise<void> {
    if (this.provider.synced) return Promise.resolve();
    return new Promise((resolve) => {
      const h = (s: boolean) => { if (s) { this.provider.off('sync', h); resolve(); } };
      this.provider.on('sync', h);
    });
  }

  destroy(): void {
    this.#destroyed = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#quietTimer);
    removeEventListener('offline', this.#offline);
    removeEventListener('online', this.#online);
    for (const e of INPUT_EVENTS) removeEventListener(e, this.#active, { capture: true });
    document.removeEventListener('visibilitychange', this.#visibility);
    this.provider.destroy();
    this.doc.destroy();
  }
}
