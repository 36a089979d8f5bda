/**
 * Auth for sync connections: refused at HTTP upgrade (before any socket exists) for a missing,
 * expired, forged or misdirected token; token in the query or in Sec-WebSocket-Protocol; a
 * read-only connection's writes are never applied, stored or broadcast; an access token that
 * expires while connected ends the connection with 4006.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as Y from 'yjs';
import * as authProtocol from 'y-protocols/auth';
import { SignJWT } from 'jose';
import { WebsocketProvider } from 'y-websocket';
import WebSocket from 'ws';
import { CloseCode } from '../../../server/sync/close-codes.ts';
import { encodeSyncUpdate } from '../../../server/sync/protocol.ts';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '../../../server/auth/tokens.ts';
import type { RunningServer } from '../../../server/app.ts';
import { TEST_SECRET, destroyAll, endAll, provider, removeDir, startTestServer, synced, tempDir, token, waitFor, wsUrl } from '../../helpers/server.ts';
import { docUrl, isPermissionDenied, isSyncStep1, rawConnect, upgradeAnswer } from '../../helpers/raw.ts';
import { storedDoc } from '../../helpers/ydoc.ts';

const DOC = 'test/auth/note';
const test = suite('sync: auth at upgrade and read-only connections');
const ctx = {} as { dir: string; server: RunningServer };
const opened: WebsocketProvider[] = [];
const open = (doc: string, tok: string) => {
  const p = provider(ctx.server.port, doc, tok);
  opened.push(p);
  return p;
};

/** A token signed by hand, for claims `mintToken` refuses to make (expired, other secret). */
function handSigned(opts: { secret?: string; expSecondsFromNow: number; doc?: string; alg?: string }): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: 'clinician', doc: opts.doc ?? DOC, access: 'write' })
    .setProtectedHeader({ alg: opts.alg ?? 'HS256', typ: 'JWT' })
    .setSubject('dr-x')
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setJti('jti-test')
    .setIssuedAt(now - 600)
    .setExpirationTime(now + opts.expSecondsFromNow)
    .sign(new TextEncoder().encode(opts.secret ?? TEST_SECRET));
}

const errorCode = (body: string) => (JSON.parse(body) as { error: { code: string } }).error.code;

test.before(async () => {
  ctx.dir = tempDir();
  ctx.server = await startTestServer(ctx.dir);
});

test.after(async () => {
  endAll(opened);
  await ctx.server.stop();
  removeDir(ctx.dir);
});

const refusals: [string, () => Promise<string | undefined>, number, string][] = [
  ['no token', async () => undefined, 401, 'ERR_TOKEN_MISSING'],
  ['an empty token', async () => '', 401, 'ERR_TOKEN_MISSING'],
  ['an expired token', () => handSigned({ expSecondsFromNow: -5 }), 401, 'ERR_TOKEN_EXPIRED'],
  ['a token signed with another secret', () => handSigned({ secret: 'another-secret-that-is-long-enough-0123456789', expSecondsFromNow: 600 }), 401, 'ERR_TOKEN_INVALID'],
  ['a token whose signature was altered', async () => { const t = await token({ doc: DOC }); return t.slice(0, -4) + (t.endsWith('AAAA') ? 'BBBB' : 'AAAA'); }, 401, 'ERR_TOKEN_INVALID'],
  ['a token whose payload was altered', async () => {
    const [h, , s] = (await token({ doc: 'test/auth/other' })).split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'x', role: 'clinician', doc: DOC, access: 'write', iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, jti: 'j', iat: 1, exp: 4_000_000_000 })).toString('base64url');
    return `${h}.${forged}.${s}`;
  }, 401, 'ERR_TOKEN_INVALID'],
  ['a token signed with HS512', () => handSigned({ expSecondsFromNow: 600, alg: 'HS512' }), 401, 'ERR_TOKEN_INVALID'],
  ['something that is not a token', async () => 'not-a-jwt', 401, 'ERR_TOKEN_INVALID'],
  ['a token for another document', () => token({ doc: 'test/auth/other' }), 403, 'ERR_TOKEN_WRONG_DOCUMENT'],
  ['a token for another document prefix', () => token({ doc: 'test/elsewhere/*' }), 403, 'ERR_TOKEN_WRONG_DOCUMENT'],
];

for (const [name, make, status, code] of refusals) {
  test(`${name} is refused at upgrade with ${status} ${code}`, async () => {
    const tok = await make();
    const answer = await upgradeAnswer(docUrl(ctx.server.port, DOC, tok));
    assert.is(answer.status, status);
    assert.is(errorCode(answer.body), code);
    // Nothing was opened: the hub never saw a connection.
    assert.is(ctx.server.hub.connections, 0);
  });
}

test('a refused token in Sec-WebSocket-Protocol is refused the same way', async () => {
  const answer = await upgradeAnswer(docUrl(ctx.server.port, DOC), [await handSigned({ expSecondsFromNow: -5 })]);
  assert.is(answer.status, 401);
  assert.is(errorCode(answer.body), 'ERR_TOKEN_EXPIRED');
});

test('a token for a document prefix covers documents under it', async () => {
  const answer = await upgradeAnswer(docUrl(ctx.server.port, DOC, await token({ doc: 'test/auth/*' })));
  assert.is(answer.status, 101);
});

test('a token in Sec-WebSocket-Protocol is accepted, and the other offered protocol is echoed', async () => {
  const tok = await token({ doc: DOC });
  const alone = await upgradeAnswer(docUrl(ctx.server.port, DOC), [tok]);
  assert.is(alone.status, 101);
  const withName = await upgradeAnswer(docUrl(ctx.server.port, DOC), ['rounds.v1', tok]);
  assert.is(withName.status, 101);
  assert.is(withName.protocol, 'rounds.v1', 'the token itself is not echoed when another protocol was offered');
});

