/**
 * A small seeded PRNG (mulberry32) for reproducible random tests. Tests print their seed and
 * take `ROUNDS_TEST_SEED` from the environment, so a failing run can be replayed exactly.
 */
export class Prng {
  #s: number;

  constructor(readonly seed: number) {
    this.#s = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.#s = (this.#s + 0x6d2b79f5) >>> 0;
    let t = this.#s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  bool(p = 0.5): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new TypeError('pick from an empty list');
    return items[this.int(items.length)]!;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }

  /** Lower-case words and spaces, like typing. */
  text(maxLen: number): string {
    const n = 1 + this.int(maxLen);
    let s = '';
    for (let i = 0; i < n; i++) s += this.bool(0.15) ? ' ' : String.fromCharCode(97 + this.int(26));
    return s;
  }

  /** A new generator whose sequence depends only on this one's seed and `salt`. */
  fork(salt: number): Prng {
    return new Prng((this.seed ^ Math.imul(salt + 1, 0x9e3779b1)) >>> 0);
  }
}

/** The seed for a test file: `ROUNDS_TEST_SEED` if set, else the given default. */
export function testSeed(fallback: number): number {
  const raw = process.env.ROUNDS_TEST_SEED;
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new TypeError(`ROUNDS_TEST_SEED must be an integer, got "${raw}"`);
  return n >>> 0;
}
