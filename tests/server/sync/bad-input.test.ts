/**
 * Bad input against a live server, from a raw `ws` client: each bad frame closes the sender with
 * its named code, the document in memory and in the store stays exactly as it was, and the other
 * clients keep syncing.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import type { WebsocketProvider } from 'y-websocket';
import { CloseCode } from '../../../server/sync/close-codes.ts';
import { encodeSyncUpdate } from '../../../server/sync/protocol.ts';
import type { RunningServer } from '../../../server/app.ts';
import { destroyAll, endAll, provider, removeDir, startTestServer, synced, tempDir, token, waitFor } from '../../helpers/server.ts';
import { docUrl, isSyncStep1, rawConnect } from '../../helpers/raw.ts';
import { halfApplyingUpdate, sameState, storedDoc } from '../../helpers/ydoc.ts';

const MAX = 4096;
const DOC = 'test/bad-input/note';
const test = suite('sync: bad input from a raw client');

interface Ctx { dir: string; server: RunningServer; a: WebsocketProvider; b: WebsocketProvider; aCloses: number[]; bCloses: number[]; marks: number }
const ctx = {} as Ctx;
/** Every provider this file opens, so `after` can end them all even when a test failed. */
const opened: WebsocketProvider[] = [];
const open = (doc: string, tok: string) => { const p = provider(ctx.server.port, doc, tok); opened.push(p); return p; };

/** A fresh update from a client nobody else uses (so it is never redundant). */
function foreignUpdate(text: string, clientID: number): Uint8Array {
  const d = new Y.Doc();
  d.clientID = clientID;
  d.getText('note').insert(0, text);
  const u = Y.encodeStateAsUpdate(d);
  d.destroy();
  return u;
}

const closes = (p: WebsocketProvider, into: number[]) =>
  p.on('connection-close', (e) => { if (e) into.push(e.code); });

test.before(async () => {
  ctx.dir = tempDir();
  ctx.server = await startTestServer(ctx.dir, { ROUNDS_MAX_MESSAGE_BYTES: String(MAX) });
  ctx.a = open(DOC, await token({ doc: DOC, sub: 'dr-a' }));
  ctx.b = open(DOC, await token({ doc: DOC, sub: 'dr-b' }));
  ctx.aCloses = [];
  ctx.bCloses = [];
  closes(ctx.a, ctx.aCloses);
  closes(ctx.b, ctx.bCloses);
  ctx.marks = 0;
  await Promise.all([synced(ctx.a), synced(ctx.b)]);
  ctx.a.doc.getText('note').insert(0, 'Chief complaint: chest pain on exertion.');
  ctx.b.doc.getMap('queue').set('p1', { state: 'waiting' });
  await waitFor(() => ctx.b.doc.getText('note').length > 0 && ctx.a.doc.getMap('queue').has('p1'), 'base content everywhere');
});

test.after(async () => {
  endAll(opened);
  await ctx.server.stop();
  removeDir(ctx.dir);
});

/** A writes a marker and B receives it: the document still syncs (and the marker is committed). */
async function othersKeepSyncing(): Promise<void> {
  await Promise.all([synced(ctx.a), synced(ctx.b)]);
  const mark = `[m${++ctx.marks}]`;
  const note = ctx.a.doc.getText('note');
  note.insert(note.length, mark);
  await waitFor(() => ctx.b.doc.getText('note').toString().includes(mark), `B receives ${mark}`);
}

/** What the server holds in memory, seen by a brand-new provider. */
async function serverView(): Promise<Y.Doc> {
  const f = open(DOC, await token({ doc: DOC, sub: 'observer', access: 'read' }));
  await synced(f);
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(f.doc));
  destroyAll(f);
  return copy;
}

