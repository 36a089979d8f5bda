/**
 * The SQLite document log is shared by all documents and has no index by document (a commit
 * writes a few consecutive pages, not one index page per document): each document's unfolded
 * entries are found through its head, folded entries are deleted once every document has folded
 * them, a quiet document that pins the log is folded by the compactor, and a database written
 * before this layout is migrated with nothing lost.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as Y from 'yjs';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { pino } from 'pino';
import { openSqlite, type SqliteHandle } from '../../db/sqlite/connection.ts';
import { SqliteDocumentStore } from '../../db/sqlite/document-store.ts';
import { Compactor } from '../../server/sync/compaction.ts';
import { LiveDoc } from '../../server/sync/live-doc.ts';

const test = suite('sqlite document log: shared, unindexed, shed when folded');
const ctx = {} as { dir: string; handle: SqliteHandle; store: SqliteDocumentStore };

/** A one-character Yjs insert by `client` at `clock` (each builds on the client's previous one). */
function typed(doc: Y.Doc, ch: string): Uint8Array {
  let out: Uint8Array | null = null;
  const h = (u: Uint8Array) => { out = u; };
  doc.on('update', h);
  doc.getText('t').insert(doc.getText('t').length, ch);
  doc.off('update', h);
  return out!;
}

const text = (state: { snapshot: Uint8Array | null; updates: Uint8Array[] }) => {
  const d = new Y.Doc();
  if (state.snapshot) Y.applyUpdate(d, state.snapshot);
  for (const u of state.updates) Y.applyUpdate(d, u);
  const s = d.getText('t').toString();
  d.destroy();
  return s;
};

const rowCount = () => (ctx.handle.raw.prepare('select count(*) as n from doc_updates').get() as { n: number }).n;
const heads = () => ctx.handle.raw.prepare('select doc, first_id as firstId, last_id as lastId from doc_heads order by doc').all() as { doc: string; firstId: number; lastId: number }[];

/** Every head's kept count equals a scan of its range. */
function assertHeadCounts(): void {
  const rows = ctx.handle.raw.prepare(
    `select h.doc, h.entries, (select count(*) from doc_updates u where u.doc = h.doc and u.id between h.first_id and h.last_id) as scanned from doc_heads h`,
  ).all() as { doc: string; entries: number; scanned: number }[];
  for (const r of rows) assert.is(r.entries, r.scanned, `${r.doc}: kept count`);
}

