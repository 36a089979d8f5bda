/**
 * Seeded random sessions: several stock providers make random edits (text, map, array,
 * awareness) and randomly disconnect and reconnect; the server restarts once midway on the same
 * port. At the end every replica is identical, and identical to what the SQLite store holds.
 *
 * Replay a failure with ROUNDS_TEST_SEED=<seed printed in the failure>.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as Y from 'yjs';
import type { WebsocketProvider } from 'y-websocket';
import type { RunningServer } from '../../../server/app.ts';
import { destroyAll, endAll, provider, removeDir, startTestServer, tempDir, token, waitFor } from '../../helpers/server.ts';
import { Prng, testSeed } from '../../helpers/prng.ts';
import { freePort } from '../../helpers/ports.ts';
import { looksSame, sameState, storedDoc } from '../../helpers/ydoc.ts';

const CLIENTS = 5;
const STEPS = 600;
const SHAPE = [{ name: 'note', kind: 'text' }, { name: 'queue', kind: 'map' }, { name: 'log', kind: 'array' }] as const;
const SERVER_ENV = { ROUNDS_COMPACT_AFTER_UPDATES: '40', ROUNDS_AWARENESS_MIN_INTERVAL_MS: '20' };

const test = suite('sync: seeded random sessions with disconnects and a restart');

const turn = () => new Promise<void>((r) => setImmediate(r));

/** One random action by one client. Returns nothing; the effect is on the client's own doc. */
function randomEdit(rng: Prng, p: WebsocketProvider): void {
  const note = p.doc.getText('note');
  const queue = p.doc.getMap('queue');
  const log = p.doc.getArray<unknown>('log');
  const r = rng.next();
  if (r < 0.4) {
    note.insert(rng.int(note.length + 1), rng.text(8));
  } else if (r < 0.55) {
    if (note.length === 0) return;
    const at = rng.int(note.length);
    note.delete(at, 1 + rng.int(Math.min(6, note.length - at)));
  } else if (r < 0.7) {
    const v = rng.pick<unknown>([rng.int(1000), rng.text(5), { state: rng.pick(['waiting', 'admitted', 'left']), at: rng.int(100) }]);
    queue.set(`p${rng.int(8)}`, v);
  } else if (r < 0.75) {
    queue.delete(`p${rng.int(8)}`);
  } else if (r < 0.85) {
    log.insert(rng.int(log.length + 1), [rng.text(4)]);
  } else if (r < 0.9) {
    if (log.length > 0) log.delete(rng.int(log.length), 1);
  } else {
    p.awareness.setLocalStateField('cursor', { index: rng.int(100) });
  }
}

async function session(seed: number): Promise<void> {
  const rng = new Prng(seed);
  const dir = tempDir();
  const doc = `test/random/${seed}`;
  // An explicit port (not 0) so that the restart can bind it again (see helpers/ports.ts).
  const port = await freePort();
  let server: RunningServer = await startTestServer(dir, SERVER_ENV, port);
  const clients: WebsocketProvider[] = [];
  try {
    for (let i = 0; i < CLIENTS; i++) clients.push(provider(port, doc, await token({ doc, sub: `user-${i}` })));
    let restarted = false;
    for (let step = 0; step < STEPS; step++) {
      if (step === STEPS / 2) {
        // Restart on the same port: providers notice the 1001 and reconnect by themselves.
        await server.stop();
        server = await startTestServer(dir, SERVER_ENV, port);
        restarted = true;
      }
      const p = rng.pick(clients);
      const r = rng.next();
      if (r < 0.08) {
        if (p.shouldConnect) p.disconnect();
        else p.connect();
      } else {
        randomEdit(rng, p);
      }
      const waits = rng.int(3);
      for (let w = 0; w < waits; w++) await turn();
    }
    assert.ok(restarted);
    for (const p of clients) if (!p.shouldConnect) p.connect();
    const first = clients[0]!;
    await waitFor(
      () => clients.every((p) => p.synced && looksSame(p.doc, first.doc, SHAPE)),
      `replicas converge (seed ${seed})`,
      30_000,
    );
    for (const p of clients.slice(1)) assert.ok(sameState(p.doc, first.doc), `replica ${clients.indexOf(p)} equals replica 0 (seed ${seed})`);
    assert.ok(first.doc.getText('note').length > 0, 'the session produced content');

    const expected = new Y.Doc();
    Y.applyUpdate(expected, Y.encodeStateAsUpdate(first.doc));
    destroyAll(...clients);
    await server.stop();
    const stored = await storedDoc(dir, doc);
    assert.ok(sameState(stored.doc, expected), `stored state equals the replicas (seed ${seed})`);
    assert.ok(stored.hasSnapshot, 'compaction folded the log into a snapshot during the session');
  } finally {
    endAll(clients);
    await server.stop();
    removeDir(dir);
  }
}

const base = testSeed(0x5eed);
for (let k = 0; k < 3; k++) {
  const seed = (base + k) >>> 0;
  test(`seed ${seed}: ${CLIENTS} clients, ${STEPS} steps, one restart`, () => session(seed));
}

test.run();