async function assertUnchanged(): Promise<void> {
  await othersKeepSyncing();
  const view = await serverView();
  assert.ok(sameState(view, ctx.a.doc), 'server memory equals A');
  assert.ok(sameState(view, ctx.b.doc), 'server memory equals B');
  assert.is(view.getText('x').length, 0, 'nothing of a refused update is in the document');
  const stored = await storedDoc(ctx.dir, DOC);
  assert.ok(sameState(stored.doc, ctx.a.doc), 'store equals A');
}

/** Sends one frame on a fresh write connection and returns the close code. */
async function sendBad(frame: Uint8Array | string): Promise<number> {
  const before = await storedDoc(ctx.dir, DOC);
  const raw = await rawConnect(docUrl(ctx.server.port, DOC, await token({ doc: DOC, sub: 'mallory' })));
  await raw.until(isSyncStep1, 'the server greets (document loaded)');
  raw.send(frame);
  const { code } = await raw.closed;
  const after = await storedDoc(ctx.dir, DOC);
  assert.is(after.logLength, before.logLength, 'nothing was appended to the store');
  assert.ok(sameState(after.doc, before.doc), 'stored document unchanged');
  return code;
}

const frameOf = (write: (e: encoding.Encoder) => void) => {
  const e = encoding.createEncoder();
  write(e);
  return encoding.toUint8Array(e);
};

test('a message over ROUNDS_MAX_MESSAGE_BYTES closes with 1009 and nothing of it is applied', async () => {
  const big = encodeSyncUpdate(foreignUpdate('x'.repeat(MAX + 100), 900_001));
  assert.ok(big.length > MAX);
  assert.is(await sendBad(big), CloseCode.MESSAGE_TOO_BIG);
  await assertUnchanged();
  assert.not.ok(ctx.a.doc.getText('note').toString().includes('xxxx'));
});

test('a message over twice the limit is cut off by uWS itself (no close frame) and nothing of it is applied', async () => {
  const huge = encodeSyncUpdate(foreignUpdate('z'.repeat(3 * MAX), 900_010));
  assert.ok(huge.length > 2 * MAX);
  assert.is(await sendBad(huge), 1006);
  await assertUnchanged();
  assert.not.ok(ctx.a.doc.getText('note').toString().includes('zzzz'));
});

test('a valid update just under the limit is accepted and reaches the others', async () => {
  const text = 'y'.repeat(MAX - 200);
  const msg = encodeSyncUpdate(foreignUpdate(text, 900_002));
  assert.ok(msg.length <= MAX);
  const raw = await rawConnect(docUrl(ctx.server.port, DOC, await token({ doc: DOC, sub: 'dr-c' })));
  await raw.until(isSyncStep1, 'greeting');
  raw.send(msg);
  await waitFor(() => ctx.a.doc.getText('note').toString().includes(text) && ctx.b.doc.getText('note').toString().includes(text), 'A and B receive it');
  assert.not.ok(raw.isClosed);
  raw.close();
  await raw.closed;
  await assertUnchanged();
});

test('a text frame closes with 4000', async () => {
  assert.is(await sendBad('{"type":"sync"}'), CloseCode.MALFORMED_MESSAGE);
  await assertUnchanged();
});

const malformed: [string, Uint8Array][] = [
  ['a varint cut short', new Uint8Array([0x80])],
  ['a varint longer than 8 bytes', new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])],
  ['a sync update frame cut short', encodeSyncUpdate(foreignUpdate('cut', 900_003)).subarray(0, 6)],
  ['a valid new update followed by a trailing byte', (() => { const m = encodeSyncUpdate(foreignUpdate('trailing', 900_004)); return new Uint8Array([...m, 0]); })()],
  ['an unknown sync subtype', frameOf((e) => { encoding.writeVarUint(e, 0); encoding.writeVarUint(e, 7); encoding.writeVarUint8Array(e, foreignUpdate('sub', 900_005)); })],
  ['awareness whose state is not JSON', frameOf((e) => {
    encoding.writeVarUint(e, 1);
    encoding.writeVarUint8Array(e, frameOf((a) => { encoding.writeVarUint(a, 1); encoding.writeVarUint(a, 5); encoding.writeVarUint(a, 1); encoding.writeVarString(a, '{not json'); }));
  })],
];

