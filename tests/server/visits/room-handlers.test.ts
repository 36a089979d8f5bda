import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as Y from 'yjs';
import { applyRoomCommand, type Actor } from '../../../server/visits/room-commands.ts';
import { findQueueEntry, readAgenda, readQueue, readRoom, readRosterEntry, readTimeline } from '../../../server/visits/room-doc.ts';
import { at, DR, iso, must, NURSE, PAT, PAT2, roomDoc } from './helpers.ts';

const test = suite('visits/room-handlers');

const INTERPRETER: Actor = { id: 'interpreter-inv1', role: 'interpreter' };
const CAREGIVER: Actor = { id: 'caregiver-inv2', role: 'caregiver' };

test('one-to-one: check in, admit, breakout and back, hand, media, leave', () => {
  const doc = roomDoc();
  must(doc, { type: 'checkIn', participantId: 'pat-1', displayName: 'Ana Patient' }, PAT, at(-3));
  assert.equal(readQueue(doc), [{ participantId: 'pat-1', state: 'waiting', since: iso(-3), checkedInAt: iso(-3) }]);
  let pat = readRosterEntry(doc, 'pat-1');
  assert.is(pat?.location, 'waiting');
  assert.is(pat?.role, 'patient');
  assert.equal(pat?.intervals, [], 'the waiting room is not time in the call');

  must(doc, { type: 'join', participantId: 'dr-chen', displayName: 'Dr Chen' }, DR, at(0));
  must(doc, { type: 'admit', participantId: 'pat-1' }, DR, at(1));
  assert.equal(findQueueEntry(doc, 'pat-1')?.entry, { participantId: 'pat-1', state: 'admitted', since: iso(1), checkedInAt: iso(-3), admittedAt: iso(1) });
  pat = readRosterEntry(doc, 'pat-1');
  assert.is(pat?.location, 'main');
  assert.equal(pat?.intervals, [{ join: iso(1) }]);

  must(doc, { type: 'setMedia', participantId: 'pat-1', camera: true, microphone: true }, PAT, at(1));
  must(doc, { type: 'raiseHand', participantId: 'pat-1' }, PAT, at(2));
  assert.is(readRosterEntry(doc, 'pat-1')?.handRaised, true);
  must(doc, { type: 'lowerHand', participantId: 'pat-1' }, DR, at(3));
  assert.is(readRosterEntry(doc, 'pat-1')?.handRaised, false);
  assert.is(readRosterEntry(doc, 'pat-1')?.handRaisedAt, undefined);

  // A moderator may turn someone's microphone off, never on.
  must(doc, { type: 'setMedia', participantId: 'pat-1', microphone: false }, DR, at(4));
  assert.equal(readRosterEntry(doc, 'pat-1')?.media, { camera: true, microphone: false, screen: false });
  const on = applyRoomCommand(doc, { type: 'setMedia', participantId: 'pat-1', microphone: true }, DR, at(4));
  assert.not.ok(on.ok);
  if (!on.ok) assert.is(on.error.code, 'ERR_FORBIDDEN_COMMAND');

  must(doc, { type: 'toBreakout', participantId: 'pat-1', breakoutId: 'b1' }, DR, at(5));
  assert.is(findQueueEntry(doc, 'pat-1')?.entry.state, 'in-breakout');
  assert.is(findQueueEntry(doc, 'pat-1')?.entry.breakoutId, 'b1');
  assert.is(readRosterEntry(doc, 'pat-1')?.location, 'breakout');
  must(doc, { type: 'fromBreakout', participantId: 'pat-1' }, NURSE, at(8));
  const back = findQueueEntry(doc, 'pat-1')?.entry;
  assert.is(back?.state, 'admitted');
  assert.is(back?.breakoutId, undefined);
  assert.is(back?.admittedAt, iso(1), 'admission time survives a breakout');
  assert.is(readRosterEntry(doc, 'pat-1')?.location, 'main');

  must(doc, { type: 'leave', participantId: 'pat-1' }, PAT, at(20));
  pat = readRosterEntry(doc, 'pat-1');
  assert.is(findQueueEntry(doc, 'pat-1')?.entry.state, 'left');
  assert.is(pat?.location, 'left');
  assert.equal(pat?.intervals, [{ join: iso(1), leave: iso(20) }]);
  assert.equal(pat?.media, { camera: false, microphone: false, screen: false });

  assert.equal(
    readTimeline(doc).map((e) => [e.type, e.actor]),
    [
      ['checkIn', 'pat-1'], ['join', 'dr-chen'], ['admit', 'dr-chen'], ['setMedia', 'pat-1'], ['raiseHand', 'pat-1'],
      ['lowerHand', 'dr-chen'], ['setMedia', 'dr-chen'], ['toBreakout', 'dr-chen'], ['fromBreakout', 'rn-ortiz'], ['leave', 'pat-1'],
    ],
  );
});

