/**
 * A tiny run of the whole bench harness against Rounds and both peers: checks that it counts
 * correctly (every keystroke delivered to every other client of its visit, nothing invented,
 * nothing lost by Rounds in a crash) and that the report and chart render. Never speed.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PROFILES } from './profiles.ts';
import { runBench } from './harness.ts';
import { renderMarkdown } from './report.ts';
import { renderChart } from './chart.ts';
import { failed, type BenchResults, type PerServer } from './results.ts';
import type { ServerKind } from './loadgen/client.ts';
import type { StepResult } from './loadgen/typing.ts';

const test = suite('bench: smoke run of the harness (counts, not speed)');
const profile = PROFILES.smoke;
let results: BenchResults;

function get<T extends object>(x: PerServer<T>, k: ServerKind): T {
  const v = x[k];
  if (v === undefined) throw new Error(`${k}: scenario did not run`);
  if (failed(v)) throw new Error(`${k}: ${v.error}`);
  return v;
}

function assertCounts(s: StepResult, perVisit: number, what: string): void {
  assert.ok(s.sent > 0, `${what}: something was typed`);
  assert.is(s.expected, s.sent * (perVisit - 1), `${what}: each keystroke is owed to every other client of its visit`);
  assert.is(s.delivered, s.expected, `${what}: every owed delivery arrived`);
  assert.is(s.unexpected, 0, `${what}: no update that nobody sent`);
  assert.is(s.disconnects, 0, `${what}: no client was dropped`);
  assert.is(s.latency.count, s.delivered, `${what}: one latency sample per delivery`);
}

test.before(async () => {
  results = await runBench(profile, { command: 'smoke.test.ts' });
});

for (const k of profile.servers) {
  test(`${k}: typing delivers sent × (clients per visit − 1) updates`, () => {
    const t = get(results.typing, k);
    assert.is(t.runs.length, profile.typing!.runs, 'one result per measured window');
    assert.ok(t.runs.includes(t.step), 'the reported window is one of them');
    t.runs.forEach((w, i) => {
      assertCounts(w, profile.typing!.perVisit, `${k} typing, window ${i + 1}`);
      if (k === 'rounds') {
        // Rounds' /metrics saw every keystroke of the window commit (the server's share of latency).
        assert.ok(w.serverShare, 'the share was scraped');
        assert.is(w.serverShare!.updates, w.sent);
        assert.ok(w.serverShare!.p99 !== null && w.serverShare!.p99 >= w.serverShare!.p50!);
      } else assert.is(w.serverShare, null);
    });
  });

  test(`${k}: saturation steps count the same way`, () => {
    const s = get(results.saturation, k);
    assert.ok(s.steps.length >= 1);
    for (const step of s.steps) {
      assert.is(step.expected, step.sent * (profile.saturation!.perVisit - 1));
      assert.ok(step.delivered <= step.expected, 'never more deliveries than owed');
      assert.is(step.unexpected, 0);
    }
    if (s.best) assert.ok(s.best.complete && s.best.latency.p99 <= s.p99LimitMs, 'the best step is a passing step');
  });

  test(`${k}: every idle client connects and syncs`, () => {
    const v = get(results.idle, k);
    assert.is(v.connected, profile.idle!.clients);
    assert.ok(v.rssAfterBytes > 0 && v.rssBeforeBytes > 0, 'memory was read from /proc');
  });

  test(`${k}: the loaded long-history document is complete`, () => {
    const v = get(results.coldLoad, k);
    assert.is(v.updates, profile.coldLoad!.updates);
    assert.ok(v.warm.complete, 'warm load has every author\'s full history');
    if (k === 'yws') assert.is(v.cold, null, 'an in-memory server has no cold load');
    else assert.ok(v.cold?.complete, 'cold load from storage has every author\'s full history');
  });
}

test('crash: Rounds loses nothing it has shown; the in-memory server loses everything', () => {
  const r = get(results.crash, 'rounds');
  assert.ok(r.seen > 0, 'clients received updates before the kill');
  assert.is(r.lost, 0);
  const y = get(results.crash, 'yws');
  assert.ok(y.seen > 0);
  assert.is(y.lost, y.seen);
});

test('crash: Hocuspocus loses what its 2 s debounce had not yet stored', () => {
  const h = get(results.crash, 'hocuspocus');
  assert.ok(h.seen > 0);
  assert.ok(h.seen <= h.sent);
  // The run lasts less than the debounce, so nothing had been stored before the kill.
  assert.ok(profile.crash!.seconds < 2);
  assert.is(h.lost, h.seen);
});

test('the report and the chart render every server', () => {
  const md = renderMarkdown(results);
  for (const label of ['Rounds (durable SQLite)', '@y/websocket-server 0.1.1 (in memory)', '@hocuspocus/server 3.4.4 + SQLite']) assert.ok(md.includes(label), label);
  assert.match(md, /\| Target \(from the issue\) \|/);
  assert.match(md, new RegExp(`${results.meta.cores} cores`));
  const svg = renderChart(results);
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.ok(svg.trimEnd().endsWith('</svg>'));
  assert.is((svg.match(/<polyline /g) ?? []).length, profile.servers.length, 'one saturation line per server');
});

test.run();
