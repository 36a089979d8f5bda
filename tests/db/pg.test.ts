import { openPostgres, type PgHandle } from '../../db/pg/connection.ts';
import { PgDocumentStore } from '../../db/pg/document-store.ts';
import { createTestDatabase } from '../helpers/pg.ts';
import { storeContract } from './store.contract.ts';

let handle: PgHandle | null = null;
let db: { url: string; drop(): Promise<void> } | null = null;

async function openAt(url: string) {
  await handle?.close();
  handle = await openPostgres(url, { max: 4 });
  return new PgDocumentStore(handle);
}

storeContract({
  name: 'postgres',
  open: async () => {
    db = await createTestDatabase();
    return openAt(db.url);
  },
  reopen: async () => openAt(db!.url),
  cleanup: async () => {
    await handle?.close();
    handle = null;
    await db?.drop();
    db = null;
  },
});
