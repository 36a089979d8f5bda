/** Test support: comparing Yjs replicas exactly, reading a stored document, and a crafted bad update. */
import { join } from 'node:path';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import { openSqlite } from '../../db/sqlite/connection.ts';
import { SqliteDocumentStore } from '../../db/sqlite/document-store.ts';
import { applyAll } from '../../db/fold.ts';

/**
 * Whether `doc` already contains everything in `update`: applying it to a copy changes nothing
 * (no update event, nothing left pending). This is containment of structs AND deletions, which
 * a state vector alone does not show.
 */
export function containsUpdate(doc: Y.Doc, update: Uint8Array): boolean {
  return containsAll(doc, [update]);
}

export function containsAll(doc: Y.Doc, updates: readonly Uint8Array[]): boolean {
  const copy = new Y.Doc({ gc: false });
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  let changed = false;
  copy.on('update', () => { changed = true; });
  for (const u of updates) Y.applyUpdate(copy, u);
  const pending = copy.store.pendingStructs !== null || copy.store.pendingDs !== null;
  copy.destroy();
  return !changed && !pending;
}

/**
 * Like `sameState`, for documents that may hold pending structs (updates whose dependencies
 * never arrived, e.g. garbage from a fuzzer): applying either one's full state (pending
 * included) to a copy of the other changes nothing, not even what is pending.
 */
export function sameStateWithPending(a: Y.Doc, b: Y.Doc): boolean {
  const absorbs = (x: Y.Doc, y: Y.Doc) => {
    const copy = new Y.Doc({ gc: false });
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(x));
    const before = Y.encodeStateAsUpdate(copy);
    let changed = false;
    copy.on('update', () => { changed = true; });
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(y));
    const same = !changed && bytesEqual(before, Y.encodeStateAsUpdate(copy));
    copy.destroy();
    return same;
  };
  return absorbs(a, b) && absorbs(b, a);
}

/** Same structs and same deletions, whatever the order they arrived in. */
export function sameState(a: Y.Doc, b: Y.Doc): boolean {
  return containsUpdate(a, Y.encodeStateAsUpdate(b)) && containsUpdate(b, Y.encodeStateAsUpdate(a));
}

/** A cheap convergence check for polling: equal state vectors and equal content. */
export function looksSame(a: Y.Doc, b: Y.Doc, names: readonly { name: string; kind: 'text' | 'map' | 'array' }[]): boolean {
  if (!bytesEqual(Y.encodeStateVector(a), Y.encodeStateVector(b))) return false;
  return names.every(({ name, kind }) => canonical(read(a, name, kind)) === canonical(read(b, name, kind)));
}

/** JSON with object keys sorted: Y.Map key order depends on arrival order, which replicas do not share. */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) && !(x instanceof Uint8Array)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0)))
      : x,
  );
}

function read(doc: Y.Doc, name: string, kind: 'text' | 'map' | 'array'): unknown {
  if (kind === 'text') return doc.getText(name).toString();
  if (kind === 'map') return doc.getMap(name).toJSON();
  return doc.getArray(name).toJSON();
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function docFrom(updates: readonly Uint8Array[]): Y.Doc {
  const doc = new Y.Doc();
  applyAll(doc, null, updates);
  return doc;
}

/** The document as the SQLite store holds it (snapshot + log), read directly from the data dir. */
export async function storedDoc(dataDir: string, name: string): Promise<{ doc: Y.Doc; logLength: number; hasSnapshot: boolean }> {
  const handle = openSqlite(join(dataDir, 'rounds.db'));
  const store = new SqliteDocumentStore(handle);
  try {
    const stored = await store.load(name);
    const doc = new Y.Doc();
    applyAll(doc, stored.snapshot, stored.updates);
    return { doc, logLength: stored.updates.length, hasSnapshot: stored.snapshot !== null };
  } finally {
    await store.close();
    handle.close();
  }
}

/**
 * A V1 update that Yjs decodes completely but throws on while applying, after it has already
 * integrated part of it: client `client` inserts "ab" into root text "x", then an item whose
 * right origin names a later clock of the same client, which Yjs looks up without checking.
 * It does not depend on the target document, as long as no one else uses `client`.
 */
export function halfApplyingUpdate(client: number): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1); // one client
  encoding.writeVarUint(e, 2); // two structs
  encoding.writeVarUint(e, client);
  encoding.writeVarUint(e, 0); // first clock
  encoding.writeUint8(e, 4); // ContentString, no origins, parent follows
  encoding.writeVarUint(e, 1); // parent is a root type, by name
  encoding.writeVarString(e, 'x');
  encoding.writeVarString(e, 'ab');
  encoding.writeUint8(e, 4 | 0x40); // ContentString with a right origin
  encoding.writeVarUint(e, client);
  encoding.writeVarUint(e, 9); // a clock that does not exist
  encoding.writeVarString(e, 'c');
  encoding.writeVarUint(e, 0); // empty delete set
  return encoding.toUint8Array(e);
}
