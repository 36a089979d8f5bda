/**
 * Who wrote what in a note. Yjs stamps every inserted item with the writer's clientID; the
 * `authors` map of the note document maps those ids to user ids, so any edit can be traced to a
 * user (and the DocumentReference can name its authors).
 *
 * The server keeps the map honest:
 * - before applying a client's update it calls `attributeUpdate`, which records the update's new
 *   client ids for the connection's user and refuses an id that already belongs to someone else
 *   (a client cannot write under another user's id);
 * - it refuses updates for which `touchesAuthors` is true, because clinicians have write access
 *   to the note and could otherwise rewrite the map itself. Only the server writes `authors`.
 * Yjs does not record who deleted an item (a delete set holds only the deleted ids), so deletions
 * are attributable only through the connection that sent them, e.g. in the audit log.
 */
import * as Y from 'yjs';
import { fail, ok, type Result } from './errors.ts';
import { NOTE_TYPES, SECTION_NAMES, caseNotesMap } from './note-doc.ts';

function authorsMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap(NOTE_TYPES.authors);
}

/** Records that `clientId` writes for `userId`. Idempotent; refuses a client id owned by another user. */
export function recordAuthor(doc: Y.Doc, clientId: number, userId: string, origin?: unknown): Result<void, 'ERR_CLIENT_ID_TAKEN'> {
  if (!Number.isSafeInteger(clientId) || clientId < 0) throw new TypeError('clientId must be a non-negative integer');
  if (userId.length === 0) throw new TypeError('userId must not be empty');
  const owner = authorsMap(doc).get(String(clientId));
  if (owner === userId) return ok(undefined);
  if (owner !== undefined) return fail('ERR_CLIENT_ID_TAKEN', 'this client id writes for another user');
  doc.transact(() => authorsMap(doc).set(String(clientId), userId), origin);
  return ok(undefined);
}

/** clientID → userId for every recorded writer. */
export function authorsOf(doc: Y.Doc): Map<number, string> {
  const out = new Map<number, string>();
  for (const [key, value] of authorsMap(doc).entries()) {
    const id = Number(key);
    if (typeof value === 'string' && Number.isSafeInteger(id) && String(id) === key) out.set(id, value);
  }
  return out;
}

/** Client ids that add content the document does not have yet (compared with its state vector). */
export function newClientIds(doc: Y.Doc, update: Uint8Array): number[] {
  const { to } = Y.parseUpdateMeta(update);
  const out: number[] = [];
  for (const [client, end] of to) if (end > Y.getState(doc.store, client)) out.push(client);
  return out.sort((a, b) => a - b);
}

/**
 * Attributes a client's update to `userId` before it is applied: every client id with new content
 * is recorded for that user. All-or-nothing: if any id belongs to another user nothing is
 * recorded and the update must be refused. Returns the ids recorded.
 */
export function attributeUpdate(doc: Y.Doc, update: Uint8Array, userId: string, origin?: unknown): Result<number[], 'ERR_CLIENT_ID_TAKEN'> {
  const ids = newClientIds(doc, update);
  const authors = authorsOf(doc);
  if (ids.some((id) => authors.has(id) && authors.get(id) !== userId)) {
    return fail('ERR_CLIENT_ID_TAKEN', 'the update writes under a client id of another user');
  }
  doc.transact(() => {
    for (const id of ids) if (!authors.has(id)) authorsMap(doc).set(String(id), userId);
  }, origin);
  return ok(ids);
}

type Struct = Y.Item | Y.GC | Y.Skip;

/** The struct of `doc` that contains `id`, or null when the document does not have it. */
function findInDoc(doc: Y.Doc, id: Y.ID): Struct | null {
  const structs = doc.store.clients.get(id.client);
  if (!structs || id.clock >= Y.getState(doc.store, id.client)) return null;
  return structs[Y.findIndexSS(structs, id.clock)] ?? null;
}

/** The name of the top-level type an integrated type belongs to, or null. */
function rootNameOfType(type: Y.AbstractType<unknown>): string | null {
  let t = type;
  while (t._item && t._item.parent instanceof Y.AbstractType) t = t._item.parent;
  return t._item ? null : Y.findRootTypeKey(t);
}

