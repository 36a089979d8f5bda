/** The typing scenario's measured windows: which one is reported, and how the report shows them. */
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { StepResult } from './loadgen/typing.ts';
import { renderMarkdown } from './report.ts';
import type { BenchResults, TypingResult } from './results.ts';
import { medianRun } from './scenarios.ts';

const test = suite('bench: typing windows');

/** A real run's results (committed with the report) as the fixture. */
const fixture = (): BenchResults => JSON.parse(readFileSync(new URL('./results/latest.json', import.meta.url), 'utf8')) as BenchResults;

const withP99 = (base: StepResult, p99: number): StepResult => ({ ...base, latency: { ...base.latency, p99 } });

test('the median window by p99 is reported; of an even number, the lower middle one', () => {
  const base = (fixture().typing.rounds as TypingResult).step;
  const [a, b, c, d] = [withP99(base, 12), withP99(base, 9), withP99(base, 20), withP99(base, 15)];
  assert.is(medianRun([a!, b!, c!]), a);
  assert.is(medianRun([c!, d!, a!, b!]), a);
  assert.is(medianRun([c!]), c);
  assert.throws(() => medianRun([]), /no measured typing window/);
});

test('the report lists every window, marks the median, and judges the target on it', () => {
  const r = fixture();
  r.profile.typing = { ...r.profile.typing!, runs: 3 };
  const t = r.typing.rounds as TypingResult;
  const runs = [withP99(t.step, 12), withP99(t.step, 9), withP99(t.step, 20)];
  r.typing.rounds = { ...t, runs, step: medianRun(runs) };
  // A peer's result written before windows existed (no `runs`) is shown as its one window.
  delete (r.typing.yws as Partial<TypingResult>).runs;
  const md = renderMarkdown(r);
  assert.match(md, '| Typing p99 ≤ 10 ms with 1,000 clients in 100 visits | 12.0 ms (median of 3 windows: 12.0, 9.0, 20.0 ms) with 1,000 clients in 100 visits | **not met** |');
  assert.match(md, '| Rounds: 6 (window 1 of 3, the median) |');
  assert.match(md, '| Rounds: 6 (window 2 of 3) |');
  assert.match(md, '| Rounds: 6 (window 3 of 3) |');
  assert.match(md, 'the median of 3 windows of 8 s by p99');
  assert.match(md, '| y-websocket-server: 6 | ');
  assert.not.match(md, 'y-websocket-server: 6 (window');
});

test('results written before windows existed still render, one row per server', () => {
  const r = fixture();
  delete (r.profile.typing as { runs?: number }).runs;
  for (const k of r.servers) delete (r.typing[k] as Partial<TypingResult>).runs;
  const md = renderMarkdown(r);
  assert.match(md, /\| Rounds: 6 \| [\d,]+ \|/);
  assert.not.match(md, /\(window \d/);
  assert.not.match(md, 'median of');
});

test.run();
