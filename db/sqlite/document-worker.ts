/**
 * The SQLite document store's I/O thread. It owns its own connection to the database file (WAL
 * lets it write while the main thread's connection reads other tables), so a commit's WAL sync
 * never blocks the main event loop. It sees only sealed bytes: encryption, decryption and Yjs
 * folding stay on the main thread (see document-store.ts).
 *
 * Requests are handled strictly in arrival order, which is what lets the main thread reason
 * about "every append sent before this snapshot is included in it".
 *
 * Checkpoints run on another thread (checkpointer.cjs); this connection never checkpoints.
 */
import Database from 'better-sqlite3';
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';

export interface WorkerInit { file: string; synchronous: 'FULL' | 'NORMAL' }

export interface StoredRows { snapshot: Uint8Array | null; throughId: number; rows: { id: number; data: Uint8Array }[] }

export type WorkerRequest =
  | { id: number; op: 'append'; docs: string[]; data: Uint8Array[] }
  | { id: number; op: 'read'; doc: string }
  | { id: number; op: 'logLength'; doc: string }
  /** Stores `data` as the snapshot through `throughId`, or through the newest entry when null. */
  | { id: number; op: 'snapshot'; doc: string; data: Uint8Array; throughId: number | null }
  /** The document whose unfolded entries start furthest back, and how many entries were appended since. */
  | { id: number; op: 'oldest' }
  | { id: number; op: 'close' };

export type WorkerReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: { name: string; message: string; code?: string } };