/**
 * Finds the top-level type of structs in the document or in a decoded update. An update's items
 * are not integrated yet: their parent is a root name, the id of the parent type's item, or
 * absent because Yjs takes it from the left or right neighbour, which may itself be in the
 * update. Chains are followed iteratively and remembered, so long runs of typing stay linear.
 *
 * null means "cannot tell" (a neighbour the document does not have yet). A GC struct is content
 * whose parent type was deleted; top-level types cannot be deleted and `authors` holds no nested
 * types, so GC'd content is never in `authors` and reports as ''.
 */
function rootResolver(doc: Y.Doc, items: readonly Y.Item[]): (struct: Struct | null) => string | null {
  const byClient = new Map<number, Y.Item[]>();
  for (const item of items) {
    const list = byClient.get(item.id.client) ?? [];
    list.push(item);
    byClient.set(item.id.client, list);
  }
  for (const list of byClient.values()) list.sort((a, b) => a.id.clock - b.id.clock);
  const inUpdate = (id: Y.ID): Y.Item | null => {
    const list = byClient.get(id.client) ?? [];
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const item = list[mid] as Y.Item;
      if (id.clock < item.id.clock) hi = mid - 1;
      else if (id.clock >= item.id.clock + item.length) lo = mid + 1;
      else return item;
    }
    return null;
  };
  const memo = new Map<Y.Item, string | null>();
  return (start) => {
    const path = new Set<Y.Item>();
    let struct = start;
    let root: string | null = null;
    for (;;) {
      if (struct instanceof Y.GC) root = '';
      else if (!(struct instanceof Y.Item) || path.has(struct)) root = null;
      else if (memo.has(struct)) root = memo.get(struct) ?? null;
      else {
        const parent = struct.parent as unknown;
        if (parent instanceof Y.AbstractType) root = rootNameOfType(parent);
        else if (typeof parent === 'string') root = parent;
        else {
          path.add(struct);
          const ref = parent instanceof Y.ID ? parent : (struct.origin ?? struct.rightOrigin);
          struct = ref ? (findInDoc(doc, ref) ?? inUpdate(ref)) : null;
          continue;
        }
      }
      break;
    }
    for (const item of path) memo.set(item, root);
    return root;
  };
}

/**
 * Whether an update inserts into or deletes from the `authors` map. Structs whose place cannot
 * be resolved (their neighbours are not in the document yet) are treated as touching it, so the
 * check fails closed.
 */
export function touchesAuthors(doc: Y.Doc, update: Uint8Array): boolean {
  const { structs, ds } = Y.decodeUpdate(update);
  const items = structs.filter((s): s is Y.Item => s instanceof Y.Item);
  const rootOf = rootResolver(doc, items);
  for (const item of items) {
    const root = rootOf(item);
    if (root === null || root === NOTE_TYPES.authors) return true;
  }
  for (const [client, deletes] of ds.clients) {
    for (const { clock, len } of deletes) {
      for (let c = clock; c < clock + len; ) {
        const found = findInDoc(doc, Y.createID(client, c));
        if (!found) break;
        if (rootOf(found) === NOTE_TYPES.authors) return true;
        c = found.id.clock + found.length;
      }
    }
  }
  return false;
}

/** Client ids of the visible (not deleted) text of a Y.Text. */
function visibleClients(text: Y.Text, into: Set<number>): void {
  for (let item = text._start; item !== null; item = item.right) {
    if (!item.deleted && item.countable) into.add(item.id.client);
  }
}

/**
 * Users whose writing is still in the note (sections and case notes), sorted. Someone who only
 * deleted, or whose text was all deleted, is not a contributor.
 */
export function contributorsOf(doc: Y.Doc): string[] {
  const clients = new Set<number>();
  for (const name of SECTION_NAMES) visibleClients(doc.getText(name), clients);
  for (const value of caseNotesMap(doc).values()) if (value instanceof Y.Text) visibleClients(value, clients);
  const authors = authorsOf(doc);
  const users = new Set<string>();
  for (const c of clients) {
    const user = authors.get(c);
    if (user !== undefined) users.add(user);
  }
  return [...users].sort();
}
