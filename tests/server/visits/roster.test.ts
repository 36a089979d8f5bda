import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readRoster } from '../../../server/visits/room-doc.ts';
import type { Interval, RosterEntry } from '../../../server/visits/room-doc.ts';
import {
  encounterLengthMs,
  everyoneLeftSince,
  mergeIntervals,
  participantTimeMs,
  shouldAutoClose,
  visitPeriod,
} from '../../../server/visits/roster.ts';
import { at, DR, iso, must, PAT, roomDoc } from './helpers.ts';

const test = suite('visits/roster');
const MIN = 60_000;

function person(id: string, role: RosterEntry['role'], spans: [number, number?][], location: RosterEntry['location'] = 'left'): RosterEntry {
  const intervals: Interval[] = spans.map(([j, l]) => (l === undefined ? { join: iso(j) } : { join: iso(j), leave: iso(l) }));
  return { id, displayName: id, role, intervals, media: { camera: false, microphone: false, screen: false }, handRaised: false, location };
}

test('participant time sums intervals, merges overlaps, counts an open one up to now', () => {
  const table: [[number, number?][], number][] = [
    [[], 0],
    [[[0, 10]], 10],
    [[[0, 10], [20, 25]], 15],
    [[[0, 10], [5, 12]], 12],
    [[[0, 10], [10, 12]], 12],
    [[[0, 10], [20]], 10 + 10],
    [[[5, 5]], 0],
  ];
  for (const [spans, minutes] of table) {
    assert.is(participantTimeMs(person('p', 'patient', spans), at(30)), minutes * MIN, JSON.stringify(spans));
  }
});

test('mergeIntervals drops unreadable and backwards intervals', () => {
  const spans = mergeIntervals([{ join: 'garbage' }, { join: iso(10), leave: iso(5) }, { join: iso(1), leave: iso(2) }], at(30));
  assert.equal(spans, [{ start: at(1).getTime(), end: at(2).getTime() }]);
});

test('visit period: first join to last leave; open intervals end now; nobody → null', () => {
  const roster = [person('dr', 'clinician', [[0, 40]]), person('p', 'patient', [[2, 15], [20, 35]])];
  assert.equal(visitPeriod(roster, at(60)), { start: iso(0), end: iso(40) });
  assert.equal(visitPeriod([person('dr', 'clinician', [[0]])], at(25)), { start: iso(0), end: iso(25) });
  assert.is(visitPeriod([person('p', 'patient', [], 'waiting')], at(5)), null);
});

test('encounter length: patient and care team together, less time absent', () => {
  const roster = [
    person('dr', 'clinician', [[0, 40]]),
    person('p', 'patient', [[2, 15], [20, 35]]),
    person('i', 'interpreter', [[0, 50]]),
  ];
  assert.is(encounterLengthMs(roster, at(60)), (13 + 15) * MIN);
  // The patient alone with the interpreter does not count.
  const alone = [person('dr', 'clinician', [[10, 20]]), person('p', 'patient', [[0, 15]]), person('i', 'interpreter', [[0, 15]])];
  assert.is(encounterLengthMs(alone, at(60)), 5 * MIN);
  // A nurse counts as the care team.
  assert.is(encounterLengthMs([person('n', 'nurse', [[0, 10]]), person('p', 'patient', [[5, 20]])], at(60)), 5 * MIN);
  // Tumor board: no patient in the call, time any clinician was there.
  assert.is(encounterLengthMs([person('a', 'clinician', [[0, 30]]), person('b', 'clinician', [[20, 45]]), person('o', 'observer', [[50, 55]])], at(60)), 45 * MIN);
});

test('everyone left since / auto-close', () => {
  const gone = [person('dr', 'clinician', [[0, 30]]), person('p', 'patient', [[2, 28]])];
  assert.is(everyoneLeftSince(gone), iso(30));
  assert.ok(shouldAutoClose(gone, at(35), 5 * MIN));
  assert.not.ok(shouldAutoClose(gone, at(34), 5 * MIN));
  const stillThere = [person('dr', 'clinician', [[0, 30]]), person('p', 'patient', [[2, 28], [31]], 'main')];
  assert.is(everyoneLeftSince(stillThere), null);
  assert.not.ok(shouldAutoClose(stillThere, at(90), 5 * MIN));
  const someoneWaiting = [...gone, person('p2', 'patient', [], 'waiting')];
  assert.is(everyoneLeftSince(someoneWaiting), null, 'a waiting patient keeps the visit open');
  assert.is(everyoneLeftSince([]), null, 'nobody ever came');
  assert.throws(() => shouldAutoClose(gone, at(40), -1), TypeError);
});

test('from a live room: roster intervals after admit and leave', () => {
  const doc = roomDoc('one-to-one', 'in-progress');
  must(doc, { type: 'join', participantId: 'dr-chen', displayName: 'Dr Chen' }, DR, at(0));
  must(doc, { type: 'checkIn', participantId: 'pat-1', displayName: 'A' }, PAT, at(1));
  must(doc, { type: 'admit', participantId: 'pat-1' }, DR, at(3));
  must(doc, { type: 'leave', participantId: 'pat-1' }, PAT, at(18));
  must(doc, { type: 'leave', participantId: 'dr-chen' }, DR, at(20));
  const roster = readRoster(doc);
  assert.equal(visitPeriod(roster, at(30)), { start: iso(0), end: iso(20) });
  assert.is(encounterLengthMs(roster, at(30)), 15 * MIN);
  assert.is(everyoneLeftSince(roster), iso(20));
});

test.run();
