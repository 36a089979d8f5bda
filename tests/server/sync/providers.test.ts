/** Stock y-websocket providers against a real server: sync, awareness, restart. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as Y from 'yjs';
import { destroyAll, provider, removeDir, startTestServer, synced, tempDir, token, waitFor } from '../../helpers/server.ts';

const test = suite('sync: stock y-websocket providers');

test('two providers converge and see each other\'s awareness', async () => {
  const dir = tempDir();
  const server = await startTestServer(dir);
  try {
    const doc = 'test/v1/note';
    const a = provider(server.port, doc, await token({ doc, sub: 'dr-a' }));
    const b = provider(server.port, doc, await token({ doc, sub: 'dr-b' }));
    await Promise.all([synced(a), synced(b)]);
    a.doc.getText('hpi').insert(0, 'Cough for 3 days. ');
    b.doc.getText('plan').insert(0, 'Rest and fluids.');
    a.awareness.setLocalStateField('user', { name: 'Dr A' });
    b.awareness.setLocalStateField('user', { name: 'Dr B' });
    await waitFor(() => b.doc.getText('hpi').toString() === 'Cough for 3 days. ' && a.doc.getText('plan').toString() === 'Rest and fluids.', 'convergence');
    await waitFor(() => [...a.awareness.getStates().values()].some((s) => s.user?.name === 'Dr B'), 'a sees b');
    await waitFor(() => [...b.awareness.getStates().values()].some((s) => s.user?.name === 'Dr A'), 'b sees a');
    assert.equal(Y.encodeStateVector(a.doc), Y.encodeStateVector(b.doc));

    // Closing a connection removes its awareness state for everyone else.
    const bId = b.doc.clientID;
    destroyAll(b);
    await waitFor(() => !a.awareness.getStates().has(bId), 'b awareness removed');
    destroyAll(a);
  } finally {
    await server.stop();
    removeDir(dir);
  }
});

test('a new provider after a server restart gets the full document', async () => {
  const dir = tempDir();
  let server = await startTestServer(dir);
  const doc = 'test/v2/room';
  const a = provider(server.port, doc, await token({ doc }));
  await synced(a);
  const text = a.doc.getText('t');
  for (let i = 0; i < 200; i++) text.insert(text.length, `line ${i}\n`);
  a.doc.getMap('queue').set('p1', { state: 'waiting' });
  const expected = text.toString();
  // What another client has seen is durable: wait until a second client sees it all.
  const seen = provider(server.port, doc, await token({ doc, sub: 'dr-b' }));
  await waitFor(() => seen.doc.getText('t').toString() === expected && seen.doc.getMap('queue').has('p1'), 'second client sees everything');
  destroyAll(a, seen);
  await server.stop();

  server = await startTestServer(dir);
  try {
    const b = provider(server.port, doc, await token({ doc }));
    await synced(b);
    assert.is(b.doc.getText('t').toString(), expected);
    assert.equal(b.doc.getMap('queue').get('p1'), { state: 'waiting' });
    destroyAll(b);
  } finally {
    await server.stop();
    removeDir(dir);
  }
});

test('a document is unloaded a short while after its last client leaves, and loads again', async () => {
  const dir = tempDir();
  const server = await startTestServer(dir, { ROUNDS_DOC_UNLOAD_MS: '100' });
  try {
    const doc = 'test/v3/note';
    const a = provider(server.port, doc, await token({ doc }));
    await synced(a);
    a.doc.getText('x').insert(0, 'kept');
    await waitFor(() => server.hub.isLoaded(doc), 'loaded');
    destroyAll(a);
    await waitFor(() => !server.hub.isLoaded(doc), 'unloaded');
    assert.is(server.hub.documents, 0);
    const b = provider(server.port, doc, await token({ doc }));
    await synced(b);
    assert.is(b.doc.getText('x').toString(), 'kept');
    destroyAll(b);
  } finally {
    await server.stop();
    removeDir(dir);
  }
});

test.run();
