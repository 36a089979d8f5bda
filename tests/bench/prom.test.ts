import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { delta, parseHistogram, quantile } from './prom.ts';

const test = suite('bench: Prometheus histogram quantiles');

const scrapeText = (counts: number[]) => [
  '# HELP h x',
  '# TYPE h histogram',
  `h_bucket{le="0.001"} ${counts[0]}`,
  `h_bucket{le="0.002"} ${counts[1]}`,
  `h_bucket{le="0.005"} ${counts[2]}`,
  `h_bucket{le="+Inf"} ${counts[3]}`,
  `h_sum 0.1`,
  `h_count ${counts[3]}`,
].join('\n');

test('parses the buckets of one histogram', () => {
  const b = parseHistogram(scrapeText([1, 2, 3, 4]), 'h');
  assert.equal(b, { le: [0.001, 0.002, 0.005, Infinity], counts: [1, 2, 3, 4] });
  assert.is(parseHistogram(scrapeText([1, 2, 3, 4]), 'other'), null);
});

test('quantiles interpolate within the bucket of the rank, from deltas between scrapes', () => {
  const before = parseHistogram(scrapeText([10, 10, 10, 10]), 'h')!;
  // 100 new observations: 50 under 1 ms, 40 in (1, 2], 10 in (2, 5].
  const after = parseHistogram(scrapeText([60, 100, 110, 110]), 'h')!;
  const d = delta(before, after);
  assert.equal(d.counts, [50, 90, 100, 100]);
  assert.ok(Math.abs(quantile(d, 0.5)! - 0.001) < 1e-12);
  assert.ok(Math.abs(quantile(d, 0.25)! - 0.0005) < 1e-12);
  assert.ok(Math.abs(quantile(d, 0.7)! - 0.0015) < 1e-12);
  assert.ok(Math.abs(quantile(d, 0.95)! - 0.0035) < 1e-12);
});

test('nothing observed: null; rank past the last finite bound: that bound', () => {
  const b = parseHistogram(scrapeText([0, 0, 0, 0]), 'h')!;
  assert.is(quantile(b, 0.5), null);
  const tail = parseHistogram(scrapeText([0, 0, 1, 10]), 'h')!;
  assert.is(quantile(tail, 0.99), 0.005);
});

test.run();
