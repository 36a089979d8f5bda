import { mkdtempSync, rmSync } from 'node:fs';
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