test('remove: a clinician ends someone else’s presence; removing again is refused', () => {
  const doc = roomDoc('group-therapy', 'in-progress');
  must(doc, { type: 'checkIn', participantId: 'pat-1', displayName: 'A' }, PAT, at(0));
  must(doc, { type: 'checkIn', participantId: 'pat-2', displayName: 'B' }, PAT2, at(1));
  must(doc, { type: 'admit', participantId: 'pat-1' }, DR, at(2));
  must(doc, { type: 'remove', participantId: 'pat-1' }, DR, at(5));
  must(doc, { type: 'remove', participantId: 'pat-2' }, NURSE, at(5));
  assert.equal(readQueue(doc).map((e) => [e.participantId, e.state]), [['pat-1', 'left'], ['pat-2', 'left']]);
  assert.equal(readRosterEntry(doc, 'pat-1')?.intervals, [{ join: iso(2), leave: iso(5) }]);
  assert.equal(readRosterEntry(doc, 'pat-2')?.intervals, [], 'removed from the waiting room, never in the call');
  const again = applyRoomCommand(doc, { type: 'remove', participantId: 'pat-1' }, DR, at(6));
  assert.not.ok(again.ok);
  if (!again.ok) assert.is(again.error.code, 'ERR_NOT_PRESENT');
});

test('removal sticks: also for someone who already left; no join or check-in until a clinician readmits', () => {
  const doc = roomDoc('group-therapy', 'in-progress');
  must(doc, { type: 'join', participantId: INTERPRETER.id, displayName: 'L', language: 'es' }, INTERPRETER, at(0));
  must(doc, { type: 'leave', participantId: INTERPRETER.id }, INTERPRETER, at(1));
  must(doc, { type: 'remove', participantId: INTERPRETER.id }, DR, at(2));
  assert.is(readRosterEntry(doc, INTERPRETER.id)?.removedAt, iso(2));
  assert.is(readRosterEntry(doc, INTERPRETER.id)?.removedBy, DR.id);
  const rejoin = applyRoomCommand(doc, { type: 'join', participantId: INTERPRETER.id, displayName: 'L', language: 'es' }, INTERPRETER, at(3));
  assert.equal(rejoin.ok ? null : rejoin.error.code, 'ERR_REMOVED');
  must(doc, { type: 'checkIn', participantId: 'pat-1', displayName: 'A' }, PAT, at(3));
  must(doc, { type: 'remove', participantId: 'pat-1' }, NURSE, at(4));
  const back = applyRoomCommand(doc, { type: 'checkIn', participantId: 'pat-1', displayName: 'A' }, PAT, at(5));
  assert.equal(back.ok ? null : back.error.code, 'ERR_REMOVED');
  const self = applyRoomCommand(doc, { type: 'readmit', participantId: 'pat-1' }, PAT, at(5));
  assert.equal(self.ok ? null : self.error.code, 'ERR_FORBIDDEN_COMMAND');
  must(doc, { type: 'readmit', participantId: INTERPRETER.id }, DR, at(6));
  must(doc, { type: 'readmit', participantId: 'pat-1' }, NURSE, at(6));
  assert.is(readRosterEntry(doc, INTERPRETER.id)?.removedAt, undefined);
  must(doc, { type: 'join', participantId: INTERPRETER.id, displayName: 'L', language: 'es' }, INTERPRETER, at(7));
  must(doc, { type: 'checkIn', participantId: 'pat-1', displayName: 'A' }, PAT, at(7));
  const again = applyRoomCommand(doc, { type: 'readmit', participantId: 'pat-1' }, DR, at(8));
  assert.equal(again.ok ? null : again.error.code, 'ERR_NOT_REMOVED');
});

