/**
 * The commit pipeline with a store that takes several batches at once (`appendDepth`): the next
 * batch is handed over while one commits, the SQLite I/O thread commits batches that queued up
 * as one transaction, results are handled strictly in hand-over order (nothing is broadcast
 * before its batch and every earlier batch settled), a batch carrying a captured snapshot state
 * holds later batches back until its snapshot was requested, and `idle()` ends under constant load.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as Y from 'yjs';
import { pino } from 'pino';
import type { AppendEntry, CompactResult, DocumentStore, StoredDocument } from '../../../db/store.ts';
import { openSqlite, type SqliteHandle } from '../../../db/sqlite/connection.ts';
import { SqliteDocumentStore } from '../../../db/sqlite/document-store.ts';
import { CommitPipeline } from '../../../server/sync/commit-pipeline.ts';
import { Compactor } from '../../../server/sync/compaction.ts';
import { LiveDoc } from '../../../server/sync/live-doc.ts';
import { decodeMessage } from '../../../server/sync/protocol.ts';

const logger = pino({ level: 'silent' });

/** A store whose appends settle only when the test says so, in any order it likes. */
class HeldStore implements DocumentStore {
  readonly kind = 'memory' as const;
  readonly appendDepth = 4;
  readonly held: { entries: AppendEntry[]; ok(): void; fail(e: Error): void }[] = [];
  readonly snapshots: { doc: string; state: Uint8Array; heldAtRequest: number }[] = [];
  append(entries: readonly AppendEntry[]): Promise<void> {
    return new Promise((ok, fail) => this.held.push({ entries: [...entries], ok, fail }));
  }
  async replaceSnapshot(doc: string, state: Uint8Array): Promise<CompactResult> {
    this.snapshots.push({ doc, state, heldAtRequest: this.held.length });
    return { before: 0, after: 0 };
  }
  async load(): Promise<StoredDocument> { return { snapshot: null, updates: [] }; }
  async compact(): Promise<CompactResult> { return { before: 0, after: 0 }; }
  async logLength(): Promise<number> { return 0; }
  async close(): Promise<void> {}
}

interface Rig { pipeline: CommitPipeline; published: string[]; discarded: string[] }

/** A pipeline over `store`; each broadcast is recorded as the text its update inserts. */
function rig(store: DocumentStore, snapshotEvery = 1_000): Rig {
  const published: string[] = [];
  const discarded: string[] = [];
  const compactor = new Compactor(store, logger, snapshotEvery, true);
  const pipeline = new CommitPipeline({
    store, logger, compactor,
    broadcaster: { publish: (_topic, msg) => published.push(insertedText(msg)) },
    discard: (live) => { discarded.push(live.name); live.destroy(); },
  });
  return { pipeline, published, discarded };
}

function insertedText(msg: Uint8Array): string {
  const m = decodeMessage(msg);
  if (m.type !== 'sync-update') throw new Error(`a broadcast is a sync update, not ${m.type}`);
  const d = new Y.Doc();
  Y.applyUpdate(d, m.update);
  return d.getText('t').toString();
}

/** Types `ch` into `live` and queues the update, as the hub does for a client's edit. */
function type(p: CommitPipeline, live: LiveDoc, ch: string): void {
  const h = (u: Uint8Array) => p.enqueue(live, null, u);
  live.ydoc.once('update', h);
  live.ydoc.getText('t').insert(0, ch);
}

/** Documents made by a test; destroyed after it (each holds an awareness timer). */
const lives: LiveDoc[] = [];
function ready(name: string): LiveDoc {
  const live = new LiveDoc(name);
  live.state = 'ready';
  lives.push(live);
  return live;
}
const destroyLives = () => { for (const l of lives.splice(0)) l.destroy(); };

const turn = () => new Promise<void>((r) => setImmediate(r));
const until = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !cond(); i++) await turn();
  assert.ok(cond(), what);
};

const held = suite('commit pipeline: several batches in flight');
held.after.each(destroyLives);

held('the next batch is handed over while the first commits; results are handled in hand-over order', async () => {
  const store = new HeldStore();
  const { pipeline, published } = rig(store);
  const a = ready('a'), b = ready('b');
  type(pipeline, a, '1');
  await until(() => store.held.length === 1, 'first batch handed over');
  type(pipeline, b, '2');
  await until(() => store.held.length === 2, 'second batch handed over while the first is held');
  store.held[1]!.ok();
  await turn(); await turn();
  assert.equal(published, [], 'the second batch waits for the first before anything is broadcast');
  assert.equal(b.committedSeq, 0);
  store.held[0]!.ok();
  await pipeline.idle();
  assert.equal(published, ['1', '2']);
  assert.equal([a.committedSeq, b.committedSeq], [1, 1]);
});

held('a failed batch drops only its documents; a later batch that committed is still broadcast, after it', async () => {
  const store = new HeldStore();
  const { pipeline, published, discarded } = rig(store);
  const a = ready('a'), b = ready('b');
  type(pipeline, a, 'x');
  await until(() => store.held.length === 1, 'first batch handed over');
  type(pipeline, b, 'y');
  await until(() => store.held.length === 2, 'second batch handed over');
  store.held[1]!.ok();
  store.held[0]!.fail(new Error('disk full'));
  await pipeline.idle();
  assert.equal(discarded, ['a']);
  assert.equal(published, ['y']);
  assert.is(b.committedSeq, 1);
});

