/** The bench's hand-encoded protocol bytes agree with what Yjs and y-protocols produce. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import {
  ByteWriter, IN_OTHER, IN_STEP1, IN_STEP2, IN_UPDATE, ROOT_KEY, SYNC_STEP2, hocuspocusAuth, keystrokeMessage, keystrokeUpdate,
  messagePrefix, newParsed, parseIncoming, syncMessage,
} from './yproto.ts';

const test = suite('bench: hand-encoded y-websocket / Hocuspocus messages');

function typedByYjs(client: number, text: string): Uint8Array[] {
  const doc = new Y.Doc();
  doc.clientID = client;
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  const t = doc.getText(ROOT_KEY);
  for (let i = 0; i < text.length; i++) t.insert(i, text[i]!);
  doc.destroy();
  return updates;
}

for (const client of [1, 127, 128, 300, 2 ** 31 + 5]) {
  test(`keystrokes of client ${client} are byte-identical to Yjs updates`, () => {
    const expected = typedByYjs(client, 'héllo');
    const mine = [...'héllo'].map((ch, i) => keystrokeUpdate(client, i, ch));
    assert.equal(mine.map((u) => Buffer.from(u).toString('hex')), expected.map((u) => Buffer.from(u).toString('hex')));
  });
}

test('keystrokes from several clients merge into one document that contains every character', () => {
  const doc = new Y.Doc();
  const words = ['alpha', 'beta', 'gamma'];
  words.forEach((w, c) => [...w].forEach((ch, i) => Y.applyUpdate(doc, keystrokeUpdate(c + 1, i, ch))));
  const text = doc.getText(ROOT_KEY).toString();
  assert.is(text.length, words.join('').length);
  for (const w of words) assert.ok(text.includes(w), `${w} stays contiguous in "${text}"`);
  doc.destroy();
});

test('varUint matches lib0 at the byte boundaries', () => {
  for (const n of [0, 1, 127, 128, 16383, 16384, 2 ** 32 - 1, 2 ** 40]) {
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, n);
    assert.equal(new ByteWriter().varUint(n).done(), encoding.toUint8Array(e), `n=${n}`);
  }
});

test('sync messages match y-protocols framing', () => {
  const update = keystrokeUpdate(9, 0, 'x');
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  syncProtocol.writeUpdate(e, update);
  assert.equal(keystrokeMessage(new Uint8Array(0), 9, 0, 'x'), encoding.toUint8Array(e));
});

test('parseIncoming reads type, payload bounds and the first struct id, in both dialects', () => {
  const p = newParsed();
  for (const dialect of ['y-websocket', 'hocuspocus'] as const) {
    const prefix = messagePrefix(dialect, 'bench/v1');
    const m = keystrokeMessage(prefix, 4242, 17, 'q');
    parseIncoming(m, dialect, p);
    assert.is(p.kind, IN_UPDATE);
    assert.is(p.client, 4242);
    assert.is(p.clock, 17);
    assert.equal(m.subarray(p.start, p.end), keystrokeUpdate(4242, 17, 'q'));

    assert.is(parseIncoming(syncMessage(prefix, 0, new Uint8Array([0])), dialect, p).kind, IN_STEP1);
    const step2 = parseIncoming(syncMessage(prefix, SYNC_STEP2, new Uint8Array([0, 0])), dialect, p);
    assert.is(step2.kind, IN_STEP2);
    assert.is(step2.client, -1, 'an empty update has no struct');
    assert.is(parseIncoming(new ByteWriter().bytes(prefix).varUint(1).varBytes(new Uint8Array([0])).done(), dialect, p).kind, IN_OTHER);
  }
});

test('a Hocuspocus auth message is docName, 2, 0, token', () => {
  const m = hocuspocusAuth(messagePrefix('hocuspocus', 'd'), 'tok');
  assert.equal([...m], [1, 'd'.charCodeAt(0), 2, 0, 3, ...Buffer.from('tok')]);
});

test('truncated messages are refused, not misread', () => {
  const m = keystrokeMessage(new Uint8Array(0), 5, 0, 'z');
  assert.throws(() => parseIncoming(m.subarray(0, m.length - 3), 'y-websocket', newParsed()), RangeError);
});

test.run();