test('someone who left and checks in again goes to the back of the queue', () => {
  const doc = roomDoc('group-therapy', 'waiting');
  must(doc, { type: 'checkIn', participantId: 'pat-1', displayName: 'A' }, PAT, at(0));
  must(doc, { type: 'checkIn', participantId: 'pat-2', displayName: 'B' }, PAT2, at(1));
  must(doc, { type: 'leave', participantId: 'pat-1' }, PAT, at(2));
  must(doc, { type: 'checkIn', participantId: 'pat-1', displayName: 'A' }, PAT, at(3));
  assert.equal(readQueue(doc).map((e) => [e.participantId, e.state, e.checkedInAt]), [['pat-2', 'waiting', iso(1)], ['pat-1', 'waiting', iso(3)]]);
});

test('interpreter and caregiver join with their own identity', () => {
  const doc = roomDoc('one-to-one', 'in-progress');
  must(doc, { type: 'join', participantId: INTERPRETER.id, displayName: 'Inés', language: 'es' }, INTERPRETER, at(1));
  must(doc, { type: 'join', participantId: CAREGIVER.id, displayName: 'Mo', relationship: 'DAU' }, CAREGIVER, at(2));
  const i = readRosterEntry(doc, INTERPRETER.id);
  assert.is(i?.role, 'interpreter');
  assert.is(i?.language, 'es');
  assert.is(readRosterEntry(doc, CAREGIVER.id)?.relationship, 'DAU');
  const tl = readTimeline(doc);
  assert.equal(tl[0]?.detail, { participantId: INTERPRETER.id, role: 'interpreter', language: 'es' });
  assert.equal(tl[1]?.detail, { participantId: CAREGIVER.id, role: 'caregiver', relationship: 'DAU' });
});

type Setup = (doc: Y.Doc) => void;
const nothing: Setup = () => {};
const waiting: Setup = (doc) => must(doc, { type: 'checkIn', participantId: 'pat-1', displayName: 'A' }, PAT, at(0));
const admitted: Setup = (doc) => {
  waiting(doc);
  must(doc, { type: 'admit', participantId: 'pat-1' }, DR, at(1));
};
const left: Setup = (doc) => {
  admitted(doc);
  must(doc, { type: 'leave', participantId: 'pat-1' }, PAT, at(2));
};