test('a stock provider with its token in Sec-WebSocket-Protocol syncs', async () => {
  const tok = await token({ doc: DOC, sub: 'dr-proto' });
  const a = open(DOC, await token({ doc: DOC }));
  // Same options as the helper's provider, but no query token: it travels as a subprotocol.
  const b = new WebsocketProvider(wsUrl(ctx.server.port), DOC, new Y.Doc(), {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    protocols: ['rounds.v1', tok],
    maxBackoffTime: 200,
  });
  opened.push(b);
  let url = '';
  b.on('status', () => { url = b.ws?.url ?? url; });
  await Promise.all([synced(a), synced(b)]);
  a.doc.getText('note').insert(0, 'via protocol header. ');
  await waitFor(() => b.doc.getText('note').toString().includes('via protocol header'), 'b receives');
  assert.ok(url.startsWith('ws://') && !url.includes('token='), `no token in the URL (${url})`);
  assert.is(b.ws?.protocol, 'rounds.v1');
  destroyAll(a, b);
});

test('a read-only connection reads, and its update is not applied, stored or broadcast', async () => {
  const doc = 'test/auth/readonly';
  const w = open(doc, await token({ doc, sub: 'dr-writer' }));
  const r = open(doc, await token({ doc, sub: 'patient-reader', role: 'patient', access: 'read' }));
  const t = open(doc, await token({ doc, sub: 'dr-third' }));
  const denied: string[] = [];
  r.messageHandlers[2] = (_enc, dec, prov) => authProtocol.readAuthMessage(dec, prov.doc, (_y, reason) => { denied.push(reason); });
  await Promise.all([synced(w), synced(r), synced(t)]);

  w.doc.getText('note').insert(0, 'Plan: rest. ');
  await waitFor(() => r.doc.getText('note').toString() === 'Plan: rest. ' && t.doc.getText('note').toString() === 'Plan: rest. ', 'reader and third see the writer');
  assert.equal(denied, [], 'joining read-only is not a write');

  r.doc.getText('note').insert(0, 'FORGED ');
  r.doc.getMap('queue').set('p9', 'admitted');
  await waitFor(() => denied.length > 0, 'permission denied reaches the reader');
  assert.is(denied[0], 'read-only');

  // Broadcast order is commit order: once the third client sees a later write, it would already
  // have seen the reader's update had it been broadcast.
  w.doc.getText('note').insert(w.doc.getText('note').length, 'Follow up in 2 weeks.');
  await waitFor(() => t.doc.getText('note').toString().includes('Follow up'), 'third sees the later write');
  for (const d of [w.doc, t.doc]) {
    assert.not.ok(d.getText('note').toString().includes('FORGED'));
    assert.not.ok(d.getMap('queue').has('p9'));
  }
  // Not applied: a newcomer gets the server's state without it.
  const f = open(doc, await token({ doc, sub: 'observer' }));
  await synced(f);
  assert.is(f.doc.getText('note').toString(), 'Plan: rest. Follow up in 2 weeks.');
  assert.not.ok(f.doc.getMap('queue').has('p9'));
  // Still connected and still reading.
  assert.ok(r.wsconnected);
  await waitFor(() => r.doc.getText('note').toString().includes('Follow up'), 'reader still receives');
  destroyAll(w, r, t, f);
});

test('a raw read-only update gets permission denied, the socket stays open, nothing is stored', async () => {
  const doc = 'test/auth/raw-readonly';
  const before = await storedDoc(ctx.dir, doc);
  const raw = await rawConnect(docUrl(ctx.server.port, doc, await token({ doc, access: 'read' })));
  await raw.until(isSyncStep1, 'greeting');
  const d = new Y.Doc();
  d.getText('note').insert(0, 'not allowed');
  raw.send(encodeSyncUpdate(Y.encodeStateAsUpdate(d)));
  await raw.until(isPermissionDenied, 'permission denied');
  assert.not.ok(raw.isClosed);
  const after = await storedDoc(ctx.dir, doc);
  assert.is(after.logLength, before.logLength);
  assert.is(after.doc.getText('note').length, 0);
  raw.close();
  await raw.closed;
});

test('after a restart nothing a reader wrote is in the store', async () => {
  const doc = 'test/auth/readonly';
  await ctx.server.stop();
  const stored = await storedDoc(ctx.dir, doc);
  assert.is(stored.doc.getText('note').toString(), 'Plan: rest. Follow up in 2 weeks.');
  assert.not.ok(stored.doc.getMap('queue').has('p9'));
  ctx.server = await startTestServer(ctx.dir);
  const f = open(doc, await token({ doc }));
  await synced(f);
  assert.is(f.doc.getText('note').toString(), 'Plan: rest. Follow up in 2 weeks.');
  destroyAll(f);
});

test('a token that expires while connected closes the connection with 4006', async () => {
  const raw = await rawConnect(docUrl(ctx.server.port, DOC, await token({ doc: DOC }, 2)));
  await raw.until(isSyncStep1, 'greeting');
  const started = Date.now();
  const { code, reason } = await raw.closed;
  assert.is(code, CloseCode.TOKEN_EXPIRED);
  assert.is(reason, 'token expired');
  // The sweep runs once a second; the token had at most 2 s left.
  assert.ok(Date.now() - started < 4000, `closed after ${Date.now() - started} ms`);
});

test.run();
