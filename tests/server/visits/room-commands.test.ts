import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as Y from 'yjs';
import { ROLES, type Role } from '../../../server/visits/model.ts';
import {
  applyRoomCommand,
  impliedLifecycleEvent,
  mayIssue,
  parseRoomCommand,
  type RoomCommandType,
} from '../../../server/visits/room-commands.ts';
import { readRoom, setRoomStatus } from '../../../server/visits/room-doc.ts';
import { at, DR, roomDoc } from './helpers.ts';

const test = suite('visits/room-commands');

const ALL_PARTICIPANTS: Role[] = ['clinician', 'nurse', 'scribe', 'patient', 'caregiver', 'interpreter', 'observer'];
const CLINICAL: Role[] = ['clinician', 'nurse'];

/** Who may issue each command on themselves and on someone else, written out independently. */
const EXPECTED: Record<RoomCommandType, { self: Role[]; others: Role[] }> = {
  checkIn: { self: ['patient'], others: [] },
  admit: { self: [], others: CLINICAL },
  toBreakout: { self: CLINICAL, others: CLINICAL },
  fromBreakout: { self: CLINICAL, others: CLINICAL },
  remove: { self: [], others: CLINICAL },
  readmit: { self: [], others: CLINICAL },
  raiseHand: { self: ALL_PARTICIPANTS, others: [] },
  lowerHand: { self: ALL_PARTICIPANTS, others: CLINICAL },
  leave: { self: ALL_PARTICIPANTS, others: [] },
  join: { self: ['clinician', 'nurse', 'scribe', 'caregiver', 'interpreter', 'observer'], others: [] },
  setMedia: { self: ALL_PARTICIPANTS, others: CLINICAL },
  addCase: { self: ['clinician'], others: ['clinician'] },
  setPresenter: { self: ['clinician'], others: ['clinician'] },
  advanceAgenda: { self: ['clinician'], others: ['clinician'] },
};

/** A well-formed command of each type about `target`. */
function sample(type: RoomCommandType, target: string): Record<string, unknown> {
  switch (type) {
    case 'checkIn':
      return { type, participantId: target, displayName: 'Someone' };
    case 'toBreakout':
      return { type, participantId: target, breakoutId: 'b1' };
    case 'join':
      return { type, participantId: target, displayName: 'Someone' };
    case 'setMedia':
      return { type, participantId: target, microphone: false };
    case 'addCase':
      return { type, caseId: 'case-1', title: 'Case one' };
    case 'setPresenter':
      return { type, caseId: 'case-1', presenterId: target };
    case 'advanceAgenda':
      return { type };
    default:
      return { type, participantId: target };
  }
}

// Every role × command × (self, other): 9 × 13 × 2 = 234 decisions, checked both in the rule
// function and through applyRoomCommand on a fresh room.
for (const type of Object.keys(EXPECTED) as RoomCommandType[]) {
  test(`permissions: ${type}`, () => {
    for (const role of ROLES) {
      for (const onSelf of [true, false]) {
        const want = (onSelf ? EXPECTED[type].self : EXPECTED[type].others).includes(role);
        assert.is(mayIssue(role, type, onSelf), want, `${role} ${type} ${onSelf ? 'self' : 'other'}`);
        const doc = roomDoc('tumor-board', 'in-progress');
        const updates: Uint8Array[] = [];
        doc.on('update', (u: Uint8Array) => updates.push(u));
        const actor = { id: `${role}-1`, role };
        const r = applyRoomCommand(doc, sample(type, onSelf ? actor.id : 'someone-else'), actor, at(1));
        const code = r.ok ? null : r.error.code;
        if (want) assert.is.not(code, 'ERR_FORBIDDEN_COMMAND', `${role} ${type} should pass the role check`);
        else {
          assert.is(code, 'ERR_FORBIDDEN_COMMAND', `${role} ${type} ${onSelf ? 'self' : 'other'}`);
          assert.is(updates.length, 0, 'a refused command does not touch the document');
        }
        doc.destroy();
      }
    }
  });
}

