/**
 * While a document loads, a client that asked for sync (step 1) can be answered straight from the
 * stored snapshot when it is the whole committed state (no log after it): no Y.Doc is needed to
 * compute the difference, and the client is synced before the document is applied in memory.
 */
import * as Y from 'yjs';
import type { LiveDoc } from './live-doc.ts';
import { decodeMessage, encodeSyncStep2 } from './protocol.ts';

export function answerFromSnapshot(live: LiveDoc, snapshot: Uint8Array): void {
  for (const conn of live.conns) {
    const first = conn.queue[0];
    if (!first || !conn.open) continue;
    let msg;
    try { msg = decodeMessage(first); } catch { continue; }
    if (msg.type !== 'sync-step1') continue;
    let diff: Uint8Array;
    try {
      diff = isEmptyStateVector(msg.stateVector) ? snapshot : Y.diffUpdate(snapshot, msg.stateVector);
    } catch {
      continue; // a malformed state vector is closed for by the normal path
    }
    conn.queue.shift();
    conn.send(encodeSyncStep2(diff));
  }
}

const isEmptyStateVector = (sv: Uint8Array): boolean => sv.length === 1 && sv[0] === 0;
