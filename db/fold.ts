/**
 * Folds a snapshot and a list of updates into one encoded state.
 *
 * Never `Y.mergeUpdates` over a long log: it is quadratic on long histories. Applying the
 * updates to a Y.Doc in one transaction and encoding the result is linear.
 */
import * as Y from 'yjs';

export function foldUpdates(snapshot: Uint8Array | null, updates: readonly Uint8Array[]): Uint8Array {
  const doc = new Y.Doc({ gc: true });
  try {
    applyAll(doc, snapshot, updates);
    return Y.encodeStateAsUpdate(doc);
  } finally {
    doc.destroy();
  }
}

export function applyAll(doc: Y.Doc, snapshot: Uint8Array | null, updates: readonly Uint8Array[], origin: unknown = null): void {
  doc.transact(() => {
    if (snapshot) Y.applyUpdate(doc, snapshot, origin);
    for (const u of updates) Y.applyUpdate(doc, u, origin);
  }, origin);
}