test('unknown roles may issue nothing', () => {
  for (const type of Object.keys(EXPECTED) as RoomCommandType[]) {
    assert.not.ok(mayIssue('superuser', type, true));
    const r = applyRoomCommand(roomDoc('tumor-board', 'in-progress'), sample(type, 'x-1'), { id: 'x-1', role: 'superuser' }, at(0));
    assert.not.ok(r.ok);
    if (!r.ok) assert.is(r.error.code, 'ERR_FORBIDDEN_COMMAND');
  }
});

const MALFORMED: [string, unknown][] = [
  ['not an object', 'admit'],
  ['null', null],
  ['unknown type', { type: 'teleport', participantId: 'p' }],
  ['missing participant', { type: 'admit' }],
  ['bad participant id', { type: 'admit', participantId: '../etc' }],
  ['extra field', { type: 'admit', participantId: 'p', force: true }],
  ['empty display name', { type: 'checkIn', participantId: 'p', displayName: '  ' }],
  ['non-boolean media', { type: 'setMedia', participantId: 'p', camera: 'on' }],
  ['bad language tag', { type: 'join', participantId: 'p', displayName: 'I', language: 'Spanish!' }],
  ['unknown relationship', { type: 'join', participantId: 'p', displayName: 'C', relationship: 'bestie' }],
  ['empty case title', { type: 'addCase', caseId: 'c', title: '' }],
];

for (const [name, input] of MALFORMED) {
  test(`malformed command refused: ${name}`, () => {
    const parsed = parseRoomCommand(input);
    assert.not.ok(parsed.ok);
    if (!parsed.ok) assert.is(parsed.error.code, 'ERR_COMMAND_INVALID');
    const doc = roomDoc('tumor-board', 'in-progress');
    const before = Y.encodeStateAsUpdate(doc);
    const r = applyRoomCommand(doc, input, DR, at(0));
    assert.not.ok(r.ok);
    if (!r.ok) assert.is(r.error.code, 'ERR_COMMAND_INVALID');
    assert.equal(Y.encodeStateAsUpdate(doc), before);
  });
}

test('a room without meta is not ready; an ended visit takes no commands', () => {
  const bare = new Y.Doc();
  const r1 = applyRoomCommand(bare, { type: 'checkIn', participantId: 'pat-1', displayName: 'A' }, { id: 'pat-1', role: 'patient' }, at(0));
  assert.not.ok(r1.ok);
  if (!r1.ok) assert.is(r1.error.code, 'ERR_ROOM_NOT_READY');
  for (const status of ['closed', 'cancelled', 'no-show'] as const) {
    const doc = roomDoc('one-to-one', 'in-progress');
    setRoomStatus(doc, status, 'dr-chen', at(10));
    const r = applyRoomCommand(doc, { type: 'join', participantId: 'dr-chen', displayName: 'Dr Chen' }, DR, at(11));
    assert.not.ok(r.ok);
    if (!r.ok) assert.is(r.error.code, 'ERR_VISIT_ENDED');
    assert.is(readRoom(doc).roster.length, 0);
  }
});

test('the transaction origin is passed through; an invalid now is a caller bug', () => {
  const doc = roomDoc('one-to-one', 'in-progress');
  const origins: unknown[] = [];
  doc.on('update', (_u: Uint8Array, origin: unknown) => origins.push(origin));
  const SERVER = Symbol('server');
  const r = applyRoomCommand(doc, { type: 'join', participantId: 'dr-chen', displayName: 'Dr Chen' }, DR, at(0), SERVER);
  assert.ok(r.ok);
  assert.equal(origins, [SERVER]);
  assert.throws(() => applyRoomCommand(doc, { type: 'raiseHand', participantId: 'dr-chen' }, DR, new Date(NaN)), TypeError);
});

test('implied lifecycle events', () => {
  assert.is(impliedLifecycleEvent('checkIn', 'scheduled'), 'check-in');
  assert.is(impliedLifecycleEvent('checkIn', 'waiting'), null);
  assert.is(impliedLifecycleEvent('checkIn', 'in-progress'), null);
  assert.is(impliedLifecycleEvent('admit', 'scheduled'), 'start');
  assert.is(impliedLifecycleEvent('admit', 'waiting'), 'start');
  assert.is(impliedLifecycleEvent('admit', 'in-progress'), null);
  assert.is(impliedLifecycleEvent('join', 'scheduled'), null);
  assert.is(impliedLifecycleEvent('leave', 'in-progress'), null);
});

test.run();
