/** The store contract over the SQLite store with envelope encryption at rest; rows hold only sealed bytes. */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as Y from 'yjs';
import { openSqlite, type SqliteHandle } from '../../db/sqlite/connection.ts';
import { SqliteDocumentStore } from '../../db/sqlite/document-store.ts';
import { EnvelopeCodec, isSealed } from '../../server/security/crypto/envelope.ts';
import { StaticKms } from '../../server/security/crypto/kms.ts';
import { storeContract } from './store.contract.ts';

const codec = new EnvelopeCodec(new StaticKms({ id: 'k1', key: randomBytes(32) }));
let dir = '';
let handle: SqliteHandle | null = null;

function openAt(file: string) {
  handle?.close();
  handle = openSqlite(file);
  return new SqliteDocumentStore(handle, codec);
}

storeContract({
  name: 'sqlite + envelope encryption',
  open: async () => {
    dir = mkdtempSync(join(tmpdir(), 'rounds-sqlite-enc-'));
    return openAt(join(dir, 'rounds.db'));
  },
  reopen: async () => openAt(join(dir, 'rounds.db')),
  cleanup: async () => {
    handle?.close();
    handle = null;
    rmSync(dir, { recursive: true, force: true });
  },
});

const test = suite('encrypted rows');
test('update log and snapshot rows are sealed; the text is nowhere in them', async () => {
  const d = mkdtempSync(join(tmpdir(), 'rounds-sqlite-enc-'));
  const h = openSqlite(join(d, 'rounds.db'));
  try {
    const store = new SqliteDocumentStore(h, codec);
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => updates.push(u));
    doc.getText('note').insert(0, 'quokka dermatitis');
    doc.getText('note').insert(0, 'Dx: ');
    await store.append(updates.map((update) => ({ doc: 'visit/v-1/note', update })));
    const rows = () => [
      ...h.raw.prepare('SELECT data FROM doc_updates').all() as { data: Buffer }[],
      ...h.raw.prepare('SELECT data FROM doc_snapshots').all() as { data: Buffer }[],
    ];
    assert.is(rows().length, 2);
    await store.compact('visit/v-1/note');
    assert.is(rows().length, 1);
    for (const r of rows()) {
      assert.ok(isSealed(r.data));
      assert.not.ok(r.data.includes(Buffer.from('quokka')));
    }
    const loaded = await store.load('visit/v-1/note');
    const back = new Y.Doc();
    Y.applyUpdate(back, loaded.snapshot!);
    assert.is(back.getText('note').toString(), 'Dx: quokka dermatitis');
    // A sealed row copied to another document does not open there.
    const copied = h.raw.prepare(`INSERT INTO doc_updates (doc, data, created_at) SELECT 'visit/v-2/note', data, updated_at FROM doc_snapshots`).run();
    const id = Number(copied.lastInsertRowid);
    h.raw.prepare(`INSERT INTO doc_heads (doc, first_id, last_id) VALUES ('visit/v-2/note', ?, ?)`).run(id, id);
    let failed = false;
    try { await store.load('visit/v-2/note'); } catch { failed = true; }
    assert.ok(failed);
    doc.destroy(); back.destroy();
  } finally {
    h.close();
    rmSync(d, { recursive: true, force: true });
  }
});
test.run();
