import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { canTransition, legalEvents, transition, type LifecycleEvent } from '../../../server/visits/lifecycle.ts';
import { VISIT_STATUSES, type VisitStatus } from '../../../server/visits/model.ts';
import { at, iso, visit } from './helpers.ts';

const test = suite('visits/lifecycle');

const EVENTS: LifecycleEvent[] = [
  { type: 'check-in' },
  { type: 'start' },
  { type: 'close', by: 'dr-chen', reason: 'clinician' },
  { type: 'cancel', by: 'dr-chen', reason: 'patient asked' },
  { type: 'no-show' },
];

/** The legal moves, written out independently of the TRANSITIONS table. */
const LEGAL: Record<string, VisitStatus> = {
  'scheduled check-in': 'waiting',
  'scheduled start': 'in-progress',
  'waiting start': 'in-progress',
  'in-progress close': 'closed',
  'scheduled cancel': 'cancelled',
  'waiting cancel': 'cancelled',
  'scheduled no-show': 'no-show',
};

// Every status × every event: 6 × 5 = 30 cases, 7 legal and 23 refused.
for (const from of VISIT_STATUSES) {
  for (const event of EVENTS) {
    const expected = LEGAL[`${from} ${event.type}`];
    test(`${from} --${event.type}--> ${expected ?? 'ERR_ILLEGAL_TRANSITION'}`, () => {
      const before = visit({ status: from, version: 7 });
      const snapshot = structuredClone(before);
      const r = transition(before, event, at(5));
      assert.equal(before, snapshot, 'input not modified');
      assert.is(canTransition(from, event.type), expected !== undefined);
      if (expected === undefined) {
        assert.not.ok(r.ok);
        if (!r.ok) assert.is(r.error.code, 'ERR_ILLEGAL_TRANSITION');
        return;
      }
      assert.ok(r.ok);
      if (!r.ok) return;
      assert.is(r.value.status, expected);
      assert.is(r.value.version, 8);
    });
  }
}

test('each step stamps its own time and actor', () => {
  const v0 = visit();
  const v1 = transition(v0, { type: 'check-in' }, at(-2));
  assert.ok(v1.ok);
  if (!v1.ok) return;
  assert.is(v1.value.checkedInAt, iso(-2));
  const v2 = transition(v1.value, { type: 'start' }, at(1));
  assert.ok(v2.ok);
  if (!v2.ok) return;
  assert.is(v2.value.startedAt, iso(1));
  const v3 = transition(v2.value, { type: 'close', by: 'auto', reason: 'everyone-left' }, at(25));
  assert.ok(v3.ok);
  if (!v3.ok) return;
  assert.is(v3.value.closedAt, iso(25));
  assert.is(v3.value.closedBy, 'auto');
  assert.is(v3.value.closeReason, 'everyone-left');
  assert.is(v3.value.version, 4);
  const cancelled = transition(v0, { type: 'cancel', by: 'rn-ortiz' }, at(-10));
  assert.ok(cancelled.ok);
  if (cancelled.ok) {
    assert.is(cancelled.value.cancelledBy, 'rn-ortiz');
    assert.not.ok('cancelReason' in cancelled.value);
  }
});

test('closing twice: the second close is refused', () => {
  const open = visit({ status: 'in-progress', startedAt: iso(0) });
  const first = transition(open, { type: 'close', by: 'dr-chen', reason: 'clinician' }, at(20));
  assert.ok(first.ok);
  if (!first.ok) return;
  const second = transition(first.value, { type: 'close', by: 'dr-chen', reason: 'clinician' }, at(20));
  assert.not.ok(second.ok);
  if (!second.ok) assert.is(second.error.code, 'ERR_ILLEGAL_TRANSITION');
});

test('no-show only from the scheduled start on', () => {
  const early = transition(visit(), { type: 'no-show' }, at(-1));
  assert.not.ok(early.ok);
  if (!early.ok) assert.is(early.error.code, 'ERR_NO_SHOW_TOO_EARLY');
  const onTime = transition(visit(), { type: 'no-show' }, at(0));
  assert.ok(onTime.ok);
  if (onTime.ok) assert.is(onTime.value.noShowAt, iso(0));
});

test('legalEvents per status; terminal states have none', () => {
  assert.equal(legalEvents('scheduled'), ['check-in', 'start', 'cancel', 'no-show']);
  assert.equal(legalEvents('waiting'), ['start', 'cancel']);
  assert.equal(legalEvents('in-progress'), ['close']);
  for (const s of ['closed', 'cancelled', 'no-show'] as const) assert.equal(legalEvents(s), []);
});

test('caller misuse throws TypeError', () => {
  assert.throws(() => transition(visit(), { type: 'start' }, new Date('nope')), TypeError);
  assert.throws(() => transition(visit(), { type: 'teleport' } as unknown as LifecycleEvent, at(0)), TypeError);
});

test.run();
