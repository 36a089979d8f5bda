/** The y-websocket codec: round trips against y-protocols' own encoders, and every malformed case. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as authProtocol from 'y-protocols/auth';
import {
  ProtocolError, Reader, decodeAwarenessUpdate, decodeMessage, encodeAwareness, encodePermissionDenied,
  encodeQueryAwareness, encodeSyncStep1, encodeSyncStep2, encodeSyncUpdate, type ProtocolErrorCode,
} from '../../../server/sync/protocol.ts';

const bytes = (...b: number[]) => new Uint8Array(b);
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};
const frame = (write: (e: encoding.Encoder) => void) => {
  const e = encoding.createEncoder();
  write(e);
  return encoding.toUint8Array(e);
};

function refusedWith(code: ProtocolErrorCode, fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    assert.instance(e, ProtocolError);
    assert.is((e as ProtocolError).code, code);
    return;
  }
  assert.unreachable(`expected ${code}`);
}

/** A small real document, so payloads are genuine Yjs bytes. */
function sampleDoc(): Y.Doc {
  const doc = new Y.Doc();
  doc.getText('note').insert(0, 'Headache since Tuesday.');
  doc.getMap('queue').set('p1', { state: 'waiting' });
  return doc;
}

const codec = suite('sync/protocol: encode and decode');

codec('sync step 1 matches y-protocols byte for byte and decodes back', () => {
  const doc = sampleDoc();
  const sv = Y.encodeStateVector(doc);
  const reference = frame((e) => { encoding.writeVarUint(e, 0); syncProtocol.writeSyncStep1(e, doc); });
  assert.equal(encodeSyncStep1(sv), reference);
  assert.equal(decodeMessage(reference), { type: 'sync-step1', stateVector: sv });
});

codec('sync step 2 and update match y-protocols and decode back', () => {
  const doc = sampleDoc();
  const update = Y.encodeStateAsUpdate(doc);
  const step2 = frame((e) => { encoding.writeVarUint(e, 0); syncProtocol.writeSyncStep2(e, doc); });
  assert.equal(encodeSyncStep2(update), step2);
  assert.equal(decodeMessage(step2), { type: 'sync-step2', update });
  const live = frame((e) => { encoding.writeVarUint(e, 0); syncProtocol.writeUpdate(e, update); });
  assert.equal(encodeSyncUpdate(update), live);
  assert.equal(decodeMessage(live), { type: 'sync-update', update });
});

codec('a stock client applies what the server encodes', () => {
  const server = sampleDoc();
  const client = new Y.Doc();
  const msg = encodeSyncStep2(Y.encodeStateAsUpdate(server));
  const d = decoding.createDecoder(msg);
  assert.is(decoding.readVarUint(d), 0);
  const reply = encoding.createEncoder();
  assert.is(syncProtocol.readSyncMessage(d, reply, client, null), syncProtocol.messageYjsSyncStep2);
  assert.is(client.getText('note').toString(), 'Headache since Tuesday.');
});

codec('awareness and query-awareness round trip', () => {
  const doc = new Y.Doc();
  const aw = new awarenessProtocol.Awareness(doc);
  aw.setLocalState({ user: { name: 'Dr Ames', color: '#30bced' } });
  const update = awarenessProtocol.encodeAwarenessUpdate(aw, [doc.clientID]);
  const msg = encodeAwareness(update);
  assert.equal(msg, frame((e) => { encoding.writeVarUint(e, 1); encoding.writeVarUint8Array(e, update); }));
  assert.equal(decodeMessage(msg), { type: 'awareness', update });
  assert.equal(decodeAwarenessUpdate(update), [{ clientID: doc.clientID, clock: aw.meta.get(doc.clientID)!.clock, state: { user: { name: 'Dr Ames', color: '#30bced' } } }]);
  assert.equal(encodeQueryAwareness(), bytes(3));
  assert.equal(decodeMessage(bytes(3)), { type: 'query-awareness' });
  aw.destroy();
});

codec('a removed awareness state decodes as null', () => {
  const doc = new Y.Doc();
  const aw = new awarenessProtocol.Awareness(doc);
  aw.setLocalState({ x: 1 });
  aw.setLocalState(null);
  const entries = decodeAwarenessUpdate(awarenessProtocol.encodeAwarenessUpdate(aw, [doc.clientID]));
  assert.is(entries.length, 1);
  assert.is(entries[0]!.state, null);
  aw.destroy();
});

codec('permission denied is what y-protocols/auth reads', () => {
  const msg = encodePermissionDenied('read-only');
  const d = decoding.createDecoder(msg);
  assert.is(decoding.readVarUint(d), 2);
  let reason = '';
  authProtocol.readAuthMessage(d, new Y.Doc(), (_y, r) => { reason = r; });
  assert.is(reason, 'read-only');
  // A client may send an auth message; it decodes and is ignored by the hub.
  assert.equal(decodeMessage(msg), { type: 'auth' });
});

codec('Reader reads the largest safe varint and an empty payload', () => {
  const big = frame((e) => encoding.writeVarUint(e, Number.MAX_SAFE_INTEGER));
  const r = new Reader(big);
  assert.is(r.varUint(), Number.MAX_SAFE_INTEGER);
  assert.ok(r.done);
  assert.equal(decodeMessage(bytes(0, 2, 0)), { type: 'sync-update', update: bytes() });
});

codec.run();

const bad = suite('sync/protocol: malformed input is refused with a code');