const REFUSALS: [string, Setup, unknown, Actor, string][] = [
  ['admit someone not queued', nothing, { type: 'admit', participantId: 'pat-1' }, DR, 'ERR_NOT_IN_QUEUE'],
  ['admit twice', admitted, { type: 'admit', participantId: 'pat-1' }, DR, 'ERR_NOT_WAITING'],
  ['admit someone who left', left, { type: 'admit', participantId: 'pat-1' }, DR, 'ERR_NOT_WAITING'],
  ['breakout for a waiting patient', waiting, { type: 'toBreakout', participantId: 'pat-1', breakoutId: 'b1' }, DR, 'ERR_NOT_ADMITTED'],
  ['breakout for a stranger', nothing, { type: 'toBreakout', participantId: 'x', breakoutId: 'b1' }, DR, 'ERR_NOT_IN_ROSTER'],
  ['breakout for someone who left', left, { type: 'toBreakout', participantId: 'pat-1', breakoutId: 'b1' }, DR, 'ERR_NOT_PRESENT'],
  ['back from a breakout one is not in', admitted, { type: 'fromBreakout', participantId: 'pat-1' }, DR, 'ERR_NOT_IN_BREAKOUT'],
  ['check in twice', waiting, { type: 'checkIn', participantId: 'pat-1', displayName: 'A' }, PAT, 'ERR_ALREADY_IN_QUEUE'],
  ['check in while admitted', admitted, { type: 'checkIn', participantId: 'pat-1', displayName: 'A' }, PAT, 'ERR_ALREADY_IN_QUEUE'],
  ['raise a hand in the waiting room', waiting, { type: 'raiseHand', participantId: 'pat-1' }, PAT, 'ERR_NOT_PRESENT'],
  ['raise a hand without a roster entry', nothing, { type: 'raiseHand', participantId: 'pat-1' }, PAT, 'ERR_NOT_IN_ROSTER'],
  ['leave twice', left, { type: 'leave', participantId: 'pat-1' }, PAT, 'ERR_NOT_PRESENT'],
  ['leave without ever coming', nothing, { type: 'leave', participantId: 'pat-1' }, PAT, 'ERR_NOT_IN_ROSTER'],
  ['a patient joins instead of queueing', nothing, { type: 'join', participantId: 'pat-1', displayName: 'A' }, PAT, 'ERR_FORBIDDEN_COMMAND'],
  ['interpreter without a language', nothing, { type: 'join', participantId: INTERPRETER.id, displayName: 'I' }, INTERPRETER, 'ERR_ROLE_DETAIL_MISSING'],
  ['caregiver without a relationship', nothing, { type: 'join', participantId: CAREGIVER.id, displayName: 'C' }, CAREGIVER, 'ERR_ROLE_DETAIL_MISSING'],
  ['clinician with a language', nothing, { type: 'join', participantId: 'dr-chen', displayName: 'D', language: 'es' }, DR, 'ERR_COMMAND_INVALID'],
  ['setMedia with no field', admitted, { type: 'setMedia', participantId: 'pat-1' }, PAT, 'ERR_COMMAND_INVALID'],
  ['setMedia while waiting', waiting, { type: 'setMedia', participantId: 'pat-1', camera: true }, PAT, 'ERR_NOT_PRESENT'],
  ['turn on someone else’s camera', admitted, { type: 'setMedia', participantId: 'pat-1', camera: true }, NURSE, 'ERR_FORBIDDEN_COMMAND'],
  ['a patient admits', waiting, { type: 'admit', participantId: 'pat-1' }, PAT, 'ERR_FORBIDDEN_COMMAND'],
  ['a patient raises another’s hand', admitted, { type: 'raiseHand', participantId: 'pat-1' }, PAT2, 'ERR_FORBIDDEN_COMMAND'],
  ['a patient makes another leave', admitted, { type: 'leave', participantId: 'pat-1' }, PAT2, 'ERR_FORBIDDEN_COMMAND'],
  ['a clinician removes themselves', nothing, { type: 'remove', participantId: 'dr-chen' }, DR, 'ERR_FORBIDDEN_COMMAND'],
  ['agenda outside a tumor board', nothing, { type: 'addCase', caseId: 'c1', title: 'T' }, DR, 'ERR_NOT_TUMOR_BOARD'],
];

for (const [name, setup, command, actor, code] of REFUSALS) {
  test(`refused: ${name} → ${code}`, () => {
    const doc = roomDoc('one-to-one', 'in-progress');
    setup(doc);
    const before = Y.encodeStateAsUpdate(doc);
    const r = applyRoomCommand(doc, command, actor, at(30));
    assert.not.ok(r.ok);
    if (!r.ok) assert.is(r.error.code, code);
    assert.equal(Y.encodeStateAsUpdate(doc), before, 'document untouched');
  });
}

