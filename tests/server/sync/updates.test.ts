/** Update validation: exact decoding (no truncation, no trailing bytes) and redundant/empty detection. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as Y from 'yjs';
import { inspectUpdate, isEmptyUpdate, isRedundant } from '../../../server/sync/updates.ts';

/** Records every update a document emits, so tests can replay edits elsewhere. */
function recorder(clientID: number): { doc: Y.Doc; updates: Uint8Array[] } {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  return { doc, updates };
}

function sample(): { doc: Y.Doc; updates: Uint8Array[] } {
  const r = recorder(101);
  r.doc.getText('note').insert(0, 'Patient reports dizziness.');
  r.doc.getText('note').insert(8, ' (Ms K)');
  r.doc.getMap('queue').set('p1', { state: 'waiting', since: 3 });
  r.doc.getText('note').delete(0, 8);
  r.doc.getArray('log').push([1, 'two', { three: 3 }, new Uint8Array([4])]);
  return r;
}

const decode = (u: Uint8Array) => {
  const d = inspectUpdate(u);
  assert.ok(d, 'update decodes');
  return d!;
};

const inspect = suite('sync/updates: inspectUpdate');

inspect('real updates of every kind decode, with their structs', () => {
  const { doc, updates } = sample();
  for (const u of [...updates, Y.encodeStateAsUpdate(doc)]) {
    const d = decode(u);
    assert.ok(d.structs.length > 0 || d.ds.clients.size > 0);
  }
  const full = decode(Y.encodeStateAsUpdate(doc));
  assert.is(full.structs[0]!.id.client, 101);
});

inspect('the empty update of an empty document decodes and is empty', () => {
  const d = decode(Y.encodeStateAsUpdate(new Y.Doc()));
  assert.ok(isEmptyUpdate(d));
});

inspect('every truncation of a real update is refused', () => {
  const { doc, updates } = sample();
  for (const u of [...updates, Y.encodeStateAsUpdate(doc)]) {
    for (let n = 0; n < u.length; n++) assert.is(inspectUpdate(u.subarray(0, n)), null, `prefix ${n}/${u.length}`);
  }
});

inspect('an update with trailing bytes is refused', () => {
  const u = Y.encodeStateAsUpdate(sample().doc);
  for (const tail of [[0], [0, 0], [1, 2, 3], [0xff], Array.from(u)]) {
    const ext = new Uint8Array([...u, ...tail]);
    assert.is(inspectUpdate(ext), null, `tail ${tail.length}`);
  }
});

inspect('a V2-encoded update is refused (the wire format is V1)', () => {
  assert.is(inspectUpdate(Y.encodeStateAsUpdateV2(sample().doc)), null);
});

inspect('random bytes never throw, and mostly do not decode', () => {
  let s = 12345;
  const next = () => { s = (s * 1103515245 + 12345) >>> 0; return s / 2 ** 32; };
  let accepted = 0;
  for (let i = 0; i < 3000; i++) {
    const buf = new Uint8Array(1 + Math.floor(next() * 40));
    for (let j = 0; j < buf.length; j++) buf[j] = Math.floor(next() * 256);
    if (inspectUpdate(buf)) accepted++;
  }
  assert.ok(accepted < 300, `${accepted} of 3000 random buffers decoded`);
});

inspect('a decoded update still applies (inspection does not consume it)', () => {
  const { doc } = sample();
  const u = Y.encodeStateAsUpdate(doc);
  decode(u);
  const copy = new Y.Doc();
  Y.applyUpdate(copy, u);
  assert.is(copy.getText('note').toString(), doc.getText('note').toString());
});

inspect.run();

const redundant = suite('sync/updates: isEmptyUpdate and isRedundant');

redundant('a delete-only update is not empty', () => {
  const base = recorder(7);
  base.doc.getText('t').insert(0, 'abc');
  base.updates.length = 0;
  base.doc.getText('t').delete(1, 1);
  const d = decode(base.updates[0]!);
  assert.is(d.structs.length, 0);
  assert.not.ok(isEmptyUpdate(d));
});

redundant('updates already applied are redundant; new ones are not', () => {
  const { updates } = sample();
  const server = new Y.Doc();
  for (const u of updates) {
    assert.not.ok(isRedundant(server, decode(u)), 'new before applying');
    Y.applyUpdate(server, u);
    assert.ok(isRedundant(server, decode(u)), 'redundant after applying');
  }
});