for (const [name, frame] of malformed) {
  test(`${name} closes with 4000`, async () => {
    assert.is(await sendBad(frame), CloseCode.MALFORMED_MESSAGE);
    await assertUnchanged();
    for (const t of ['cut', 'trailing', 'sub']) assert.not.ok(ctx.a.doc.getText('note').toString().includes(t));
  });
}

for (const type of [4, 99, 200_000]) {
  test(`message type ${type} closes with 4001`, async () => {
    const frame = frameOf((e) => { encoding.writeVarUint(e, type); encoding.writeVarUint8Array(e, foreignUpdate('unknown', 900_006)); });
    assert.is(await sendBad(frame), CloseCode.UNKNOWN_MESSAGE_TYPE);
    await assertUnchanged();
  });
}

const undecodable: [string, () => Uint8Array][] = [
  ['a truncated update', () => { const u = foreignUpdate('truncated', 900_007); return u.subarray(0, u.length - 3); }],
  ['an update with trailing bytes', () => new Uint8Array([...foreignUpdate('extended', 900_008), 1, 2, 3])],
  ['random bytes', () => new Uint8Array([7, 200, 3, 99, 14, 0, 250, 1, 1, 1, 42])],
  ['a V2-encoded update', () => { const d = new Y.Doc(); d.getText('note').insert(0, 'v2'); return Y.encodeStateAsUpdateV2(d); }],
];

for (const [name, make] of undecodable) {
  for (const sub of ['update', 'step2'] as const) {
    test(`${name} as sync ${sub} closes with 4002`, async () => {
      const u = make();
      const frame = frameOf((e) => { encoding.writeVarUint(e, 0); encoding.writeVarUint(e, sub === 'update' ? 2 : 1); encoding.writeVarUint8Array(e, u); });
      assert.is(await sendBad(frame), CloseCode.INVALID_UPDATE);
      await assertUnchanged();
    });
  }
}

test('an update Yjs decodes but throws on half-way closes with 4002; others reload and nothing of it remains', async () => {
  const aBefore = ctx.aCloses.length;
  const bBefore = ctx.bCloses.length;
  assert.is(await sendBad(encodeSyncUpdate(halfApplyingUpdate(900_009))), CloseCode.INVALID_UPDATE);
  // The half-applied copy in memory was dropped: every client is sent away (1001) and reloads.
  await waitFor(() => ctx.aCloses.length > aBefore && ctx.bCloses.length > bBefore, 'A and B are sent away');
  assert.is(ctx.aCloses[aBefore], CloseCode.GOING_AWAY);
  assert.is(ctx.bCloses[bBefore], CloseCode.GOING_AWAY);
  await assertUnchanged();
  assert.is(ctx.a.doc.getText('x').length, 0);
});

test('after a restart the stored document equals what the clients hold', async () => {
  await othersKeepSyncing();
  const expected = new Y.Doc();
  Y.applyUpdate(expected, Y.encodeStateAsUpdate(ctx.a.doc));
  destroyAll(ctx.a, ctx.b);
  await ctx.server.stop();
  ctx.server = await startTestServer(ctx.dir, { ROUNDS_MAX_MESSAGE_BYTES: String(MAX) });
  const fresh = open(DOC, await token({ doc: DOC }));
  await synced(fresh);
  assert.ok(sameState(fresh.doc, expected));
  assert.ok(fresh.doc.getText('note').toString().includes('Chief complaint'));
  assert.is(fresh.doc.getText('x').length, 0);
  ctx.a = fresh;
  ctx.b = open(DOC, await token({ doc: DOC }));
  await synced(ctx.b);
  assert.ok(sameState(ctx.b.doc, expected));
});

test.run();
