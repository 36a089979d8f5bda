/** The store contract over the Postgres store with envelope encryption at rest; rows hold only sealed bytes. */
import { randomBytes } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as Y from 'yjs';
import { openPostgres, type PgHandle } from '../../db/pg/connection.ts';
import { PgDocumentStore } from '../../db/pg/document-store.ts';
import { EnvelopeCodec, isSealed } from '../../server/security/crypto/envelope.ts';
import { StaticKms } from '../../server/security/crypto/kms.ts';
import { createTestDatabase } from '../helpers/pg.ts';
import { storeContract } from './store.contract.ts';

const codec = new EnvelopeCodec(new StaticKms({ id: 'k1', key: randomBytes(32) }));
let handle: PgHandle | null = null;
let db: { url: string; drop(): Promise<void> } | null = null;

async function openAt(url: string) {
  await handle?.close();
  handle = await openPostgres(url, { max: 4 });
  return new PgDocumentStore(handle, codec);
}

storeContract({
  name: 'postgres + envelope encryption',
  open: async () => { db = await createTestDatabase(); return openAt(db.url); },
  reopen: async () => openAt(db!.url),
  cleanup: async () => { await handle?.close(); handle = null; await db?.drop(); db = null; },
});

const test = suite('encrypted Postgres rows');
test('update log and snapshot rows are sealed; the text is nowhere in them', async () => {
  const tdb = await createTestDatabase();
  const h = await openPostgres(tdb.url, { max: 2 });
  try {
    const store = new PgDocumentStore(h, codec);
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => updates.push(u));
    doc.getText('note').insert(0, 'quokka dermatitis');
    await store.append(updates.map((update) => ({ doc: 'visit/v-1/note', update })));
    await store.compact('visit/v-1/note');
    doc.getText('note').insert(0, 'Dx: ');
    await store.append([{ doc: 'visit/v-1/note', update: updates[updates.length - 1]! }]);
    const rows = [...await h.sql`select data from doc_updates`, ...await h.sql`select data from doc_snapshots`] as unknown as { data: Buffer }[];
    assert.is(rows.length, 2);
    for (const r of rows) {
      assert.ok(isSealed(r.data));
      assert.not.ok(Buffer.from(r.data).includes(Buffer.from('quokka')));
    }
    const loaded = await store.load('visit/v-1/note');
    const back = new Y.Doc();
    Y.applyUpdate(back, loaded.snapshot!);
    for (const u of loaded.updates) Y.applyUpdate(back, u);
    assert.is(back.getText('note').toString(), 'Dx: quokka dermatitis');
    doc.destroy(); back.destroy();
  } finally {
    await h.close();
    await tdb.drop();
  }
});
test.run();