test.before.each(async () => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rounds-sqlite-log-'));
  ctx.handle = openSqlite(join(ctx.dir, 'rounds.db'));
  ctx.store = new SqliteDocumentStore(ctx.handle);
  await ctx.store.ready();
});
test.after.each(async () => {
  await ctx.store.close();
  ctx.handle.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

test('the log has no index by document; interleaved documents load only their own entries, in order', async () => {
  const indexes = ctx.handle.raw.prepare(`select name from pragma_index_list('doc_updates')`).all();
  assert.equal(indexes, [], 'no index on doc_updates');
  const docs = ['a', 'b', 'c'].map(() => new Y.Doc());
  const words = ['alpha', 'bravo', 'charlie'];
  for (let i = 0; i < 7; i++) {
    await ctx.store.append(docs.flatMap((d, k) => (i < words[k]!.length ? [{ doc: `log/${k}`, update: typed(d, words[k]![i]!) }] : [])));
  }
  for (let k = 0; k < 3; k++) {
    const loaded = await ctx.store.load(`log/${k}`);
    assert.is(loaded.updates.length, words[k]!.length);
    assert.is(text(loaded), words[k]);
    assert.is(await ctx.store.logLength(`log/${k}`), words[k]!.length);
  }
  assert.equal((await ctx.store.load('log/none')).updates, []);
  assert.equal(heads().map((h) => h.doc), ['log/0', 'log/1', 'log/2']);
  assertHeadCounts();
});

test('folded entries are deleted only once every document has folded them', async () => {
  const a = new Y.Doc();
  const b = new Y.Doc();
  for (const ch of 'abc') await ctx.store.append([{ doc: 'log/a', update: typed(a, ch) }, { doc: 'log/b', update: typed(b, ch.toUpperCase()) }]);
  assert.is(rowCount(), 6);
  // a is folded; b's first entry comes before a's last, so nothing can go yet but a's head.
  const ra = await ctx.store.replaceSnapshot('log/a', Y.encodeStateAsUpdate(a));
  assert.is(ra.before, 3);
  assert.equal(heads().map((h) => h.doc), ['log/b']);
  assert.is(rowCount(), 5, 'only entries below the oldest head (a\'s first) went');
  assert.is(text(await ctx.store.load('log/a')), 'abc');
  // b is folded by the store itself (read, fold, write): now everything is folded and shed.
  const rb = await ctx.store.compact('log/b');
  assert.equal(rb, { before: 3, after: 0 });
  assert.equal(heads(), []);
  assert.is(rowCount(), 0);
  assert.is(text(await ctx.store.load('log/b')), 'ABC');
  // Ids keep growing after the log emptied (AUTOINCREMENT): a new entry is not taken as folded.
  await ctx.store.append([{ doc: 'log/a', update: typed(a, 'd') }]);
  assert.is(text(await ctx.store.load('log/a')), 'abcd');
  assert.is(await ctx.store.logLength('log/a'), 1);
});

test('a fold through an older entry keeps the later ones and moves the head to the first of them', async () => {
  const a = new Y.Doc();
  const other = new Y.Doc();
  for (const ch of 'xy') await ctx.store.append([{ doc: 'log/a', update: typed(a, ch) }]);
  // The compaction's read goes to the I/O thread before this append, its write after: it folds
  // through the last entry it read, and z stays in the log.
  const folding = ctx.store.compact('log/a');
  await ctx.store.append([{ doc: 'log/other', update: typed(other, 'o') }, { doc: 'log/a', update: typed(a, 'z') }]);
  assert.equal(await folding, { before: 2, after: 1 });
  const zId = (ctx.handle.raw.prepare(`select max(id) as id from doc_updates where doc = 'log/a'`).get() as { id: number }).id;
  assert.equal(heads().find((h) => h.doc === 'log/a'), { doc: 'log/a', firstId: zId, lastId: zId });
  assertHeadCounts();
  assert.is(await ctx.store.logLength('log/a'), 1);
  const loaded = await ctx.store.load('log/a');
  assert.is(loaded.updates.length, 1);
  assert.is(text(loaded), 'xyz');
});

test('each head keeps its entry count through interleaved appends, full folds and folds through an older entry', async () => {
  const docs = Array.from({ length: 4 }, () => new Y.Doc());
  let seed = 42;
  const rand = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
  for (let round = 0; round < 60; round++) {
    const k = rand(4);
    const op = rand(10);
    if (op < 7) {
      const batch = Array.from({ length: 1 + rand(3) }, () => { const j = rand(4); return { doc: `cnt/${j}`, update: typed(docs[j]!, 'x') }; });
      await ctx.store.append(batch);
    } else if (op < 9) {
      // The store's own fold, raced with an append to the same document (folds through an older entry).
      const folding = ctx.store.compact(`cnt/${k}`);
      await ctx.store.append([{ doc: `cnt/${k}`, update: typed(docs[k]!, 'y') }]);
      await folding;
    } else {
      await ctx.store.replaceSnapshot(`cnt/${k}`, Y.encodeStateAsUpdate(docs[k]!));
    }
    assertHeadCounts();
  }
  for (let k = 0; k < 4; k++) {
    const loaded = await ctx.store.load(`cnt/${k}`);
    assert.is(await ctx.store.logLength(`cnt/${k}`), loaded.updates.length);
    assert.is(text(loaded), docs[k]!.getText('t').toString());
  }
});

test('the oldest unfolded document and how far the log runs past it', async () => {
  assert.is(await ctx.store.oldestUnfolded(), null);
  const quiet = new Y.Doc();
  const busy = new Y.Doc();
  await ctx.store.append([{ doc: 'log/quiet', update: typed(quiet, 'q') }]);
  for (let i = 0; i < 20; i++) await ctx.store.append([{ doc: 'log/busy', update: typed(busy, 'b') }]);
  assert.equal(await ctx.store.oldestUnfolded(), { doc: 'log/quiet', behind: 21 });
  await ctx.store.replaceSnapshot('log/quiet', Y.encodeStateAsUpdate(quiet));
  assert.equal(await ctx.store.oldestUnfolded(), { doc: 'log/busy', behind: 20 });
});

test('the compactor folds a quiet document that pins the log: from memory when loaded, by the store when not', async () => {
  const compactor = new Compactor(ctx.store, pino({ level: 'silent' }), 1_000_000, true, 10);
  const loaded = new LiveDoc('log/quiet-loaded');
  loaded.state = 'ready';
  const busy = new Y.Doc();
  await ctx.store.append([{ doc: 'log/quiet-unloaded', update: typed(new Y.Doc(), 'u') }]);
  await ctx.store.append([{ doc: loaded.name, update: typed(loaded.ydoc, 'l') }]);
  loaded.logLength = 1;
  for (let i = 0; i < 5; i++) await ctx.store.append([{ doc: 'log/busy', update: typed(busy, 'b') }]);
  const lookup = (name: string) => (name === loaded.name ? loaded : undefined);
  await compactor.maintain(lookup);
  assert.is(heads().length, 3, 'under the limit (7 entries past the oldest): nothing folded');
  for (let i = 0; i < 10; i++) await ctx.store.append([{ doc: 'log/busy', update: typed(busy, 'b') }]);
  await compactor.maintain(lookup);
  assert.equal(heads().map((h) => h.doc), ['log/busy', 'log/quiet-loaded'], 'the unloaded document was folded by the store');
  // A loaded document with an update not yet committed waits for a later round.
  loaded.appliedSeq = 1;
  await compactor.maintain(lookup);
  assert.equal(heads().map((h) => h.doc), ['log/busy', 'log/quiet-loaded']);
  loaded.committedSeq = 1;
  await compactor.maintain(lookup);
  assert.equal(heads().map((h) => h.doc), ['log/busy'], 'the loaded one was folded from its live state');
  assert.is(loaded.logLength, 0);
  assert.is(rowCount(), 15, 'everything below busy\'s first entry is gone');
  assert.is(text(await ctx.store.load(loaded.name)), 'l');
  assert.is(text(await ctx.store.load('log/quiet-unloaded')), 'u');
  loaded.destroy();
});

test('a database written with the per-document index is migrated: heads from its log, nothing lost', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rounds-sqlite-old-'));
  try {
    // The migrations as they were before the shared log: a copy of the folder without 0002.
    const folder = join(dir, 'migrations');
    cpSync(join(import.meta.dirname, '../../db/sqlite/migrations'), folder, { recursive: true });
    const journalFile = join(folder, 'meta/_journal.json');
    const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
    journal.entries = journal.entries.filter((e) => e.tag < '0002');
    writeFileSync(journalFile, JSON.stringify(journal));
    const file = join(dir, 'rounds.db');
    const raw = new Database(file);
    migrate(drizzle(raw), { migrationsFolder: folder, migrationsTable: '__drizzle_migrations' });
    const a = new Y.Doc();
    const b = new Y.Doc();
    const ins = raw.prepare('insert into doc_updates (doc, data, created_at) values (?, ?, 0)');
    for (const ch of 'abc') ins.run('old/a', Buffer.from(typed(a, ch)));
    ins.run('old/b', Buffer.from(typed(b, 'x')));
    const afterX = Y.encodeStateAsUpdate(b);
    ins.run('old/b', Buffer.from(typed(b, 'y')));
    // b was folded through its first entry (id 4) under the old layout, which deleted that entry.
    raw.prepare(`insert into doc_snapshots (doc, data, through_id, updated_at) values ('old/b', ?, 4, 0)`).run(Buffer.from(afterX));
    raw.prepare('delete from doc_updates where id = 4').run();
    ins.run('old/b', Buffer.from(typed(b, 'z')));
    raw.close();

    const h = openSqlite(file);
    const s = new SqliteDocumentStore(h);
    try {
      assert.equal(h.raw.prepare(`select name from pragma_index_list('doc_updates')`).all(), []);
      // 0003 counts the entries of heads written before the count existed.
      assert.equal(h.raw.prepare('select doc, first_id as f, last_id as l, entries as n from doc_heads order by doc').all(), [{ doc: 'old/a', f: 1, l: 3, n: 3 }, { doc: 'old/b', f: 5, l: 6, n: 2 }]);
      assert.is(await s.logLength('old/a'), 3);
      assert.is(text(await s.load('old/a')), 'abc');
      assert.is(text(await s.load('old/b')), 'xyz');
      assert.is(await s.logLength('old/b'), 2);
    } finally {
      await s.close();
      h.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
