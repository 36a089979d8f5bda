/**
 * THE document store contract. Every store implementation runs these same cases:
 * tests/db/memory.test.ts, tests/db/sqlite.test.ts (and Postgres when it lands).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as Y from 'yjs';
import type { DocumentStore } from '../../db/store.ts';
import { applyAll } from '../../db/fold.ts';

export interface StoreFactory {
  name: string;
  /** A fresh, empty store. */
  open(): Promise<DocumentStore>;
  /** The same data opened again (a restart); omit for stores without durability. */
  reopen?(): Promise<DocumentStore>;
  cleanup?(): Promise<void>;
}

function edits(n: number, seed = 1): Uint8Array[] {
  const doc = new Y.Doc();
  doc.clientID = seed;
  const out: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => out.push(u));
  const text = doc.getText('note');
  for (let i = 0; i < n; i++) {
    if (i % 7 === 6 && text.length > 2) text.delete(i % text.length, 1);
    else text.insert(i % (text.length + 1), String.fromCharCode(97 + (i % 26)));
  }
  doc.destroy();
  return out;
}

async function stateOf(store: DocumentStore, name: string): Promise<{ text: string; sv: Uint8Array; doc: Y.Doc }> {
  const stored = await store.load(name);
  const doc = new Y.Doc();
  applyAll(doc, stored.snapshot, stored.updates);
  return { text: doc.getText('note').toString(), sv: Y.encodeStateVector(doc), doc };
}

function expected(updates: Uint8Array[]): string {
  const doc = new Y.Doc();
  applyAll(doc, null, updates);
  const t = doc.getText('note').toString();
  doc.destroy();
  return t;
}

export function storeContract(f: StoreFactory): void {
  const test = suite(`store contract: ${f.name}`);
  let store: DocumentStore;

  test.before.each(async () => { store = await f.open(); });
  test.after.each(async () => { await store.close(); await f.cleanup?.(); });

  test('an unknown document loads empty', async () => {
    const s = await store.load('never/seen');
    assert.is(s.snapshot, null);
    assert.equal(s.updates, []);
    assert.is(await store.logLength('never/seen'), 0);
  });

  test('append then load returns the updates in commit order, per document', async () => {
    const a = edits(20, 1);
    const b = edits(5, 2);
    await store.append(a.slice(0, 10).map((update) => ({ doc: 'visit/a/note', update })));
    await store.append([...b.map((update) => ({ doc: 'visit/b/note', update })), ...a.slice(10).map((update) => ({ doc: 'visit/a/note', update }))]);
    const la = await store.load('visit/a/note');
    assert.is(la.updates.length, 20);
    la.updates.forEach((u, i) => assert.equal(Array.from(u), Array.from(a[i]!)));
    assert.is((await store.load('visit/b/note')).updates.length, 5);
    assert.is(await store.logLength('visit/a/note'), 20);
  });

  test('stored bytes are copies: mutating the caller buffer later changes nothing', async () => {
    const [u] = edits(1, 3);
    const copy = Array.from(u!);
    await store.append([{ doc: 'd', update: u! }]);
    u!.fill(0);
    assert.equal(Array.from((await store.load('d')).updates[0]!), copy);
  });

  test('a batch that fails part-way stores nothing', async () => {
    const [u] = edits(1, 4);
    let failed = false;
    try {
      await store.append([{ doc: 'atomic', update: u! }, { doc: 'atomic', update: null as unknown as Uint8Array }]);
    } catch {
      failed = true;
    }
    assert.ok(failed, 'append with a bad entry must reject');
    assert.is((await store.load('atomic')).updates.length, 0);
  });

  test('compaction keeps the content identical and shrinks the log', async () => {
    const u = edits(500, 5);
    await store.append(u.map((update) => ({ doc: 'c', update })));
    const before = await stateOf(store, 'c');
    const r = await store.compact('c');
    assert.is(r.before, 500);
    assert.is(r.after, 0);
    assert.is(await store.logLength('c'), 0);
    const after = await stateOf(store, 'c');
    assert.is(after.text, before.text);
    assert.is(after.text, expected(u));
    assert.equal(Array.from(after.sv), Array.from(before.sv));
    const loaded = await store.load('c');
    assert.ok(loaded.snapshot, 'a snapshot exists after compaction');
    assert.is(loaded.updates.length, 0);
    before.doc.destroy(); after.doc.destroy();
  });

  test('updates after a compaction load on top of the snapshot; compacting twice is fine', async () => {
    const u = edits(300, 6);
    await store.append(u.slice(0, 200).map((update) => ({ doc: 'c2', update })));
    await store.compact('c2');
    await store.append(u.slice(200).map((update) => ({ doc: 'c2', update })));
    assert.is(await store.logLength('c2'), 100);
    assert.is((await stateOf(store, 'c2')).text, expected(u));
    await store.compact('c2');
    assert.is(await store.logLength('c2'), 0);
    assert.is((await stateOf(store, 'c2')).text, expected(u));
    assert.equal(await store.compact('c2'), { before: 0, after: 0 });
    assert.equal(await store.compact('nothing-here'), { before: 0, after: 0 });
  });

  test('replaceSnapshot (where offered) covers exactly the appends issued before it', async () => {
    if (!store.replaceSnapshot) return assert.not.equal(store.kind, 'sqlite', 'the SQLite store offers replaceSnapshot');
    const u = edits(120, 8);
    const live = new Y.Doc();
    applyAll(live, null, u.slice(0, 100));
    // Issued back to back without waiting, as the hub does at the end of a commit.
    const first = store.append(u.slice(0, 100).map((update) => ({ doc: 'rs', update })));
    const replaced = store.replaceSnapshot('rs', Y.encodeStateAsUpdate(live));
    const second = store.append(u.slice(100).map((update) => ({ doc: 'rs', update })));
    await first;
    assert.equal(await replaced, { before: 100, after: 0 });
    await second;
    const loaded = await store.load('rs');
    assert.ok(loaded.snapshot);
    assert.is(loaded.updates.length, 20, 'appends after the snapshot stay in the log');
    assert.is(await store.logLength('rs'), 20);
    assert.is((await stateOf(store, 'rs')).text, expected(u));
    live.destroy();
  });

  if (f.reopen) {
    test('everything survives a reopen', async () => {
      const u = edits(50, 7);
      await store.append(u.slice(0, 30).map((update) => ({ doc: 'r', update })));
      await store.compact('r');
      await store.append(u.slice(30).map((update) => ({ doc: 'r', update })));
      await store.close();
      store = await f.reopen!();
      assert.is((await stateOf(store, 'r')).text, expected(u));
    });
  }

  test.run();
}
