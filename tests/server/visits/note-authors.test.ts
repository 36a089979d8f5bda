import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as Y from 'yjs';
import {
  attributeUpdate,
  authorsOf,
  contributorsOf,
  newClientIds,
  recordAuthor,
  touchesAuthors,
} from '../../../server/visits/note-authors.ts';
import { ensureCaseNote, sectionText } from '../../../server/visits/note-doc.ts';

const test = suite('visits/note-authors');

/** A client replica with a fixed client id, synced from the server's current state. */
function client(server: Y.Doc, clientID: number): Y.Doc {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(server));
  return doc;
}

/** What `doc` has that `server` lacks: the update a client would send. */
function diff(doc: Y.Doc, server: Y.Doc): Uint8Array {
  return Y.encodeStateAsUpdate(doc, Y.encodeStateVector(server));
}

test('recordAuthor is idempotent and refuses a client id owned by someone else', () => {
  const doc = new Y.Doc();
  assert.ok(recordAuthor(doc, 7, 'dr-chen').ok);
  assert.ok(recordAuthor(doc, 7, 'dr-chen').ok);
  const taken = recordAuthor(doc, 7, 'rn-ortiz');
  assert.not.ok(taken.ok);
  if (!taken.ok) assert.is(taken.error.code, 'ERR_CLIENT_ID_TAKEN');
  assert.ok(recordAuthor(doc, 8, 'rn-ortiz').ok);
  assert.equal(authorsOf(doc), new Map([[7, 'dr-chen'], [8, 'rn-ortiz']]));
  assert.throws(() => recordAuthor(doc, -1, 'x'), TypeError);
  assert.throws(() => recordAuthor(doc, 1.5, 'x'), TypeError);
  assert.throws(() => recordAuthor(doc, 9, ''), TypeError);
});

test('attributeUpdate records the new client ids of an update for its sender', () => {
  const server = new Y.Doc();
  const chen = client(server, 101);
  sectionText(chen, 'hpi').insert(0, 'Headache since Monday.');
  const update = diff(chen, server);
  assert.equal(newClientIds(server, update), [101]);
  const r = attributeUpdate(server, update, 'dr-chen');
  assert.ok(r.ok);
  if (r.ok) assert.equal(r.value, [101]);
  Y.applyUpdate(server, update);
  assert.equal(authorsOf(server).get(101), 'dr-chen');
  // The same update relayed again brings nothing new.
  assert.equal(newClientIds(server, update), []);
});

test('a client writing under another user’s client id is refused, and nothing is recorded', () => {
  const server = new Y.Doc();
  const chen = client(server, 101);
  sectionText(chen, 'hpi').insert(0, 'Chen wrote this.');
  const first = diff(chen, server);
  assert.ok(attributeUpdate(server, first, 'dr-chen').ok);
  Y.applyUpdate(server, first);
  // A modified client that continues under Chen's client id (a stock client would pick a new one).
  const impostor = client(server, 999);
  impostor.clientID = 101;
  sectionText(impostor, 'plan').insert(0, 'Prescribe opioids.');
  const other = client(server, 202);
  sectionText(other, 'exam').insert(0, 'ok');
  const forged = Y.mergeUpdates([diff(impostor, server), diff(other, server)]);
  const r = attributeUpdate(server, forged, 'mallory');
  assert.not.ok(r.ok);
  if (!r.ok) assert.is(r.error.code, 'ERR_CLIENT_ID_TAKEN');
  assert.not.ok(authorsOf(server).has(202), 'all or nothing');
});

test('touchesAuthors: ordinary edits do not, any write or delete in authors does', () => {
  const server = new Y.Doc();
  recordAuthor(server, 1, 'dr-chen');
  sectionText(server, 'hpi').insert(0, 'Existing text.');
  ensureCaseNote(server, 'c1').insert(0, 'Case text.');

  const cases: [string, (d: Y.Doc) => void, boolean][] = [
    ['append to a section', (d) => sectionText(d, 'hpi').insert(14, ' More.'), false],
    ['insert in the middle of a section', (d) => sectionText(d, 'hpi').insert(3, 'x'), false],
    ['delete from a section', (d) => sectionText(d, 'hpi').delete(0, 4), false],
    ['edit a case note (nested type)', (d) => (d.getMap('cases').get('c1') as Y.Text).insert(0, 'More. '), false],
    ['add a code', (d) => d.getMap('codes').set('urn:x|1', { system: 'urn:x', code: '1' }), false],
    ['add an author entry', (d) => d.getMap('authors').set('999', 'mallory'), true],
    ['overwrite an author entry', (d) => d.getMap('authors').set('1', 'mallory'), true],
    ['delete an author entry', (d) => d.getMap('authors').delete('1'), true],
    ['edit text and authors together', (d) => { sectionText(d, 'plan').insert(0, 'Rest.'); d.getMap('authors').set('5', 'x'); }, true],
  ];
  for (const [name, edit, expected] of cases) {
    const c = client(server, 500);
    edit(c);
    const update = diff(c, server);
    assert.ok(update.length > 2, `${name} produced an update`);
    assert.is(touchesAuthors(server, update), expected, name);
  }
});

test('touchesAuthors follows long neighbour chains inside one update', () => {
  const server = new Y.Doc();
  const c = client(server, 600);
  // Typing backwards: each character's right neighbour is the previous one, so nothing merges
  // and the update holds a chain of 5000 items, each placed only relative to the next.
  for (let i = 0; i < 5000; i++) sectionText(c, 'hpi').insert(0, 'x');
  const update = diff(c, server);
  assert.ok(Y.decodeUpdate(update).structs.length >= 5000);
  assert.not.ok(touchesAuthors(server, update));
  c.getMap('authors').set('1', 'x');
  assert.ok(touchesAuthors(server, diff(c, server)));
});

test('touchesAuthors fails closed when an update depends on content the server lacks', () => {
  const server = new Y.Doc();
  const a = client(server, 10);
  sectionText(a, 'hpi').insert(0, 'abc');
  const b = client(a, 20);
  sectionText(b, 'hpi').insert(3, 'def');
  // b's insert hangs off a's text, which the server has not received.
  assert.ok(touchesAuthors(server, diff(b, a)));
  Y.applyUpdate(server, diff(a, server));
  assert.not.ok(touchesAuthors(server, diff(b, a)));
});

test('contributorsOf: users whose text is still in the note', () => {
  const server = new Y.Doc();
  const chen = client(server, 1);
  sectionText(chen, 'hpi').insert(0, 'Draft by Chen.');
  Y.applyUpdate(server, diff(chen, server));
  recordAuthor(server, 1, 'dr-chen');
  const rao = client(server, 2);
  sectionText(rao, 'hpi').delete(0, 'Draft by Chen.'.length);
  sectionText(rao, 'hpi').insert(0, 'Rewritten by Rao.');
  ensureCaseNote(rao, 'c1').insert(0, 'Case by Rao.');
  const scribe = client(server, 3);
  sectionText(scribe, 'plan').insert(0, 'Plan by the scribe.');
  const unknown = client(server, 4);
  sectionText(unknown, 'exam').insert(0, 'Unattributed.');
  for (const [doc, user] of [[rao, 'dr-rao'], [scribe, 'scribe-kim'], [unknown, null]] as const) {
    const u = diff(doc, server);
    if (user) assert.ok(attributeUpdate(server, u, user).ok);
    Y.applyUpdate(server, u);
  }
  assert.equal(contributorsOf(server), ['dr-rao', 'scribe-kim']);
});

test.run();