test('repeating a command that changes nothing adds no event and no update', () => {
  const doc = roomDoc('one-to-one', 'in-progress');
  admitted(doc);
  must(doc, { type: 'raiseHand', participantId: 'pat-1' }, PAT, at(3));
  const events = readTimeline(doc).length;
  let updates = 0;
  doc.on('update', () => updates++);
  for (const cmd of [
    { type: 'raiseHand', participantId: 'pat-1' },
    { type: 'setMedia', participantId: 'pat-1', camera: false },
    { type: 'lowerHand', participantId: 'pat-2' },
  ]) {
    const r = applyRoomCommand(doc, cmd, cmd.participantId === 'pat-1' ? PAT : DR, at(4));
    if (cmd.participantId === 'pat-2') {
      assert.not.ok(r.ok, 'pat-2 is not in the roster');
      continue;
    }
    assert.ok(r.ok);
    if (r.ok) assert.is(r.value.event, null);
  }
  assert.is(readTimeline(doc).length, events);
  assert.is(updates, 0);
});

test('tumor board agenda: add, set presenter, advance to the end', () => {
  const doc = roomDoc('tumor-board', 'in-progress');
  for (const [id, title] of [['c1', 'Mrs K, 63, NSCLC'], ['c2', 'Mr L, 70, HCC'], ['c3', 'Ms M, 45, breast']]) {
    must(doc, { type: 'addCase', caseId: id, title, presenterId: 'dr-chen' }, DR, at(0));
  }
  const dup = applyRoomCommand(doc, { type: 'addCase', caseId: 'c2', title: 'again' }, DR, at(0));
  assert.not.ok(dup.ok);
  if (!dup.ok) assert.is(dup.error.code, 'ERR_CASE_EXISTS');
  must(doc, { type: 'setPresenter', caseId: 'c2', presenterId: 'dr-rao' }, DR, at(1));
  const missing = applyRoomCommand(doc, { type: 'setPresenter', caseId: 'c9', presenterId: 'dr-rao' }, DR, at(1));
  assert.not.ok(missing.ok);
  if (!missing.ok) assert.is(missing.error.code, 'ERR_CASE_NOT_FOUND');
  const states = () => readAgenda(doc).map((c) => c.state).join(',');
  assert.is(states(), 'pending,pending,pending');
  must(doc, { type: 'advanceAgenda' }, DR, at(2));
  assert.is(states(), 'presenting,pending,pending');
  must(doc, { type: 'advanceAgenda' }, DR, at(10));
  assert.is(states(), 'done,presenting,pending');
  assert.is(readAgenda(doc)[1]?.presenterId, 'dr-rao');
  must(doc, { type: 'advanceAgenda' }, DR, at(20));
  must(doc, { type: 'advanceAgenda' }, DR, at(30));
  assert.is(states(), 'done,done,done');
  const end = applyRoomCommand(doc, { type: 'advanceAgenda' }, DR, at(31));
  assert.not.ok(end.ok);
  if (!end.ok) assert.is(end.error.code, 'ERR_AGENDA_FINISHED');
  assert.equal(readTimeline(doc).filter((e) => e.type === 'advanceAgenda').map((e) => e.detail), [
    { to: 'c1' }, { from: 'c1', to: 'c2' }, { from: 'c2', to: 'c3' }, { from: 'c3' },
  ]);
});

test('the timeline holds ids and codes, never names or case titles', () => {
  const doc = roomDoc('tumor-board', 'in-progress');
  must(doc, { type: 'join', participantId: 'dr-chen', displayName: 'Dr Wilhelmina Chen' }, DR, at(0));
  must(doc, { type: 'join', participantId: CAREGIVER.id, displayName: 'Mohammed Caregiver', relationship: 'SON' }, CAREGIVER, at(0));
  must(doc, { type: 'addCase', caseId: 'c1', title: 'Mrs Kowalczyk, 63' }, DR, at(1));
  const text = JSON.stringify(readTimeline(doc));
  for (const phi of ['Wilhelmina', 'Mohammed', 'Kowalczyk']) assert.not.ok(text.includes(phi), phi);
  assert.is(readTimeline(doc).length, 3);
});