const init = workerData as WorkerInit;
const db = new Database(init.file);
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${init.synchronous}`);
db.pragma('busy_timeout = 5000');
db.pragma('wal_autocheckpoint = 0');

// The log has no index by document (a commit would write one index page per document it
// touches, ~18x the bytes of the entries themselves). A document's unfolded entries lie between
// its head's first and last id, found by a rowid range scan; entries below every head's first id
// are folded into snapshots and are deleted a chunk at a time. The head also counts its entries:
// counting them by a scan of that range (every document's entries in it) took 3-7 ms per fold
// with 100 documents typing, and 100 folds due together held appends back for ~0.7 s.
const insert = db.prepare('insert into doc_updates (doc, data, created_at) values (?, ?, ?)');
const extendHead = db.prepare(
  'insert into doc_heads (doc, first_id, last_id, entries) values (?, ?, ?, ?) on conflict (doc) do update set last_id = excluded.last_id, entries = entries + excluded.entries',
);
const headOf = db.prepare('select first_id as firstId, last_id as lastId, entries from doc_heads where doc = ?');
const setFirst = db.prepare('update doc_heads set first_id = ?, entries = entries - ? where doc = ?');
const dropHead = db.prepare('delete from doc_heads where doc = ?');
const oldestHead = db.prepare('select doc, first_id as firstId from doc_heads order by first_id limit 1');
const snapshotOf = db.prepare('select data, through_id as throughId from doc_snapshots where doc = ?');
const rowsIn = db.prepare('select id, data from doc_updates where id between ? and ? and doc = ? order by id');
const countIn = db.prepare('select count(*) as n from doc_updates where id between ? and ? and doc = ?');
const firstIn = db.prepare('select min(id) as id from doc_updates where id between ? and ? and doc = ?');
// Two statements: SQLite answers a lone min() or max() of the rowid from the b-tree's edge, but
// scans the table for both in one query.
const lowestId = db.prepare('select min(id) as id from doc_updates');
const highestId = db.prepare('select max(id) as id from doc_updates');
const deleteBelow = db.prepare('delete from doc_updates where id < ?');
const upsertSnapshot = db.prepare(
  `insert into doc_snapshots (doc, data, through_id, updated_at) values (?, ?, ?, ?)
   on conflict (doc) do update set data = excluded.data, through_id = excluded.through_id, updated_at = excluded.updated_at
   where excluded.through_id > doc_snapshots.through_id`,
);

/** Folded entries deleted per snapshot, at most (keeps one commit's work small). */
const COLLECT_CHUNK = 20_000;

interface Head { firstId: number; lastId: number; entries: number }
const head = (doc: string) => headOf.get(doc) as Head | undefined;
const bounds = () => ({
  low: (lowestId.get() as { id: number | null }).id,
  high: (highestId.get() as { id: number | null }).id,
});

type Append = Extract<WorkerRequest, { op: 'append' }>;

/** Several appends, in order, as one transaction (one WAL sync): all commit or none. */
const appendAll = db.transaction((batches: readonly Append[]) => {
  const now = Date.now();
  // Per document: first id, last id, entries.
  const span = new Map<string, [number, number, number]>();
  for (const { docs, data } of batches) {
    for (let i = 0; i < docs.length; i++) {
      const id = Number(insert.run(docs[i], data[i], now).lastInsertRowid);
      const s = span.get(docs[i]!);
      if (s) { s[1] = id; s[2]++; }
      else span.set(docs[i]!, [id, id, 1]);
    }
  }
  for (const [doc, [first, last, n]] of span) extendHead.run(doc, first, last, n);
});

function throughOf(doc: string): number {
  return (snapshotOf.get(doc) as { throughId: number } | undefined)?.throughId ?? 0;
}

const read = db.transaction((doc: string): StoredRows => {
  const snap = snapshotOf.get(doc) as { data: Buffer; throughId: number } | undefined;
  const h = head(doc);
  const rows = h ? (rowsIn.all(h.firstId, h.lastId, doc) as { id: number; data: Buffer }[]) : [];
  return { snapshot: snap?.data ?? null, throughId: snap?.throughId ?? 0, rows };
});

function logLength(doc: string): number {
  return head(doc)?.entries ?? 0;
}

/** Deletes entries that every document has folded (below the oldest head), one chunk. */
function collect(): void {
  const { low, high } = bounds();
  if (low === null || high === null) return;
  const pinned = oldestHead.get() as { firstId: number } | undefined;
  const folded = pinned?.firstId ?? high + 1;
  if (low < folded) deleteBelow.run(Math.min(folded, low + COLLECT_CHUNK));
}

const snapshot = db.transaction((doc: string, data: Uint8Array, through: number | null): { before: number; throughId: number } => {
  const h = head(doc);
  const old = throughOf(doc);
  const throughId = through ?? h?.lastId ?? old;
  if (throughId <= old) return { before: 0, throughId: old };
  // Folding all of a head's entries (a snapshot from memory always does) needs no count.
  const all = !h || throughId >= h.lastId;
  const before = !h ? 0 : all ? h.entries : (countIn.get(h.firstId, throughId, doc) as { n: number }).n;
  upsertSnapshot.run(doc, data, throughId, Date.now());
  if (h && all) dropHead.run(doc);
  else if (h) {
    const next = (firstIn.get(throughId + 1, h.lastId, doc) as { id: number | null }).id;
    if (next === null) dropHead.run(doc);
    else setFirst.run(next, before, doc);
  }
  collect();
  return { before, throughId };
});

function oldest(): { doc: string; behind: number } | null {
  const o = oldestHead.get() as { doc: string; firstId: number } | undefined;
  if (!o) return null;
  const high = (highestId.get() as { id: number | null }).id;
  return { doc: o.doc, behind: (high ?? o.firstId) - o.firstId + 1 };
}

function handle(r: Exclude<WorkerRequest, Append>): unknown {
  switch (r.op) {
    case 'read': return read(r.doc);
    case 'logLength': return logLength(r.doc);
    case 'snapshot': return snapshot.immediate(r.doc, r.data, r.throughId);
    case 'oldest': return oldest();
    case 'close': db.close(); return null;
  }
}

const port = parentPort!;

function answer(id: number, value: unknown): void {
  port.postMessage({ id, ok: true, value } satisfies WorkerReply);
}

function refuse(id: number, e: unknown): void {
  const err = e as Error & { code?: string };
  port.postMessage({ id, ok: false, error: { name: err.name, message: err.message, ...(err.code ? { code: err.code } : {}) } } satisfies WorkerReply);
}

/**
 * Group commit across requests: the main thread hands over a batch without waiting for the one
 * before it (DocumentStore.appendDepth), so appends that queued up while a commit ran are taken
 * off the port together and committed as one transaction. Each gets its own reply, in order. A
 * request of another kind ends the group and runs after it, so arrival order still holds.
 */
port.on('message', (first: WorkerRequest) => {
  let next: WorkerRequest | undefined = first;
  while (next) {
    if (next.op !== 'append') {
      try {
        answer(next.id, handle(next));
      } catch (e) {
        refuse(next.id, e);
      }
      if (next.op === 'close') port.close();
      return;
    }
    const group: Append[] = [next];
    next = undefined;
    for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
      const r = m.message as WorkerRequest;
      if (r.op !== 'append') { next = r; break; }
      group.push(r);
    }
    try {
      appendAll.immediate(group);
    } catch (e) {
      for (const g of group) refuse(g.id, e);
      continue;
    }
    // `joined`: how many appends before this one share its transaction (0: the transaction's first).
    group.forEach((g, joined) => answer(g.id, { joined }));
  }
});
