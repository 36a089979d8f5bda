/**
 * Caps live sync connections per user (token subject). Counts follow the hub's own open/close
 * events, so they match what the hub holds; upgrades past the cap are refused before a socket
 * exists. Upgrades between authorization and open count as pending for a few seconds, so a burst
 * cannot slip past, and an upgrade the client abandoned does not hold its slot for ever.
 */
import type { SyncEvent } from '../sync/hub.ts';

const PENDING_MS = 10_000;

export class ConnectionCaps {
  readonly #open = new Map<string, number>();
  readonly #pending = new Map<string, number[]>();
  constructor(readonly maxPerUser: number) {}

  #live(sub: string, now: number): number[] {
    const p = (this.#pending.get(sub) ?? []).filter((t) => now - t < PENDING_MS);
    if (p.length) this.#pending.set(sub, p); else this.#pending.delete(sub);
    return p;
  }

  /** Reserves a slot for an upgrade; false when the user is at the cap. */
  reserve(sub: string, now: number): boolean {
    const p = this.#live(sub, now);
    if ((this.#open.get(sub) ?? 0) + p.length >= this.maxPerUser) return false;
    this.#pending.set(sub, [...p, now]);
    return true;
  }

  /** Gives back a reservation whose upgrade was refused. */
  release(sub: string): void {
    const p = this.#pending.get(sub);
    if (!p) return;
    p.shift();
    if (!p.length) this.#pending.delete(sub);
  }

  /** Feed with the hub's events: an open turns a reservation into a connection; a close frees it. */
  onEvent(e: SyncEvent): void {
    const sub = e.ctx.sub;
    if (e.type === 'open') {
      this.release(sub);
      this.#open.set(sub, (this.#open.get(sub) ?? 0) + 1);
    } else if (e.type === 'close') {
      const n = (this.#open.get(sub) ?? 0) - 1;
      if (n > 0) this.#open.set(sub, n); else this.#open.delete(sub);
    }
  }

  connections(sub: string): number { return this.#open.get(sub) ?? 0; }
}