test('replicas: commands applied on the server reach another doc and read back equal', () => {
  const server = roomDoc('group-therapy', 'waiting');
  const client = new Y.Doc();
  server.on('update', (u: Uint8Array) => Y.applyUpdate(client, u));
  Y.applyUpdate(client, Y.encodeStateAsUpdate(server));
  must(server, { type: 'checkIn', participantId: 'pat-1', displayName: 'A' }, PAT, at(0));
  must(server, { type: 'checkIn', participantId: 'pat-2', displayName: 'B' }, PAT2, at(1));
  must(server, { type: 'join', participantId: 'dr-chen', displayName: 'Dr Chen' }, DR, at(2));
  must(server, { type: 'admit', participantId: 'pat-2' }, DR, at(3));
  must(server, { type: 'toBreakout', participantId: 'pat-2', breakoutId: 'b7' }, DR, at(4));
  assert.equal(readRoom(client), readRoom(server));
  const fresh = new Y.Doc();
  Y.applyUpdate(fresh, Y.encodeStateAsUpdate(server));
  assert.equal(readRoom(fresh), readRoom(server));
  assert.is(readRoom(fresh).timeline.length, 5);
});

test('concurrent writes by the server and a clinician’s client converge', () => {
  const server = roomDoc('tumor-board', 'in-progress');
  must(server, { type: 'addCase', caseId: 'c1', title: 'Case one' }, DR, at(0));
  const clinician = new Y.Doc();
  Y.applyUpdate(clinician, Y.encodeStateAsUpdate(server));
  // Offline from each other: the server applies commands while the clinician edits the agenda.
  must(server, { type: 'join', participantId: 'dr-chen', displayName: 'Dr Chen' }, DR, at(1));
  must(server, { type: 'setPresenter', caseId: 'c1', presenterId: 'dr-chen' }, DR, at(1));
  const entry = clinician.getArray<Y.Map<unknown>>('agenda').get(0);
  entry.set('title', 'Case one (revised)');
  Y.applyUpdate(clinician, Y.encodeStateAsUpdate(server, Y.encodeStateVector(clinician)));
  Y.applyUpdate(server, Y.encodeStateAsUpdate(clinician, Y.encodeStateVector(server)));
  assert.equal(readRoom(server), readRoom(clinician));
  assert.equal(readAgenda(server), [{ id: 'c1', title: 'Case one (revised)', presenterId: 'dr-chen', state: 'pending' }]);
});

test('malformed entries written by a client are skipped, and commands keep working', () => {
  const doc = roomDoc('one-to-one', 'in-progress');
  doc.transact(() => {
    doc.getArray('queue').push([{ participantId: 'plain-object' }, 42]);
    doc.getArray('queue').push([new Y.Map(Object.entries({ participantId: 'bad', state: 'dancing' }))]);
    doc.getMap('roster').set('ghost', 'not a map');
    doc.getMap('roster').set('dr-chen', new Y.Map<unknown>([['id', 'dr-chen'], ['language', 5]]));
    doc.getArray('agenda').push(['nope']);
    doc.getArray('timeline').push([{ at: 'yesterday' }]);
  });
  assert.equal(readRoom(doc).queue, []);
  assert.equal(readRoom(doc).roster, []);
  assert.equal(readRoom(doc).agenda, []);
  assert.equal(readRoom(doc).timeline, []);
  must(doc, { type: 'checkIn', participantId: 'pat-1', displayName: 'A' }, PAT, at(0));
  must(doc, { type: 'admit', participantId: 'pat-1' }, DR, at(1));
  assert.equal(readQueue(doc).map((e) => e.state), ['admitted']);
  // Joining writes a whole, valid entry over the broken one.
  must(doc, { type: 'join', participantId: 'dr-chen', displayName: 'Dr Chen' }, DR, at(2));
  assert.equal(readRosterEntry(doc, 'dr-chen')?.intervals, [{ join: iso(2) }]);
  assert.is(readRosterEntry(doc, 'dr-chen')?.language, undefined);
});

test.run();
