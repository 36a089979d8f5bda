/**
 * A document that loads from a bare snapshot (its whole state, no log after it) answers sync
 * requests from the stored bytes before the snapshot is applied in memory, whether the request
 * was queued before the store answered or arrives between the store's answer and the apply (a
 * race that made a bench cold load take 204-256 ms instead of ~9 ms: the apply of a large
 * snapshot blocks the event loop). Anything else a client sends meanwhile waits in order.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as Y from 'yjs';
import { pino } from 'pino';
import { openSqlite, type SqliteHandle } from '../../../db/sqlite/connection.ts';
import { SqliteDocumentStore } from '../../../db/sqlite/document-store.ts';
import type { DocumentStore } from '../../../db/store.ts';
import type { Connection } from '../../../server/sync/connection.ts';
import { SyncHub } from '../../../server/sync/hub.ts';
import { decodeMessage, encodeSyncStep1, encodeSyncUpdate } from '../../../server/sync/protocol.ts';
import type { SyncSocket } from '../../../server/sync/socket.ts';

const DOC = 'test/snapshot-answer/note';
const test = suite('sync: answering from a bare stored snapshot while the document loads');
const ctx = {} as { dir: string; handle: SqliteHandle; real: SqliteDocumentStore; hub: SyncHub; stored: Y.Doc; loaded: (() => void) | null };

/** A socket that records what the hub sends, decoded to its message type. */
class FakeSocket implements SyncSocket {
  sent: Uint8Array[] = [];
  isOpen = true;
  send(d: Uint8Array): void { this.sent.push(d); }
  subscribe(): void {}
  publish(): void {}
  close(): void { this.isOpen = false; }
  types(): string[] { return this.sent.map((d) => decodeMessage(d).type); }
}

/** The real store, with a hook called when a document's stored state has been read (before the hub gets it). */
function hooked(real: SqliteDocumentStore): DocumentStore {
  return {
    kind: real.kind,
    appendDepth: real.appendDepth,
    load: async (doc) => { const r = await real.load(doc); ctx.loaded?.(); return r; },
    append: (e) => real.append(e),
    compact: (doc) => real.compact(doc),
    replaceSnapshot: (doc, s) => real.replaceSnapshot(doc, s),
    logLength: (doc) => real.logLength(doc),
    oldestUnfolded: () => real.oldestUnfolded(),
    close: () => real.close(),
  };
}

test.before.each(async () => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rounds-snapshot-answer-'));
  ctx.handle = openSqlite(join(ctx.dir, 'rounds.db'));
  ctx.real = new SqliteDocumentStore(ctx.handle);
  ctx.stored = new Y.Doc();
  ctx.stored.getText('note').insert(0, 'Assessment: stable. '.repeat(200));
  // Written, then folded: a snapshot and no log after it.
  await ctx.real.append([{ doc: DOC, update: Y.encodeStateAsUpdate(ctx.stored) }]);
  await ctx.real.replaceSnapshot(DOC, Y.encodeStateAsUpdate(ctx.stored));
  const s = await ctx.real.load(DOC);
  assert.ok(s.snapshot && s.updates.length === 0, 'a bare snapshot');
  ctx.loaded = null;
  ctx.hub = new SyncHub({
    store: hooked(ctx.real), broadcaster: { publish() {} }, logger: pino({ level: 'silent' }),
    docUnloadMs: 60_000, compactAfterUpdates: 1000, awarenessMinIntervalMs: 0, preloadQueueLimit: 100,
  });
});

test.after.each(async () => {
  await ctx.hub.shutdown();
  await ctx.real.close();
  ctx.handle.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

function connect(): { socket: FakeSocket; conn: Connection } {
  const socket = new FakeSocket();
  const conn = ctx.hub.open(socket, { docName: DOC, sub: 'dr-a', role: 'clinician', access: 'write', exp: Math.floor(Date.now() / 1000) + 600 })!;
  return { socket, conn };
}

const emptyStep1 = () => encodeSyncStep1(Y.encodeStateVector(new Y.Doc()));

/** The text a fresh client has after applying the hub's first answer (a sync step 2). */
function answeredText(socket: FakeSocket): string {
  const msg = decodeMessage(socket.sent[0]!);
  assert.is(msg.type, 'sync-step2');
  const d = new Y.Doc();
  Y.applyUpdate(d, (msg as { update: Uint8Array }).update);
  return d.getText('note').toString();
}

const ready = (conn: Connection) => conn.live.ready;

test('a sync request that arrives after the store answered, before the apply, is answered from the stored bytes first', async () => {
  let c: ReturnType<typeof connect> | null = null;
  // The request comes in on the next turn after the store's answer: after the hub has it, before it could apply it.
  ctx.loaded = () => setImmediate(() => ctx.hub.message(c!.conn, emptyStep1()));
  c = connect();
  await ready(c.conn);
  assert.equal(c.socket.types(), ['sync-step2', 'sync-step1'], 'the answer, then the hub\'s own request once the document is ready');
  assert.is(answeredText(c.socket), ctx.stored.getText('note').toString());
});

test('a sync request queued before the store answered is answered from the stored bytes too', async () => {
  const c = connect();
  ctx.hub.message(c.conn, emptyStep1());
  await ready(c.conn);
  assert.equal(c.socket.types(), ['sync-step2', 'sync-step1']);
  assert.is(answeredText(c.socket), ctx.stored.getText('note').toString());
});

test('an update sent in that window waits in order and is applied once the document is ready', async () => {
  const mine = new Y.Doc();
  Y.applyUpdate(mine, Y.encodeStateAsUpdate(ctx.stored));
  let edit: Uint8Array | null = null;
  mine.on('update', (u: Uint8Array) => { edit = u; });
  mine.getText('note').insert(0, 'Plan: ');
  let c: ReturnType<typeof connect> | null = null;
  ctx.loaded = () => setImmediate(() => {
    ctx.hub.message(c!.conn, emptyStep1());
    ctx.hub.message(c!.conn, encodeSyncUpdate(edit!));
    ctx.hub.message(c!.conn, emptyStep1()); // behind the update: answered from the live document, with the edit
  });
  c = connect();
  await ready(c.conn);
  await ctx.hub.idle();
  assert.equal(c.socket.types(), ['sync-step2', 'sync-step1', 'sync-step2']);
  assert.is(answeredText(c.socket), ctx.stored.getText('note').toString(), 'the first answer: the stored state');
  const last = decodeMessage(c.socket.sent[2]!) as { update: Uint8Array };
  const d = new Y.Doc();
  Y.applyUpdate(d, last.update);
  assert.ok(d.getText('note').toString().startsWith('Plan: Assessment'), 'the later answer has the edit');
  assert.ok(text(await ctx.real.load(DOC)).startsWith('Plan: '), 'the edit was committed');
});

const text = (s: { snapshot: Uint8Array | null; updates: Uint8Array[] }) => {
  const d = new Y.Doc();
  if (s.snapshot) Y.applyUpdate(d, s.snapshot);
  for (const u of s.updates) Y.applyUpdate(d, u);
  return d.getText('note').toString();
};

test.run();
