/**
 * One bench client: a raw WebSocket speaking just enough of the server's dialect to sync an
 * empty document, type keystrokes, and report every remote update it receives.
 *
 * Handshake, as the stock providers do it:
 *   y-websocket: client sends step1 (empty state vector); the server sends its step1, which we
 *     answer with step2 (our empty update), and its step2, which marks us synced.
 *   Hocuspocus: the same, after an auth message (the server queues everything until then).
 */
import { mintToken, secretKey } from '../../../server/auth/tokens.ts';
import { connectWire, type WireSocket } from '../wire.ts';
import {
  EMPTY_STATE_VECTOR, EMPTY_UPDATE, IN_STEP1, IN_STEP2, IN_UPDATE, SYNC_STEP1, SYNC_STEP2,
  hocuspocusAuth, keystrokeMessage, messagePrefix, newParsed, parseIncoming, syncMessage, type Dialect,
} from '../yproto.ts';

export type ServerKind = 'rounds' | 'yws' | 'hocuspocus';

/** Where a server under test listens and how to talk to it (plain data: crosses IPC). */
export interface Target {
  kind: ServerKind;
  host: string;
  port: number;
  /** Rounds: a JWT for `bench/*`; Hocuspocus: any string (no auth hook is configured). */
  token: string;
  /**
   * Rounds: the token secret, so that each client gets its own token and user (`sub`), as real
   * clients do (Rounds caps live connections per user). Without it all clients share `token`.
   */
  secret?: string;
  /** Rounds: the bearer token for its GET /metrics (the server's own share of the latency). */
  metricsToken?: string;
}

export const dialectOf = (kind: ServerKind): Dialect => (kind === 'hocuspocus' ? 'hocuspocus' : 'y-websocket');

export function pathFor(t: Target, doc: string, token = t.token): string {
  if (t.kind === 'rounds') return `/sync/${encodeURI(doc)}?token=${encodeURIComponent(token)}`;
  if (t.kind === 'yws') return `/${encodeURI(doc)}`;
  return '/';
}

/** Called for every sync update a client receives: the first struct's author and clock. */
export type UpdateHook = (receiver: BenchClient, client: number, clock: number) => void;

export interface ClientOptions {
  /** This client's Yjs clientID when it types (unique per document). */
  clientID: number;
  onUpdate?: UpdateHook;
  /** Keep a copy of the server's step2 (the whole document) for verification. */
  keepState?: boolean;
  /** A synced connection ended (a failed handshake rejects `connect()` instead). */
  onClose?: (c: BenchClient, reason: string) => void;
  timeoutMs?: number;
}

const CHARS = 'abcdefghijklmnopqrstuvwxyz ';
const parsed = newParsed();

export class BenchClient {
  readonly dialect: Dialect;
  readonly prefix: Uint8Array;
  ws: WireSocket | null = null;
  synced = false;
  /** The server's step2 payload, when `keepState` was asked for. */
  state: Uint8Array | null = null;
  /** Next clock this client will type at; also the number of keystrokes sent. */
  clock = 0;
  /** Updates that came back to their own author (y-websocket-server and Hocuspocus echo). */
  echoes = 0;
  /** Every sync update received, whoever wrote it. */
  updatesReceived = 0;
  closedReason: string | null = null;
  #syncWaiters: ((err?: Error) => void)[] = [];
  #countWaiter: { n: number; resolve: () => void } | null = null;

  constructor(readonly target: Target, readonly doc: string, readonly o: ClientOptions) {
    this.dialect = dialectOf(target.kind);
    this.prefix = messagePrefix(this.dialect, doc);
  }

  get id(): number {
    return this.o.clientID;
  }

  get open(): boolean {
    return this.ws !== null && !this.ws.closed;
  }

  #token: string | null = null;

