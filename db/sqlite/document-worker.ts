/**
 * The SQLite document store's I/O thread. It owns its own connection to the database file (WAL
 * lets it write while the main thread's connection reads other tables), so a commit's WAL sync
 * never blocks the main event loop. It sees only sealed bytes: encryption, decryption and Yjs
 * folding stay on the main thread (see document-store.ts).
 *
 * Requests are handled strictly in arrival order, which is what lets the main thread reason
 * about "every append sent before this snapshot is included in it".
 *
 * Started with role `checkpoint`, the same module is the file's checkpointer instead: a third
 * connection that runs passive WAL checkpoints on a timer, so copying the WAL back into the
 * database (and its sync) happens neither in a commit nor on the main event loop. Every other
 * connection to the file has automatic checkpoints turned off.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

export interface WorkerInit { file: string; synchronous: 'FULL' | 'NORMAL'; role: 'store' | 'checkpoint'; checkpointEveryMs: number }

export interface StoredRows { snapshot: Uint8Array | null; throughId: number; rows: { id: number; data: Uint8Array }[] }

export type WorkerRequest =
  | { id: number; op: 'append'; docs: string[]; data: Uint8Array[] }
  | { id: number; op: 'read'; doc: string }
  | { id: number; op: 'logLength'; doc: string }
  /** Stores `data` as the snapshot through `throughId`, or through the newest entry when null. */
  | { id: number; op: 'snapshot'; doc: string; data: Uint8Array; throughId: number | null }
  | { id: number; op: 'close' };

export type WorkerReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: { name: string; message: string; code?: string } };

const init = workerData as WorkerInit;
const db = new Database(init.file);
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${init.synchronous}`);
db.pragma('busy_timeout = 5000');
db.pragma('wal_autocheckpoint = 0');
if (init.role === 'checkpoint') setInterval(() => db.pragma('wal_checkpoint(PASSIVE)'), init.checkpointEveryMs);

const insert = db.prepare('insert into doc_updates (doc, data, created_at) values (?, ?, ?)');
const snapshotOf = db.prepare('select data, through_id as throughId from doc_snapshots where doc = ?');
const rowsAfter = db.prepare('select id, data from doc_updates where doc = ? and id > ? order by id');
const countAfter = db.prepare('select count(*) as n from doc_updates where doc = ? and id > ?');
const newest = db.prepare('select max(id) as id from doc_updates where doc = ?');
const upsertSnapshot = db.prepare(
  `insert into doc_snapshots (doc, data, through_id, updated_at) values (?, ?, ?, ?)
   on conflict (doc) do update set data = excluded.data, through_id = excluded.through_id, updated_at = excluded.updated_at
   where excluded.through_id > doc_snapshots.through_id`,
);
const deleteThrough = db.prepare('delete from doc_updates where doc = ? and id <= ?');

const append = db.transaction((docs: string[], data: Uint8Array[]) => {
  const now = Date.now();
  for (let i = 0; i < docs.length; i++) insert.run(docs[i], data[i], now);
});

function throughOf(doc: string): number {
  return (snapshotOf.get(doc) as { throughId: number } | undefined)?.throughId ?? 0;
}

const read = db.transaction((doc: string): StoredRows => {
  const snap = snapshotOf.get(doc) as { data: Buffer; throughId: number } | undefined;
  const throughId = snap?.throughId ?? 0;
  const rows = rowsAfter.all(doc, throughId) as { id: number; data: Buffer }[];
  return { snapshot: snap?.data ?? null, throughId, rows };
});

const snapshot = db.transaction((doc: string, data: Uint8Array, through: number | null): { before: number; throughId: number } => {
  const throughId = through ?? ((newest.get(doc) as { id: number | null }).id ?? 0);
  const old = throughOf(doc);
  if (throughId <= old) return { before: 0, throughId: old };
  const before = (countAfter.get(doc, old) as { n: number }).n - (countAfter.get(doc, throughId) as { n: number }).n;
  upsertSnapshot.run(doc, data, throughId, Date.now());
  deleteThrough.run(doc, throughId);
  return { before, throughId };
});

function handle(r: WorkerRequest): unknown {
  switch (r.op) {
    case 'append': return append.immediate(r.docs, r.data);
    case 'read': return read(r.doc);
    case 'logLength': return (countAfter.get(r.doc, throughOf(r.doc)) as { n: number }).n;
    case 'snapshot': return snapshot.immediate(r.doc, r.data, r.throughId);
    case 'close': db.close(); return null;
  }
}

parentPort!.on('message', (r: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    reply = { id: r.id, ok: true, value: handle(r) };
  } catch (e) {
    const err = e as Error & { code?: string };
    reply = { id: r.id, ok: false, error: { name: err.name, message: err.message, ...(err.code ? { code: err.code } : {}) } };
  }
  parentPort!.postMessage(reply);
  if (r.op === 'close') parentPort!.close();
});
