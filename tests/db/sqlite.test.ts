import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite, type SqliteHandle } from '../../db/sqlite/connection.ts';
import { SqliteDocumentStore } from '../../db/sqlite/document-store.ts';
import { storeContract } from './store.contract.ts';

let dir = '';
let handle: SqliteHandle | null = null;
let store: SqliteDocumentStore | null = null;

async function openAt(file: string) {
  await store?.close();
  handle?.close();
  handle = openSqlite(file);
  store = new SqliteDocumentStore(handle);
  return store;
}

storeContract({
  name: 'sqlite',
  open: async () => {
    dir = mkdtempSync(join(tmpdir(), 'rounds-sqlite-'));
    return openAt(join(dir, 'rounds.db'));
  },
  reopen: async () => openAt(join(dir, 'rounds.db')),
  cleanup: async () => {
    await store?.close();
    store = null;
    handle?.close();
    handle = null;
    rmSync(dir, { recursive: true, force: true });
  },
});

const own = suite('sqlite document store: its own threads');

own('a checkpointer thread folds the WAL into the file; the main connection does not checkpoint', async () => {
  const d = mkdtempSync(join(tmpdir(), 'rounds-sqlite-ckpt-'));
  const file = join(d, 'rounds.db');
  const h = openSqlite(file);
  const s = new SqliteDocumentStore(h);
  try {
    await s.ready();
    assert.is(h.raw.pragma('wal_autocheckpoint', { simple: true }), 0, 'the main connection leaves checkpoints to the thread');
    const before = statSync(file).size;
    const big = new Uint8Array(4096).fill(7);
    for (let i = 0; i < 20; i++) await s.append(Array.from({ length: 50 }, () => ({ doc: 'ckpt', update: big })));
    // 4 MB went to the WAL; only a checkpoint copies it into the database file.
    const deadline = Date.now() + 10_000;
    while (statSync(file).size < before + 4_000_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(statSync(file).size >= before + 4_000_000, `the database file grew from ${before} to ${statSync(file).size} bytes`);
    assert.is((await s.load('ckpt')).updates.length, 1000);
  } finally {
    await s.close();
    assert.is(h.raw.pragma('wal_autocheckpoint', { simple: true }), 1000, 'closing the store gives checkpoints back to the main connection');
    h.close();
    rmSync(d, { recursive: true, force: true });
  }
});

own.run();
