import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { estimateWait, medianDuration, queuePosition, recentVisitDurations } from '../../../server/visits/queue.ts';
import { readQueue } from '../../../server/visits/room-doc.ts';
import type { QueueEntry } from '../../../server/visits/room-doc.ts';
import { at, DR, iso, must, roomDoc, visit } from './helpers.ts';

const test = suite('visits/queue');
const MIN = 60_000;

function entry(id: string, state: QueueEntry['state'], checkedIn: number, admitted?: number): QueueEntry {
  return { participantId: id, state, since: iso(admitted ?? checkedIn), checkedInAt: iso(checkedIn), ...(admitted !== undefined ? { admittedAt: iso(admitted) } : {}) };
}

test('median of durations ignores junk and averages the middle pair', () => {
  const cases: [number[], number | null][] = [
    [[], null],
    [[0, -5, NaN, Infinity], null],
    [[10], 10],
    [[30, 10, 20], 20],
    [[40, 10, 20, 30], 25],
    [[10, 10, 1000], 10],
  ];
  for (const [input, want] of cases) assert.is(medianDuration(input), want, JSON.stringify(input));
});

const QUEUE: QueueEntry[] = [
  entry('a', 'left', 0),
  entry('b', 'admitted', 1, 10),
  entry('c', 'waiting', 2),
  entry('d', 'in-breakout', 3, 12),
  entry('e', 'waiting', 4),
  entry('f', 'waiting', 5),
];

test('positions count waiting people only, in check-in order', () => {
  const table: [string, number | null][] = [['a', null], ['b', null], ['c', 1], ['d', null], ['e', 2], ['f', 3], ['zz', null]];
  for (const [id, want] of table) assert.is(queuePosition(QUEUE, id), want, id);
});

// Median of [10, 20, 30] minutes = 20 min. The earliest admission (b at minute 10) has run
// (now − 10) minutes, so the one in progress has max(0, 20 − elapsed) left.
const WAITS: [string, string, number, number | null][] = [
  ['first in line, current visit 5 min in', 'c', 15, 15 * MIN],
  ['second in line, current visit 5 min in', 'e', 15, 15 * MIN + 20 * MIN],
  ['third in line, current visit 5 min in', 'f', 15, 15 * MIN + 40 * MIN],
  ['first in line, current visit overran', 'c', 45, 0],
  ['third in line, current visit overran', 'f', 45, 40 * MIN],
];

for (const [name, id, nowMin, want] of WAITS) {
  test(`estimated wait: ${name}`, () => {
    const r = estimateWait(QUEUE, id, { recentDurationsMs: [10 * MIN, 30 * MIN, 20 * MIN], now: at(nowMin) });
    assert.is(r?.estimatedWaitMs, want);
    assert.is(r?.ahead, (r?.position ?? 0) - 1);
  });
}

test('nobody being seen: ahead × median; never before the scheduled start', () => {
  const q = [entry('x', 'waiting', 0), entry('y', 'waiting', 1)];
  const opts = { recentDurationsMs: [12 * MIN], now: at(2) };
  assert.equal(estimateWait(q, 'x', opts), { position: 1, ahead: 0, estimatedWaitMs: 0 });
  assert.equal(estimateWait(q, 'y', opts), { position: 2, ahead: 1, estimatedWaitMs: 12 * MIN });
  assert.is(estimateWait(q, 'x', { ...opts, scheduledStart: iso(10) })?.estimatedWaitMs, 8 * MIN);
  assert.is(estimateWait(q, 'y', { ...opts, scheduledStart: iso(10) })?.estimatedWaitMs, 12 * MIN);
});

test('no history → position known, wait unknown; not waiting → null', () => {
  assert.equal(estimateWait(QUEUE, 'e', { recentDurationsMs: [], now: at(15) }), { position: 2, ahead: 1, estimatedWaitMs: null });
  assert.is(estimateWait(QUEUE, 'b', { recentDurationsMs: [MIN], now: at(15) }), null);
});

test('from a live room: check-ins and an admission', () => {
  const doc = roomDoc('group-therapy', 'waiting');
  for (const [i, id] of ['pat-1', 'pat-2', 'pat-3'].entries()) {
    must(doc, { type: 'checkIn', participantId: id, displayName: id }, { id, role: 'patient' }, at(i));
  }
  must(doc, { type: 'admit', participantId: 'pat-1' }, DR, at(5));
  const q = readQueue(doc);
  assert.equal(q.map((e) => queuePosition(q, e.participantId)), [null, 1, 2]);
  assert.is(estimateWait(q, 'pat-3', { recentDurationsMs: [20 * MIN], now: at(10) })?.estimatedWaitMs, 15 * MIN + 20 * MIN);
});

test('recentVisitDurations: closed visits, newest first, limited', () => {
  const visits = [
    visit({ id: 'a', status: 'closed', startedAt: iso(0), closedAt: iso(10) }),
    visit({ id: 'b', status: 'closed', startedAt: iso(20), closedAt: iso(50) }),
    visit({ id: 'c', status: 'in-progress', startedAt: iso(60) }),
    visit({ id: 'd', status: 'closed', closedAt: iso(70) }),
    visit({ id: 'e', status: 'closed', startedAt: iso(80), closedAt: iso(95) }),
    visit({ id: 'f', status: 'cancelled', cancelledAt: iso(5) }),
  ];
  assert.equal(recentVisitDurations(visits), [15 * MIN, 30 * MIN, 10 * MIN]);
  assert.equal(recentVisitDurations(visits, 2), [15 * MIN, 30 * MIN]);
  assert.equal(recentVisitDurations(visits, 0), []);
});

test.run();
