/** The Bus over Redis pub/sub (ioredis): one channel per document plus one control channel. */
import { Redis } from 'ioredis';
import * as encoding from 'lib0/encoding';
import type { Logger } from 'pino';
import { Reader } from '../sync/protocol.ts';
import type { Bus, BusKind, BusMessage, ControlMessage } from './bus.ts';

const DOC_PREFIX = 'rounds:doc:';
const CONTROL = 'rounds:control';
const KIND: Record<BusKind, number> = { update: 0, awareness: 1 };

export class RedisBus implements Bus {
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #handlers = new Map<string, (m: BusMessage) => void>();
  readonly #control: ((m: ControlMessage) => void)[] = [];
  readonly #reconnect: (() => void)[] = [];
  #healthy = false;
  #wasDown = false;

  constructor(readonly instanceId: string, url: string, private readonly log: Logger) {
    const opts = { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: (n: number) => Math.min(50 * n, 1000) };
    this.#pub = new Redis(url, opts);
    this.#sub = new Redis(url, { ...opts, enableOfflineQueue: true });
    for (const c of [this.#pub, this.#sub]) c.on('error', () => { /* reported through health */ });
    this.#sub.on('ready', () => this.#ready());
    this.#sub.on('close', () => this.#down());
    this.#pub.on('close', () => this.#down());
    this.#sub.on('messageBuffer', (channel: Buffer, message: Buffer) => this.#onMessage(channel.toString(), message));
  }

  get healthy(): boolean {
    return this.#healthy && this.#pub.status === 'ready' && this.#sub.status === 'ready';
  }

  async waitReady(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.healthy) {
      if (Date.now() > deadline) throw new Error('redis not reachable');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  #down(): void {
    if (this.#healthy) this.log.warn('redis unreachable: serving local clients only (degraded)');
    this.#healthy = false;
    this.#wasDown = true;
  }

  #ready(): void {
    // ioredis re-subscribes its channels itself on reconnect; (re)subscribe the control channel too.
    void this.#sub.subscribe(CONTROL).then(() => {
      this.#healthy = true;
      if (this.#wasDown) {
        this.log.info('redis reachable again: resynchronising documents from the store');
        for (const h of this.#reconnect) h();
      }
    }, () => {});
  }

  async subscribe(doc: string, onMessage: (m: BusMessage) => void): Promise<void> {
    this.#handlers.set(DOC_PREFIX + doc, onMessage);
    try {
      await this.#sub.subscribe(DOC_PREFIX + doc);
    } catch {
      // Broker down: the document still loads from the store; reconnect resyncs it.
    }
  }

  async unsubscribe(doc: string): Promise<void> {
    this.#handlers.delete(DOC_PREFIX + doc);
    try { await this.#sub.unsubscribe(DOC_PREFIX + doc); } catch { /* broker down */ }
  }

  publish(doc: string, kind: BusKind, payload: Uint8Array): void {
    if (!this.healthy) return;
    const e = encoding.createEncoder();
    encoding.writeVarString(e, this.instanceId);
    encoding.writeVarUint(e, KIND[kind]);
    encoding.writeVarUint8Array(e, payload);
    this.#pub.publish(DOC_PREFIX + doc, Buffer.from(encoding.toUint8Array(e))).catch(() => {});
  }

  publishControl(msg: ControlMessage): void {
    if (!this.healthy) return;
    this.#pub.publish(CONTROL, JSON.stringify({ from: this.instanceId, msg })).catch(() => {});
  }

  onControl(handler: (msg: ControlMessage) => void): void {
    this.#control.push(handler);
  }

  onReconnect(handler: () => void): void {
    this.#reconnect.push(handler);
  }

  #onMessage(channel: string, message: Buffer): void {
    if (channel === CONTROL) {
      try {
        const { from, msg } = JSON.parse(message.toString()) as { from: string; msg: ControlMessage };
        if (from !== this.instanceId) for (const h of this.#control) h(msg);
      } catch { /* not ours */ }
      return;
    }
    const handler = this.#handlers.get(channel);
    if (!handler) return;
    try {
      const r = new Reader(new Uint8Array(message.buffer, message.byteOffset, message.byteLength));
      const from = r.varString();
      if (from === this.instanceId) return;
      const kind = r.varUint();
      const payload = r.varBytes().slice();
      r.end();
      handler({ kind: kind === 0 ? 'update' : 'awareness', payload });
    } catch {
      this.log.warn({ channel: 'doc' }, 'dropped an undecodable bus message');
    }
  }

  async close(): Promise<void> {
    this.#pub.disconnect();
    this.#sub.disconnect();
  }
}
