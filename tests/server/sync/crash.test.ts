/**
 * Crash test: the real server (`node --import tsx server/main.ts`) runs as a child process while
 * clients stream edits; it is killed with SIGKILL mid-stream and restarted on the same data
 * directory. Every update that any client had RECEIVED from the server must be in the restored
 * document: durable before visible.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import type { WebsocketProvider } from 'y-websocket';
import { destroyAll, endAll, provider, removeDir, synced, tempDir, token, waitFor } from '../../helpers/server.ts';
import { spawnServer, type ChildServer } from '../../helpers/child.ts';
import { Prng, testSeed } from '../../helpers/prng.ts';
import { containsAll } from '../../helpers/ydoc.ts';

const DOC = 'test/crash/note';
const CLIENTS = 3;
/** Kill once the clients together have received this many updates from the server. */
const RECEIVED_BEFORE_KILL = 400;

const test = suite('sync: kill -9 loses nothing anyone has seen');
const turn = () => new Promise<void>((r) => setImmediate(r));
const opened: WebsocketProvider[] = [];
const track = (p: WebsocketProvider) => { opened.push(p); return p; };

/**
 * Records the updates exactly as the server sent them (sync step 2 and update payloads).
 * The doc's own 'update' events are not used: they re-encode the receiver's transaction, which
 * also carries side effects on the receiver's uncommitted edits (a map key overwritten by the
 * incoming value deletes the receiver's own, never committed, value).
 */
function recordServerUpdates(p: WebsocketProvider, into: Uint8Array[]): void {
  const sync = p.messageHandlers[0]!;
  p.messageHandlers[0] = (encoder, decoder, prov, emitSynced, type) => {
    const peek = decoding.clone(decoder);
    const sub = decoding.readVarUint(peek);
    if (sub === 1 || sub === 2) into.push(decoding.readVarUint8Array(peek).slice());
    sync(encoder, decoder, prov, emitSynced, type);
  };
}

interface Round { received: Uint8Array[]; clients: WebsocketProvider[]; child: ChildServer }

/** Clients connect to `child`, stream edits, and the server is killed mid-stream. */
async function streamAndKill(child: ChildServer, rng: Prng): Promise<Round> {
  const received: Uint8Array[] = [];
  const clients: WebsocketProvider[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const p = track(provider(child.port, DOC, await token({ doc: DOC, sub: `writer-${i}` })));
    recordServerUpdates(p, received);
    clients.push(p);
  }
  await Promise.all(clients.map(synced));
  let streaming = true;
  const streams = clients.map(async (p) => {
    const note = p.doc.getText('note');
    while (streaming) {
      if (rng.bool(0.8) || note.length < 10) note.insert(rng.int(note.length + 1), rng.text(5));
      else note.delete(rng.int(note.length - 5), 1 + rng.int(4));
      if (rng.bool(0.1)) p.doc.getMap('vitals').set(rng.pick(['hr', 'bp', 'spo2']), rng.int(200));
      await turn();
    }
  });
  await waitFor(() => received.length >= RECEIVED_BEFORE_KILL, 'clients receive updates', 30_000);
  child.signal('SIGKILL');
  const exit = await child.exited;
  streaming = false;
  await Promise.all(streams);
  // Stop the clients from reconnecting (and resending their edits) to the restarted server.
  for (const p of clients) p.disconnect();
  assert.is(exit.signal, 'SIGKILL');
  return { received, clients, child };
}

async function restoredDoc(child: ChildServer): Promise<{ doc: Y.Doc; p: WebsocketProvider }> {
  const p = track(provider(child.port, DOC, await token({ doc: DOC, sub: 'auditor', access: 'read' })));
  await synced(p);
  return { doc: p.doc, p };
}

test('every update any client received survives SIGKILL and restart (two crashes)', async () => {
  const rng = new Prng(testSeed(0xc4a5));
  const dir = tempDir();
  const env = { ROUNDS_DATA_DIR: dir, ROUNDS_DOC_UNLOAD_MS: '200' };
  const everReceived: Uint8Array[] = [];
  let child = await spawnServer(env);
  try {
    for (let round = 1; round <= 2; round++) {
      const r = await streamAndKill(child, rng);
      everReceived.push(...r.received);
      child = await spawnServer(env);
      const restored = await restoredDoc(child);
      assert.ok(restored.doc.getText('note').length > 0, 'something was restored');
      assert.ok(containsAll(restored.doc, r.received), `round ${round}: all ${r.received.length} received updates are in the restored document`);
      assert.ok(containsAll(restored.doc, everReceived), `round ${round}: and everything received in earlier rounds`);
      destroyAll(restored.p, ...r.clients);
    }
  } finally {
    endAll(opened);
    child.signal('SIGKILL');
    await child.exited;
    removeDir(dir);
  }
});

test.run();
