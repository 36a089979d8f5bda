/** The latency histogram's percentiles stay within its promised 1% of exact order statistics. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Histogram } from './histogram.ts';

const test = suite('bench: latency histogram');

function exact(sorted: number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

// A seeded generator so the data is the same on every run.
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const shapes: [string, (r: () => number) => number][] = [
  ['uniform 0-10 ms', (r) => r() * 10],
  ['long tail (exponential, mean 2 ms)', (r) => -Math.log(1 - r()) * 2],
  ['bimodal 0.3 ms / 80 ms', (r) => (r() < 0.9 ? 0.3 + r() * 0.05 : 80 + r() * 20)],
];

for (const [name, gen] of shapes) {
  test(`percentiles within 1% for ${name}`, () => {
    const r = lcg(42);
    const h = new Histogram();
    const xs: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const v = gen(r);
      xs.push(v);
      h.record(v);
    }
    xs.sort((a, b) => a - b);
    for (const q of [0.5, 0.95, 0.99]) {
      const want = exact(xs, q);
      const got = h.quantile(q);
      assert.ok(Math.abs(got - want) / want <= 0.01, `q${q}: got ${got}, exact ${want}`);
    }
    assert.is(h.count, 20_000);
    assert.is(h.max, xs[xs.length - 1]);
  });
}

test('merge equals recording everything in one histogram', () => {
  const a = new Histogram();
  const b = new Histogram();
  const all = new Histogram();
  for (let i = 1; i <= 1000; i++) {
    (i % 2 ? a : b).record(i / 10);
    all.record(i / 10);
  }
  a.merge(b);
  assert.equal(a.summary(), all.summary());
});

test('an empty histogram reports NaN, not zero', () => {
  const s = new Histogram().summary();
  assert.is(s.count, 0);
  assert.ok(Number.isNaN(s.p99));
});

test('values below 1 µs and far above the range are still counted', () => {
  const h = new Histogram();
  h.record(0);
  h.record(1e9);
  assert.is(h.count, 2);
  assert.is(h.quantile(1), 1e9);
});

test.run();
