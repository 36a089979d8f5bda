/**
 * Opening a document is a read of PHI: its audit entry is committed before the hub sends the
 * connection anything of the document (no sync message, no answer from a stored snapshot, no
 * broadcast), and a connection whose entry cannot be written is closed with AUDIT_UNAVAILABLE
 * (4010) having been sent nothing. The hub contract runs against the real SQLite document store;
 * the recorder against a real audit log, up and during a real outage of its store.
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
import { CloseCode } from '../../../server/sync/close-codes.ts';
import type { Connection } from '../../../server/sync/connection.ts';
import { SyncHub } from '../../../server/sync/hub.ts';
import { decodeMessage, encodeSyncStep1, encodeSyncUpdate } from '../../../server/sync/protocol.ts';
import type { ConnectionContext, SyncSocket } from '../../../server/sync/socket.ts';
import { AuditLog, AuditWriteError } from '../../../server/security/audit/log.ts';
import { syncOpenRecorder } from '../../../server/security/sync-audit.ts';
import { sqliteOutage } from '../../helpers/audit-outage.ts';

const DOC = 'test/open-audit/note';
const test = suite('sync: a document is sent only after its open is on record');
const ctx = {} as { dir: string; handle: SqliteHandle; store: SqliteDocumentStore; hub: SyncHub; record: (c: ConnectionContext) => Promise<void> };

class FakeSocket implements SyncSocket {
  sent: Uint8Array[] = [];
  subscribed: string[] = [];
  closedWith: number | null = null;
  isOpen = true;
  send(d: Uint8Array): void { this.sent.push(d); }
  subscribe(topic: string): void { this.subscribed.push(topic); }
  publish(): void {}
  close(code: number): void { this.closedWith = code; this.isOpen = false; }
  types(): string[] { return this.sent.map((d) => decodeMessage(d).type); }
}

/** A recording the test settles by hand. */
function held(): { promise: Promise<void>; resolve(): void; reject(e: Error): void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

const conCtx = (sub: string): ConnectionContext => ({ docName: DOC, sub, role: 'clinician', access: 'write', exp: Math.floor(Date.now() / 1000) + 600 });
const emptyStep1 = () => encodeSyncStep1(Y.encodeStateVector(new Y.Doc()));

test.before.each(async () => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rounds-open-audit-'));
  ctx.handle = openSqlite(join(ctx.dir, 'rounds.db'));
  ctx.store = new SqliteDocumentStore(ctx.handle);
  const d = new Y.Doc();
  d.getText('note').insert(0, 'Assessment: stable.');
  await ctx.store.append([{ doc: DOC, update: Y.encodeStateAsUpdate(d) }]);
  await ctx.store.replaceSnapshot(DOC, Y.encodeStateAsUpdate(d)); // a bare snapshot: the early-answer path
  ctx.record = async () => {};
  ctx.hub = new SyncHub({
    store: ctx.store, broadcaster: { publish() {} }, logger: pino({ level: 'silent' }),
    docUnloadMs: 60_000, compactAfterUpdates: 1000, awarenessMinIntervalMs: 0, preloadQueueLimit: 100,
    recordOpen: (c) => ctx.record(c),
  });
});

test.after.each(async () => {
  await ctx.hub.shutdown();
  await ctx.store.close();
  ctx.handle.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

function connect(sub: string): { socket: FakeSocket; conn: Connection } {
  const socket = new FakeSocket();
  return { socket, conn: ctx.hub.open(socket, conCtx(sub))! };
}

test('nothing is sent or subscribed until the open is recorded; then the connection syncs as usual', async () => {
  const h = held();
  const seen: string[] = [];
  ctx.record = (c) => { seen.push(c.sub); return h.promise; };
  const c = connect('dr-a');
  ctx.hub.message(c.conn, emptyStep1()); // would be answered from the stored snapshot at once
  await c.conn.live.ready; // everything the hub does on loading has run (it was queued before this await)
  assert.equal(seen, ['dr-a'], 'recorded with the connection\'s context');
  assert.equal(c.socket.sent, [], 'the document loaded, but nothing was sent');
  assert.equal(c.socket.subscribed, [], 'and no broadcast can reach it');
  h.resolve();
  await h.promise; // the hub's handler was attached first, so it has run
  assert.equal(c.socket.types(), ['sync-step1', 'sync-step2'], 'the hub\'s request, then the answer to the queued one');
  assert.equal(c.socket.subscribed, [c.conn.live.topic]);
  const d = new Y.Doc();
  Y.applyUpdate(d, (decodeMessage(c.socket.sent[1]!) as { update: Uint8Array }).update);
  assert.is(d.getText('note').toString(), 'Assessment: stable.');
});

test('an open that cannot be recorded is closed with AUDIT_UNAVAILABLE and was sent nothing; its edits are not applied', async () => {
  const h = held();
  ctx.record = () => h.promise;
  const c = connect('dr-b');
  const edit = new Y.Doc();
  let update: Uint8Array | null = null;
  edit.on('update', (u: Uint8Array) => { update = u; });
  edit.getText('note').insert(0, 'x');
  ctx.hub.message(c.conn, encodeSyncUpdate(update!));
  await c.conn.live.ready;
  h.reject(new AuditWriteError('audit store down'));
  await h.promise.catch(() => {}); // the hub's handler was attached first, so it has run
  assert.is(c.socket.closedWith, CloseCode.AUDIT_UNAVAILABLE);
  assert.equal(c.socket.sent, []);
  await ctx.hub.idle();
  assert.is(await ctx.hub.read(DOC, (doc) => doc.getText('note').toString()), 'Assessment: stable.', 'the queued edit was dropped');
});

test('the recorder appends durably to the real audit log, and rejects while its store is down', async () => {
  const o = await sqliteOutage();
  const log = new AuditLog(o.backend, { retryMs: { min: 20, max: 100 }, logger: { error: () => {}, info: () => {} } });
  try {
    const record = syncOpenRecorder(log);
    await record({ ...conCtx('dr-c'), address: '10.0.0.7' });
    const entry = (await log.list()).find((e) => e.actor === 'dr-c');
    assert.ok(entry, 'committed when the recorder resolved');
    assert.equal([entry!.action, entry!.outcome, entry!.resource, entry!.detail, entry!.address], ['sync.open', 'allowed', DOC, 'write', '10.0.0.7']);
    await o.down();
    const refused = await record(conCtx('dr-d')).then(() => null, (e: unknown) => e);
    assert.ok(refused instanceof AuditWriteError, 'rejects with AuditWriteError');
  } finally {
    await o.up();
    await log.close();
    await o.close();
  }
});

test.run();
