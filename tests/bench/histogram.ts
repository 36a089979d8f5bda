/**
 * A latency histogram with logarithmic buckets: O(1) to record, fixed memory, and percentiles
 * within 1% of the true value. Millions of samples per run would not fit in a sorted array
 * cheaply enough for a load generator that must stay out of the way.
 *
 * Bucket i covers [MIN·G^i, MIN·G^(i+1)) with G = 1.01, MIN = 1 µs; values below MIN land in
 * bucket 0 and values above the top (MIN·G^BUCKETS ≈ 3,200 s) in the last one, which reports the maximum.
 */
const MIN_MS = 0.001;
const GROWTH = 1.01;
const LOG_G = Math.log(GROWTH);
const BUCKETS = 2200;

export class Histogram {
  readonly counts = new Float64Array(BUCKETS);
  count = 0;
  sum = 0;
  max = 0;

  record(ms: number): void {
    const v = ms > MIN_MS ? ms : MIN_MS;
    let i = Math.floor(Math.log(v / MIN_MS) / LOG_G);
    if (i >= BUCKETS) i = BUCKETS - 1;
    this.counts[i]! += 1;
    this.count++;
    this.sum += ms;
    if (ms > this.max) this.max = ms;
  }

  /** Plain data that crosses IPC (structured clone). */
  data(): HistogramData {
    return { counts: this.counts, count: this.count, sum: this.sum, max: this.max };
  }

  static from(d: HistogramData): Histogram {
    const h = new Histogram();
    h.counts.set(d.counts);
    h.count = d.count;
    h.sum = d.sum;
    h.max = d.max;
    return h;
  }

  merge(other: Histogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i]! += other.counts[i]!;
    this.count += other.count;
    this.sum += other.sum;
    if (other.max > this.max) this.max = other.max;
  }

  /** The value at quantile q (0..1): the geometric middle of the bucket that holds it; NaN when empty. */
  quantile(q: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return i === BUCKETS - 1 ? this.max : Math.min(this.max, MIN_MS * GROWTH ** (i + 0.5));
    }
    return this.max;
  }

  get mean(): number {
    return this.count === 0 ? Number.NaN : this.sum / this.count;
  }

  summary(): LatencySummary {
    return { count: this.count, p50: this.quantile(0.5), p95: this.quantile(0.95), p99: this.quantile(0.99), max: this.max, mean: this.mean };
  }
}

export interface HistogramData { counts: Float64Array; count: number; sum: number; max: number }

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}
