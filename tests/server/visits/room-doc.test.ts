import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as Y from 'yjs';
import { initRoomDoc, isPresent, readMeta, readRoom, readTimeline, setRoomStatus, type RosterEntry } from '../../../server/visits/room-doc.ts';
import { at, iso } from './helpers.ts';

const test = suite('visits/room-doc');

test('a new room is empty apart from its meta', () => {
  const doc = new Y.Doc();
  assert.is(readMeta(doc), null);
  initRoomDoc(doc, { visitId: 'v1', kind: 'group-therapy', status: 'scheduled' });
  assert.equal(readRoom(doc), {
    meta: { visitId: 'v1', kind: 'group-therapy', status: 'scheduled' },
    queue: [],
    roster: [],
    agenda: [],
    timeline: [],
  });
});

test('initRoomDoc is idempotent: loading an existing room does not reset it', () => {
  const doc = new Y.Doc();
  initRoomDoc(doc, { visitId: 'v1', kind: 'one-to-one', status: 'scheduled' });
  setRoomStatus(doc, 'waiting', 'pat-1', at(0));
  let updates = 0;
  doc.on('update', () => updates++);
  initRoomDoc(doc, { visitId: 'v1', kind: 'one-to-one', status: 'scheduled' });
  assert.is(updates, 0);
  assert.is(readMeta(doc)?.status, 'waiting');
});

test('setRoomStatus mirrors the lifecycle and records it', () => {
  const doc = new Y.Doc();
  initRoomDoc(doc, { visitId: 'v1', kind: 'one-to-one', status: 'in-progress' });
  setRoomStatus(doc, 'closed', 'dr-chen', at(30));
  assert.is(readMeta(doc)?.status, 'closed');
  assert.equal(readTimeline(doc), [{ at: iso(30), type: 'status', actor: 'dr-chen', detail: { status: 'closed' } }]);
  assert.throws(() => setRoomStatus(doc, 'closed', 'x', new Date(NaN)), TypeError);
});

test('meta with a wrong shape reads as not ready', () => {
  const doc = new Y.Doc();
  doc.getMap('meta').set('visitId', 'v1');
  doc.getMap('meta').set('kind', 'house-call');
  doc.getMap('meta').set('status', 'scheduled');
  assert.is(readMeta(doc), null);
});

test('isPresent: the last interval is open', () => {
  const base: Omit<RosterEntry, 'intervals'> = {
    id: 'p', displayName: 'P', role: 'patient', media: { camera: false, microphone: false, screen: false }, handRaised: false, location: 'main',
  };
  assert.not.ok(isPresent({ ...base, intervals: [] }));
  assert.ok(isPresent({ ...base, intervals: [{ join: iso(0) }] }));
  assert.not.ok(isPresent({ ...base, intervals: [{ join: iso(0), leave: iso(1) }] }));
  assert.ok(isPresent({ ...base, intervals: [{ join: iso(0), leave: iso(1) }, { join: iso(2) }] }));
});

test.run();
