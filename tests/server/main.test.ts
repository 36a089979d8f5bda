/**
 * `npm start` (server/main.ts) as a child process: first start on a fresh data directory,
 * /healthz, clean exit on SIGTERM/SIGINT with nothing lost, and refusing to start without the
 * native uWS binary or without a token secret.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as Y from 'yjs';
import type { WebsocketProvider } from 'y-websocket';
import { CloseCode } from '../../server/sync/close-codes.ts';
import { endAll, provider, removeDir, synced, tempDir, token, waitFor } from '../helpers/server.ts';
import { httpGet, runToExit, spawnServer } from '../helpers/child.ts';
import { looksSame, sameState } from '../helpers/ydoc.ts';

const DOC = 'test/main/note';
const test = suite('npm start: startup, health, signals, refusals');
const opened: WebsocketProvider[] = [];
const open = (port: number, tok: string, doc = new Y.Doc()) => { const p = provider(port, DOC, tok, doc); opened.push(p); return p; };
const dirs: string[] = [];
const newDir = () => { const d = tempDir(); dirs.push(d); return d; };

test.after(() => {
  endAll(opened);
  for (const d of dirs) removeDir(d);
});

test('first start on a fresh data directory creates it with the database and serves /healthz', async () => {
  const dataDir = join(newDir(), 'fresh', 'data');
  assert.not.ok(existsSync(dataDir));
  const child = await spawnServer({ ROUNDS_DATA_DIR: dataDir });
  try {
    assert.ok(existsSync(join(dataDir, 'rounds.db')), 'database file created');
    const res = await httpGet(`${child.url}/healthz`);
    assert.is(res.status, 200);
    assert.match(res.type, /^application\/json/);
    const body = JSON.parse(res.body) as { status: string; store: string };
    assert.is(body.status, 'ok');
    assert.is(body.store, 'sqlite');
  } finally {
    child.signal('SIGTERM');
    assert.equal(await child.exited, { code: 0, signal: null });
  }
});

test('SIGTERM while a client is typing: exit 0, clients get 1001, nothing anyone saw is lost', async () => {
  const dataDir = newDir();
  let child = await spawnServer({ ROUNDS_DATA_DIR: dataDir });
  const writerDoc = new Y.Doc();
  const a = open(child.port, await token({ doc: DOC, sub: 'dr-a' }), writerDoc);
  const b = open(child.port, await token({ doc: DOC, sub: 'dr-b', access: 'read' }));
  const closes: number[] = [];
  for (const p of [a, b]) p.on('connection-close', (e) => { if (e) closes.push(e.code); });
  await Promise.all([synced(a), synced(b)]);

  let typing = true;
  let n = 0;
  const typist = (async () => {
    const note = a.doc.getText('note');
    while (typing) {
      note.insert(note.length, `${n++} `);
      await new Promise<void>((r) => setImmediate(r));
    }
  })();
  await waitFor(() => b.doc.getText('note').length > 200, 'the reader sees typing');
  child.signal('SIGTERM');
  const exit = await child.exited;
  typing = false;
  await typist;
  a.disconnect();
  b.disconnect();
  assert.equal(exit, { code: 0, signal: null });
  assert.equal(closes.slice(0, 2), [CloseCode.GOING_AWAY, CloseCode.GOING_AWAY], 'both sockets closed with 1001');
  assert.is(child.stderr(), '', 'nothing on stderr');

  // Flush, then close: the store holds exactly what the reader had received.
  child = await spawnServer({ ROUNDS_DATA_DIR: dataDir });
  try {
    const c = open(child.port, await token({ doc: DOC, sub: 'dr-c', access: 'read' }));
    await synced(c);
    assert.ok(sameState(c.doc, b.doc), 'restored document equals what the reader had seen');
    // The writer reconnects with its own document and resends what never reached the server.
    const a2 = open(child.port, await token({ doc: DOC, sub: 'dr-a' }), writerDoc);
    await synced(a2);
    await waitFor(() => looksSame(c.doc, writerDoc, [{ name: 'note', kind: 'text' }]), 'the writer\'s edits all arrive');
    assert.ok(sameState(c.doc, writerDoc));
  } finally {
    for (const p of opened) if (!p.doc.isDestroyed) p.disconnect();
    child.signal('SIGTERM');
    assert.equal(await child.exited, { code: 0, signal: null });
  }
});

test('SIGINT exits 0 as well', async () => {
  const child = await spawnServer({ ROUNDS_DATA_DIR: newDir() });
  child.signal('SIGINT');
  assert.equal(await child.exited, { code: 0, signal: null });
});

test('on the pure-JS uWS fallback it refuses to start, naming ERR_NATIVE_UWS_MISSING', async () => {
  const r = await runToExit({ ROUNDS_DATA_DIR: newDir(), UWS_USE_FALLBACK: 'true' });
  assert.is(r.code, 1);
  assert.match(r.stderr, /ERR_NATIVE_UWS_MISSING/);
  assert.match(r.stderr, /native binary did not load/);
  assert.not.match(r.stdout, /running at/);
});

test('without ROUNDS_TOKEN_SECRET it refuses to start with ERR_CONFIG_INVALID', async () => {
  const r = await runToExit({ ROUNDS_DATA_DIR: newDir(), ROUNDS_TOKEN_SECRET: undefined });
  assert.is(r.code, 1);
  assert.match(r.stderr, /ERR_CONFIG_INVALID/);
  assert.match(r.stderr, /ROUNDS_TOKEN_SECRET/);
  assert.not.match(r.stdout, /running at/);
});

test.run();