redundant('a reconnecting client\'s full state (with its delete set) is redundant when nothing is new', () => {
  const { doc } = sample();
  const server = new Y.Doc();
  Y.applyUpdate(server, Y.encodeStateAsUpdate(doc));
  assert.ok(isRedundant(server, decode(Y.encodeStateAsUpdate(doc))));
  assert.ok(isRedundant(server, decode(Y.encodeStateAsUpdate(doc, Y.encodeStateVector(server)))));
});

redundant('a deletion of content the server still has is not redundant', () => {
  const a = recorder(11);
  a.doc.getText('t').insert(0, 'hello world');
  const server = new Y.Doc();
  Y.applyUpdate(server, Y.encodeStateAsUpdate(a.doc));
  a.updates.length = 0;
  a.doc.getText('t').delete(0, 6);
  const del = decode(a.updates[0]!);
  assert.not.ok(isRedundant(server, del));
  Y.applyUpdate(server, a.updates[0]!);
  assert.ok(isRedundant(server, del), 'deleting the same range again changes nothing');
});

redundant('a deletion spanning deleted and live items is not redundant', () => {
  const a = recorder(12);
  a.doc.getText('t').insert(0, 'abcdef');
  const server = new Y.Doc();
  Y.applyUpdate(server, Y.encodeStateAsUpdate(a.doc));
  const b = new Y.Doc();
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a.doc));
  a.doc.getText('t').delete(0, 2); // server learns of this one
  Y.applyUpdate(server, Y.encodeStateAsUpdate(a.doc, Y.encodeStateVector(server)));
  b.getText('t').delete(0, 4); // b deletes the same two and two more
  const bDel = decode(Y.encodeStateAsUpdate(b));
  assert.not.ok(isRedundant(server, bDel));
});

redundant('a deletion of clocks the server has never seen is not redundant', () => {
  const a = recorder(13);
  a.doc.getText('t').insert(0, 'abc');
  a.doc.getText('t').insert(3, 'def');
  const server = new Y.Doc();
  Y.applyUpdate(server, a.updates[0]!); // only "abc"
  a.doc.getText('t').delete(2, 3); // deletes "c" (known) and "de" (unknown to the server)
  const onlyDeletes = Y.encodeStateAsUpdate(a.doc, Y.encodeStateVector(a.doc));
  const d = decode(onlyDeletes);
  assert.is(d.structs.length, 0);
  assert.not.ok(isRedundant(server, d));
});

redundant('an update that overlaps known structs and extends past them is not redundant', () => {
  const a = recorder(14);
  a.doc.getText('t').insert(0, 'abc');
  const server = new Y.Doc();
  Y.applyUpdate(server, a.updates[0]!);
  a.doc.getText('t').insert(3, 'def');
  const merged = Y.mergeUpdates(a.updates);
  assert.not.ok(isRedundant(server, decode(merged)));
});

redundant('a merged update with a gap (Skip struct) is redundant once everything in it is known', () => {
  const a = recorder(15);
  for (const s of ['a', 'b', 'c']) a.doc.getText('t').insert(a.doc.getText('t').length, s);
  const gapped = Y.mergeUpdates([a.updates[0]!, a.updates[2]!]);
  assert.ok(decode(gapped).structs.some((s) => s instanceof Y.Skip), 'has a Skip');
  const server = new Y.Doc();
  for (const u of a.updates) Y.applyUpdate(server, u);
  assert.ok(isRedundant(server, decode(gapped)));
  assert.not.ok(isRedundant(new Y.Doc(), decode(gapped)));
});

redundant('deleted content that was garbage-collected still counts as deleted', () => {
  const a = recorder(16);
  const m = a.doc.getMap('m');
  m.set('k', 'first');
  m.set('k', 'second'); // overwriting deletes "first"; gc turns it into a GC struct
  const server = new Y.Doc({ gc: true });
  Y.applyUpdate(server, Y.encodeStateAsUpdate(a.doc));
  assert.ok(isRedundant(server, decode(Y.encodeStateAsUpdate(a.doc))));
});

redundant.run();