  /** Mints this client's own token when the target allows it (not timed as part of connecting). */
  async prepare(): Promise<void> {
    if (this.#token !== null) return;
    const t = this.target;
    this.#token = t.kind === 'rounds' && t.secret
      ? await mintToken(secretKey(t.secret), { sub: `bench-${this.o.clientID}`, role: 'clinician', doc: 'bench/*', access: 'write' }, 3600)
      : t.token;
  }

  /** Connects and resolves once the server's step2 has arrived. */
  async connect(): Promise<this> {
    this.closedReason = null;
    await this.prepare();
    const synced = new Promise<void>((resolve, reject) => this.#syncWaiters.push((e) => (e ? reject(e) : resolve())));
    synced.catch(() => {}); // raced against the timeout below; a late rejection is not an error
    this.ws = await connectWire(
      { host: this.target.host, port: this.target.port, path: pathFor(this.target, this.doc, this.#token ?? undefined), timeoutMs: this.o.timeoutMs ?? 30_000 },
      { onMessage: (d, ws) => this.#onMessage(d, ws), onClose: (r) => this.#onClose(r) },
    );
    const hello = [syncMessage(this.prefix, SYNC_STEP1, EMPTY_STATE_VECTOR)];
    if (this.dialect === 'hocuspocus') hello.unshift(hocuspocusAuth(this.prefix, this.#token ?? this.target.token));
    this.ws.sendMany(hello);
    const ms = this.o.timeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => { this.ws?.destroy(); reject(new Error(`no sync step 2 within ${ms} ms`)); }, ms);
    });
    try {
      await Promise.race([synced, timeout]);
    } finally {
      clearTimeout(timer);
    }
    return this;
  }

  /** Types one character after this client's previous one; returns the clock it used. */
  type(): number {
    const clock = this.clock++;
    this.ws?.send(keystrokeMessage(this.prefix, this.o.clientID, clock, CHARS[clock % CHARS.length]!));
    return clock;
  }

  /** Sends raw, already framed protocol messages (used to upload a history). */
  sendRaw(messages: readonly Uint8Array[]): void {
    this.ws?.sendMany(messages);
  }

  /** Resolves once `n` sync updates have been received in total (rejects if the socket closes). */
  receivedAtLeast(n: number, timeoutMs: number): Promise<void> {
    if (this.updatesReceived >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.#countWaiter = null; reject(new Error(`only ${this.updatesReceived} of ${n} updates arrived`)); }, timeoutMs);
      this.#countWaiter = { n, resolve: () => { clearTimeout(timer); resolve(); } };
    });
  }

  close(): void {
    this.ws?.close();
  }

  destroy(): void {
    this.ws?.destroy();
  }

  #onMessage(d: Uint8Array, ws: WireSocket): void {
    parseIncoming(d, this.dialect, parsed);
    switch (parsed.kind) {
      case IN_UPDATE:
        this.updatesReceived++;
        if (this.#countWaiter && this.updatesReceived >= this.#countWaiter.n) { this.#countWaiter.resolve(); this.#countWaiter = null; }
        if (parsed.client === this.o.clientID) this.echoes++;
        else if (parsed.client >= 0) this.o.onUpdate?.(this, parsed.client, parsed.clock);
        return;
      case IN_STEP1:
        ws.send(syncMessage(this.prefix, SYNC_STEP2, EMPTY_UPDATE));
        return;
      case IN_STEP2:
        if (this.synced) return;
        if (this.o.keepState) this.state = d.slice(parsed.start, parsed.end);
        this.synced = true;
        for (const w of this.#syncWaiters.splice(0)) w();
        return;
      default:
        return;
    }
  }

  #onClose(reason: string): void {
    this.closedReason = reason;
    if (!this.synced) {
      for (const w of this.#syncWaiters.splice(0)) w(new Error(`closed before sync: ${reason}`));
      return;
    }
    this.o.onClose?.(this, reason);
  }
}

export interface ConnectStats {
  /** Handshakes that failed and were tried again (the server closed or refused them). */
  retries: number;
  /** The reasons of those failures, counted. */
  failures: Record<string, number>;
}

/**
 * Connects `clients` with at most `concurrency` handshakes in flight. A failed handshake is
 * retried (up to `attempts` times per client) and counted, so a server that drops some
 * handshakes is reported rather than aborting the run; the last failure is thrown.
 */
export async function connectAll(clients: readonly BenchClient[], concurrency = 64, attempts = 3): Promise<ConnectStats> {
  const stats: ConnectStats = { retries: 0, failures: {} };
  for (const c of clients) await c.prepare();
  let next = 0;
  const worker = async () => {
    while (next < clients.length) {
      const c = clients[next++]!;
      for (let attempt = 1; ; attempt++) {
        try {
          await c.connect();
          break;
        } catch (e) {
          const why = (e instanceof Error ? e.message : String(e)).replace(/\d+/g, 'N');
          stats.failures[why] = (stats.failures[why] ?? 0) + 1;
          if (attempt >= attempts) throw e;
          stats.retries++;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, clients.length) }, worker));
  return stats;
}