const update = Y.encodeStateAsUpdate(sampleDoc());
const goodUpdate = encodeSyncUpdate(update);
const goodAwareness = (() => {
  const doc = new Y.Doc();
  const aw = new awarenessProtocol.Awareness(doc);
  aw.setLocalState({ name: 'x' });
  const u = awarenessProtocol.encodeAwarenessUpdate(aw, [doc.clientID]);
  aw.destroy();
  return u;
})();

const malformedFrames: [string, Uint8Array][] = [
  ['empty frame', bytes()],
  ['type varint cut short', bytes(0x80)],
  ['type varint longer than 8 bytes', bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)],
  ['type varint beyond 2^53', bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f)],
  ['sync without subtype', bytes(0)],
  ['sync subtype varint cut short', bytes(0, 0x81)],
  ['sync without payload length', bytes(0, 2)],
  ['payload length varint cut short', bytes(0, 2, 0xff)],
  ['payload shorter than its length', goodUpdate.subarray(0, goodUpdate.length - 1)],
  ['payload length far beyond the frame', bytes(0, 2, 0xff, 0xff, 0x7f, 1, 2, 3)],
  ['trailing byte after a sync update', concat(goodUpdate, bytes(0))],
  ['trailing message after a sync update', concat(goodUpdate, goodUpdate)],
  ['unknown sync subtype 3', bytes(0, 3, 0)],
  ['unknown sync subtype 300', bytes(0, 0xac, 0x02, 0)],
  ['awareness without payload', bytes(1)],
  ['awareness payload cut short', encodeAwareness(goodAwareness).subarray(0, 4)],
  ['trailing byte after awareness', concat(encodeAwareness(goodAwareness), bytes(7))],
  ['trailing byte after query-awareness', bytes(3, 0)],
  ['auth without reason', bytes(2, 0)],
  ['auth reason cut short', bytes(2, 0, 5, 0x61)],
  ['auth reason not utf-8', bytes(2, 0, 2, 0xc3, 0x28)],
];

for (const [name, buf] of malformedFrames) {
  bad(`${name} → ERR_MALFORMED_MESSAGE`, () => refusedWith('ERR_MALFORMED_MESSAGE', () => decodeMessage(buf)));
}

for (const type of [4, 5, 127, 128, 100_000]) {
  bad(`message type ${type} → ERR_UNKNOWN_MESSAGE_TYPE`, () => {
    const buf = frame((e) => { encoding.writeVarUint(e, type); encoding.writeVarUint8Array(e, update); });
    refusedWith('ERR_UNKNOWN_MESSAGE_TYPE', () => decodeMessage(buf));
  });
}

bad('every strict prefix of a valid frame is refused', () => {
  for (const msg of [goodUpdate, encodeSyncStep1(Y.encodeStateVector(sampleDoc())), encodeAwareness(goodAwareness), encodePermissionDenied('no')]) {
    for (let n = 0; n < msg.length; n++) refusedWith('ERR_MALFORMED_MESSAGE', () => decodeMessage(msg.subarray(0, n)));
  }
});

const awarenessEntry = (clientID: number, clock: number, json: Uint8Array) =>
  frame((e) => { encoding.writeVarUint(e, 1); encoding.writeVarUint(e, clientID); encoding.writeVarUint(e, clock); encoding.writeVarUint8Array(e, json); });

const malformedAwareness: [string, Uint8Array][] = [
  ['empty', bytes()],
  ['count larger than the entries', frame((e) => { encoding.writeVarUint(e, 2); encoding.writeVarUint(e, 1); encoding.writeVarUint(e, 0); encoding.writeVarString(e, '{}'); })],
  ['count over 10 000', frame((e) => encoding.writeVarUint(e, 10_001))],
  ['state not JSON', awarenessEntry(1, 0, new TextEncoder().encode('{name:'))],
  ['state empty string', awarenessEntry(1, 0, bytes())],
  ['state invalid utf-8', awarenessEntry(1, 0, bytes(0x22, 0xff, 0x22))],
  ['state lone surrogate half in utf-8', awarenessEntry(1, 0, bytes(0x22, 0xed, 0xa0, 0x80, 0x22))],
  ['clientID varint cut short', frame((e) => { encoding.writeVarUint(e, 1); encoding.writeUint8(e, 0x80); })],
  ['trailing bytes', concat(goodAwareness, bytes(0))],
];

for (const [name, buf] of malformedAwareness) {
  bad(`awareness ${name} → ERR_MALFORMED_MESSAGE`, () => refusedWith('ERR_MALFORMED_MESSAGE', () => decodeAwarenessUpdate(buf)));
}

bad('thousands of random frames either decode completely or throw ProtocolError, nothing else', () => {
  // Deterministic xorshift so a failure can be replayed.
  let s = 0x9e3779b9;
  const next = () => { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; return (s >>> 0) / 2 ** 32; };
  let decoded = 0;
  for (let i = 0; i < 5000; i++) {
    const len = Math.floor(next() * 24);
    const buf = new Uint8Array(len);
    for (let j = 0; j < len; j++) buf[j] = Math.floor(next() * 256);
    if (len > 0 && next() < 0.5) buf[0] = Math.floor(next() * 4); // often a known type, to reach the bodies
    try {
      const m = decodeMessage(buf);
      decoded++;
      if (m.type === 'awareness') {
        try { decodeAwarenessUpdate(m.update); } catch (e) { assert.instance(e, ProtocolError); }
      }
    } catch (e) {
      assert.instance(e, ProtocolError);
    }
  }
  assert.ok(decoded > 0, 'some random frames are valid messages');
});

bad.run();
