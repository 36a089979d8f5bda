/** How the report states Rounds' advantage over a peer, in each metric's own direction. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { advantage } from './report.ts';

const test = suite('bench: report ratios');

const cases: [rounds: number | null, peer: number | null, better: 'higher' | 'lower', want: string][] = [
  [3000, 1000, 'higher', '3.0× better'],
  [1000, 3000, 'higher', '3.0× worse'],
  [5, 20, 'lower', '4.0× better'],
  [20, 5, 'lower', '4.0× worse'],
  [7, 7, 'lower', 'equal'],
  [53_995, 53_990, 'higher', 'about the same'],
  [137, 140, 'lower', 'about the same'],
  [0, 120, 'lower', 'better (Rounds: 0)'],
  [500, 0, 'higher', 'better (peer: 0)'],
  [null, 10, 'lower', '–'],
  [10, null, 'higher', '–'],
  [Number.NaN, 10, 'lower', '–'],
];

for (const [r, p, better, want] of cases) {
  test(`Rounds ${r} vs peer ${p} (${better} is better) → ${want}`, () => {
    assert.is(advantage(r, p, better), want);
  });
}

test.run();