held('no more batches than appendDepth are in flight; the rest wait and go as one', async () => {
  const store = new HeldStore();
  const { pipeline } = rig(store);
  const docs = Array.from({ length: 6 }, (_, i) => ready(`d${i}`));
  for (const [i, live] of docs.entries()) {
    type(pipeline, live, String(i));
    await turn(); await turn();
  }
  assert.is(store.held.length, store.appendDepth, 'at most appendDepth batches held by the store');
  store.held[0]!.ok();
  await until(() => store.held.length === store.appendDepth + 1, 'one more handed over once one settled');
  assert.equal(store.held.at(-1)!.entries.map((e) => e.doc), ['d4', 'd5'], 'what waited went as one batch');
  for (const h of store.held.slice(1)) h.ok();
  await pipeline.idle();
});

held('a batch carrying a captured state holds later batches until its snapshot was requested', async () => {
  const store = new HeldStore();
  const { pipeline } = rig(store, 2);
  const a = ready('a'), b = ready('b');
  type(pipeline, b, 'b'); // in flight, no capture
  await until(() => store.held.length === 1, 'first batch handed over');
  type(pipeline, a, '1');
  type(pipeline, a, '2'); // two entries: reaches the snapshot threshold, state captured
  await until(() => store.held.length === 2, 'capturing batch handed over');
  type(pipeline, b, 'c');
  await turn(); await turn(); await turn();
  assert.is(store.held.length, 2, 'nothing handed over after the capturing batch');
  store.held[0]!.ok();
  store.held[1]!.ok();
  await until(() => store.held.length === 3, 'the held-back batch follows');
  assert.is(store.snapshots.length, 1);
  assert.is(store.snapshots[0]!.heldAtRequest, 2, 'the snapshot was requested before the next batch was handed over');
  const snap = new Y.Doc();
  Y.applyUpdate(snap, store.snapshots[0]!.state);
  assert.is(snap.getText('t').toString(), '21', 'the snapshot is the document through the capturing batch');
  store.held[2]!.ok();
  await pipeline.idle();
});

held('idle() waits only for what was queued before it, so it ends under constant load', async () => {
  const store = new HeldStore();
  const { pipeline } = rig(store);
  const a = ready('a');
  let typing = true;
  let n = 0;
  const keepTyping = () => { if (!typing) return; type(pipeline, a, 'k'); n++; setImmediate(keepTyping); };
  const settle = setInterval(() => { for (const h of store.held.splice(0)) h.ok(); }, 1);
  keepTyping();
  await until(() => n > 20, 'typing');
  const queuedBefore = a.appliedSeq;
  await pipeline.idle();
  assert.ok(a.committedSeq >= queuedBefore, 'everything queued before idle() committed');
  typing = false;
  clearInterval(settle);
  for (const h of store.held.splice(0)) h.ok();
  await pipeline.idle();
});

held.run();

const sqlite = suite('commit pipeline: SQLite joins queued batches into one transaction');
const ctx = {} as { dir: string; handle: SqliteHandle; store: SqliteDocumentStore };
sqlite.before.each(async () => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rounds-pipeline-'));
  ctx.handle = openSqlite(join(ctx.dir, 'rounds.db'));
  ctx.store = new SqliteDocumentStore(ctx.handle);
  await ctx.store.ready();
});
sqlite.after.each(async () => {
  destroyLives();
  await ctx.store.close();
  ctx.handle.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

sqlite('appends handed over while the I/O thread is busy commit together, each in order', async () => {
  const { store } = ctx;
  const other = ready('other');
  other.ydoc.once('update', (u: Uint8Array) => { void store.append([{ doc: 'other', update: u }]); });
  other.ydoc.getText('t').insert(0, 'o');
  // Keeps the I/O thread busy (a 16 MiB snapshot, written and synced) while the appends queue up.
  const busy = store.replaceSnapshot('other', new Uint8Array(16 * 1024 * 1024).fill(7));
  const notes = [ready('note-0'), ready('note-1'), ready('note-2')];
  const updates = Array.from({ length: 20 }, (_, i) => {
    const live = notes[i % 3]!;
    let u!: Uint8Array;
    live.ydoc.once('update', (x: Uint8Array) => { u = x; });
    live.ydoc.getText('t').insert(live.ydoc.getText('t').length, String.fromCharCode(97 + i));
    return { doc: live.name, update: u };
  });
  const before = store.appendTransactions;
  const settled: number[] = [];
  await Promise.all([busy, ...updates.map((e, i) => store.append([e]).then(() => { settled.push(i); }))]);
  assert.equal(settled, [...settled].sort((x, y) => x - y), 'appends settle in call order');
  const transactions = store.appendTransactions - before;
  assert.ok(transactions >= 1 && transactions <= 2, `20 appends queued behind a busy thread took ${transactions} transactions`);
  for (const name of ['note-0', 'note-1', 'note-2']) {
    const d = new Y.Doc();
    for (const u of (await store.load(name)).updates) Y.applyUpdate(d, u);
    const want = updates.map((e, i) => (e.doc === name ? String.fromCharCode(97 + i) : '')).join('');
    assert.is(d.getText('t').toString(), want, `${name} holds its own entries, in order`);
  }
});

sqlite('a pipeline over SQLite commits a steady stream with fewer transactions than batches, losing nothing', async () => {
  const { store } = ctx;
  const { pipeline, published } = rig(store);
  const live = ready('stream');
  const before = store.appendTransactions;
  let batches = 0;
  const count = store.append.bind(store);
  store.append = (entries) => { batches++; return count(entries); };
  for (let i = 0; i < 300; i++) {
    type(pipeline, live, 'z');
    if (i % 3 === 0) await turn();
  }
  await pipeline.idle();
  assert.is(published.length, 300);
  assert.is(live.committedSeq, 300);
  const d = new Y.Doc();
  for (const u of (await store.load('stream')).updates) Y.applyUpdate(d, u);
  assert.is(d.getText('t').length, 300);
  const transactions = store.appendTransactions - before;
  assert.ok(transactions <= batches, `${transactions} transactions for ${batches} batches`);
});

sqlite.run();
