import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Histogram } from './histogram.ts';
import { mergeStep } from './loadgen/merge.ts';
import type { StepPart } from './loadgen/typing.ts';
import { shareVisits } from './typing-run.ts';

const test = suite('bench: typing shared out among load generator processes');

function part(latencies: number[], o: Partial<StepPart> = {}): StepPart {
  const h = new Histogram();
  for (const x of latencies) h.record(x);
  return {
    clients: 10, seconds: 2, sent: 100, expected: 900, delivered: 900, unexpected: 0, latency: h.data(),
    complete: true, serverCpu: null, machineCpu: null, loadgenCpu: 0.2, loadgenElu: 0.3, disconnects: 0, ...o,
  };
}

test('visits are shared as evenly as possible, whole visits per process', () => {
  assert.equal(shareVisits(100, 2), [{ firstVisit: 0, visits: 50 }, { firstVisit: 50, visits: 50 }]);
  assert.equal(shareVisits(5, 2), [{ firstVisit: 0, visits: 3 }, { firstVisit: 3, visits: 2 }]);
  assert.equal(shareVisits(1, 2), [{ firstVisit: 0, visits: 1 }], 'a process without a visit is not used');
});

test('counts add up, latencies merge, CPU of the server and machine come from the metering part', () => {
  const a = part([1, 2, 3], { serverCpu: 0.8, machineCpu: 1.5, loadgenElu: 0.4 });
  const b = part([10, 20], { seconds: 2.5, delivered: 899, complete: false, loadgenCpu: 0.3, disconnects: 1 });
  const m = mergeStep({ ratePerClient: 6, seconds: 2 }, [a, b], null);
  assert.is(m.clients, 20);
  assert.is(m.sent, 200);
  assert.is(m.expected, 1800);
  assert.is(m.delivered, 1799);
  assert.is(m.complete, false, 'incomplete if any part is');
  assert.is(m.seconds, 2.5);
  assert.is(m.sentPerSec, 80);
  assert.is(m.latency.count, 5);
  assert.ok(Math.abs(m.latency.max - 20) < 1e-9);
  assert.ok(Math.abs(m.latency.p50 - 3) / 3 < 0.01, `p50 ${m.latency.p50}`);
  assert.is(m.serverCpu, 0.8);
  assert.ok(Math.abs(m.loadgenCpu - 0.5) < 1e-9);
  assert.ok(Math.abs(m.otherCpu! - 0.2) < 1e-9, 'machine − load generators − server');
  assert.is(m.loadgenElu, 0.4, 'the busiest event loop');
  assert.is(m.loadgens, 2);
  assert.is(m.disconnects, 1);
});

test.run();
