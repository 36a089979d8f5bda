/**
 * Compaction from memory: with one server writing the SQLite store, a document's log is folded
 * into a snapshot taken from the live Y.Doc as a batch commits, on unload, and at shutdown; a
 * restarted server answers a new client from that snapshot. Content never changes on the way.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as Y from 'yjs';
import type { RunningServer } from '../../../server/app.ts';
import { endAll, provider, removeDir, startTestServer, synced, tempDir, token, waitFor } from '../../helpers/server.ts';
import { storedDoc } from '../../helpers/ydoc.ts';

const DOC = 'test/compaction/note';
const test = suite('sync: compaction from the live document');
let dir = '';
let server: RunningServer | null = null;

test.before.each(() => { dir = tempDir(); });
test.after.each(async () => { await server?.stop(); server = null; removeDir(dir); });

async function typeInto(port: number, n: number): Promise<{ text: string }> {
  const tok = await token({ doc: DOC });
  const a = provider(port, DOC, tok);
  const b = provider(port, DOC, tok);
  try {
    await Promise.all([synced(a), synced(b)]);
    const ta = a.doc.getText('note');
    const tb = b.doc.getText('note');
    for (let i = 0; i < n; i++) {
      (i % 2 ? ta : tb).insert(0, String.fromCharCode(97 + (i % 26)));
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 5));
    }
    await waitFor(() => ta.toString() === tb.toString() && ta.length === n, 'both clients converge');
    return { text: ta.toString() };
  } finally {
    endAll([a, b]);
  }
}

test('the log stays short while clients type, and the stored document equals the live one', async () => {
  server = await startTestServer(dir, { ROUNDS_COMPACT_AFTER_UPDATES: '20', ROUNDS_DOC_UNLOAD_MS: '60000' });
  const { text } = await typeInto(server.port, 300);
  await server.hub.idle();
  const stored = await storedDoc(dir, DOC);
  assert.ok(stored.hasSnapshot, 'a snapshot was written while typing');
  assert.ok(stored.logLength < 300, `the log was folded (left: ${stored.logLength})`);
  assert.is(stored.doc.getText('note').toString(), text);
  stored.doc.destroy();
});

test('shutdown leaves one snapshot; a restarted server syncs new and returning clients from it', async () => {
  server = await startTestServer(dir, { ROUNDS_COMPACT_AFTER_UPDATES: '100000', ROUNDS_DOC_UNLOAD_MS: '60000' });
  const { text } = await typeInto(server.port, 120);
  await server.stop();
  const stored = await storedDoc(dir, DOC);
  assert.is(stored.logLength, 0, 'nothing left in the log after a graceful stop');
  assert.is(stored.doc.getText('note').toString(), text);

  server = await startTestServer(dir);
  const fresh = provider(server.port, DOC, await token({ doc: DOC }));
  // A returning client: it holds part of the document and an edit of its own made offline.
  const mine = new Y.Doc();
  Y.applyUpdate(mine, Y.encodeStateAsUpdate(stored.doc, Y.encodeStateVector(new Y.Doc())));
  mine.getText('note').insert(0, '!');
  const back = provider(server.port, DOC, await token({ doc: DOC, sub: 'dr-back' }), mine);
  try {
    await Promise.all([synced(fresh), synced(back)]);
    assert.is(fresh.doc.getText('note').toString().replace('!', ''), text);
    await waitFor(() => fresh.doc.getText('note').toString() === `!${text}`, 'the offline edit reaches the fresh client');
    assert.is(back.doc.getText('note').toString(), `!${text}`);
  } finally {
    endAll([fresh, back]);
    stored.doc.destroy();
  }
});

test('a document that leaves memory is folded into its snapshot', async () => {
  server = await startTestServer(dir, { ROUNDS_COMPACT_AFTER_UPDATES: '100000', ROUNDS_DOC_UNLOAD_MS: '100' });
  const { text } = await typeInto(server.port, 50);
  await waitFor(() => !server!.hub.isLoaded(DOC), 'the document unloads');
  let stored = await storedDoc(dir, DOC);
  for (let i = 0; i < 100 && stored.logLength > 0; i++) {
    stored.doc.destroy();
    await new Promise((r) => setTimeout(r, 20));
    stored = await storedDoc(dir, DOC);
  }
  assert.is(stored.logLength, 0);
  assert.is(stored.doc.getText('note').toString(), text);
  stored.doc.destroy();
});

test.run();
