/**
 * Reads one Prometheus histogram from Rounds' GET /metrics, and the quantiles of what was
 * observed between two scrapes (bucket deltas, linear within a bucket, as PromQL's
 * histogram_quantile does). Used to split keystroke latency into the server's own part
 * (arrival → broadcast, after commit) and everything else (network, kernel, load generator).
 */
export interface Buckets {
  /** Upper bounds, ascending; the last is +Inf. */
  le: number[];
  /** Cumulative counts per bound. */
  counts: number[];
}

export function parseHistogram(text: string, name: string): Buckets | null {
  const le: number[] = [];
  const counts: number[] = [];
  const prefix = `${name}_bucket{le="`;
  for (const line of text.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const end = line.indexOf('"', prefix.length);
    const bound = line.slice(prefix.length, end);
    le.push(bound === '+Inf' ? Infinity : Number(bound));
    counts.push(Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return le.length ? { le, counts } : null;
}

/** What was observed after `before` up to `after` (same histogram, two scrapes). */
export function delta(before: Buckets, after: Buckets): Buckets {
  return { le: after.le, counts: after.counts.map((c, i) => c - (before.counts[i] ?? 0)) };
}

/** The q-quantile (0..1), or null when nothing was observed; past the last finite bound: that bound. */
export function quantile(b: Buckets, q: number): number | null {
  const total = b.counts[b.counts.length - 1] ?? 0;
  if (total === 0) return null;
  const rank = q * total;
  for (let i = 0; i < b.le.length; i++) {
    if (b.counts[i]! < rank) continue;
    const upper = b.le[i]!;
    if (upper === Infinity) return b.le[i - 1] ?? null;
    const lower = i === 0 ? 0 : b.le[i - 1]!;
    const below = i === 0 ? 0 : b.counts[i - 1]!;
    const inBucket = b.counts[i]! - below;
    return inBucket === 0 ? upper : lower + ((upper - lower) * (rank - below)) / inBucket;
  }
  return null;
}

export async function scrape(host: string, port: number, token: string): Promise<string> {
  const res = await fetch(`http://${host}:${port}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}`);
  return res.text();
}
