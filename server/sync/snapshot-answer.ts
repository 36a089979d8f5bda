/**
 * While a document loads, a client that asked for sync (step 1) can be answered straight from the
 * stored snapshot when it is the whole committed state (no log after it): no Y.Doc is needed to
 * compute the difference, and the client is synced before the document is applied in memory
 * (applying a large snapshot blocks the event loop: 0.2-0.7 s for a 620 KiB one).
 *
 * Both orders are covered: a step 1 already queued when the store answers (`answerQueued`), and
 * one that arrives after the store answered but before the apply (`snapshotAnswer`, called by the
 * hub for each incoming message; the hub gives sockets one poll of the event loop before it
 * applies).
 */
import * as Y from 'yjs';
import type { Connection } from './connection.ts';
import { decodeMessage, encodeSyncStep2 } from './protocol.ts';

/** The sync step 2 answering `data` from `snapshot`, or null when `data` is not a well-formed step 1. */
export function snapshotAnswer(snapshot: Uint8Array, data: Uint8Array): Uint8Array | null {
  let msg;
  try { msg = decodeMessage(data); } catch { return null; }
  if (msg.type !== 'sync-step1') return null;
  try {
    return encodeSyncStep2(isEmptyStateVector(msg.stateVector) ? snapshot : Y.diffUpdate(snapshot, msg.stateVector));
  } catch {
    return null; // a malformed state vector is closed for by the normal path
  }
}

/** Answers each of `conns` whose open is on record and whose first queued message is a step 1. */
export function answerQueued(conns: Iterable<Connection>, snapshot: Uint8Array): void {
  for (const conn of conns) {
    const first = conn.queue[0];
    if (!first || !conn.open || !conn.recorded) continue;
    const answer = snapshotAnswer(snapshot, first);
    if (!answer) continue;
    conn.queue.shift();
    conn.send(answer);
  }
}

const isEmptyStateVector = (sv: Uint8Array): boolean => sv.length === 1 && sv[0] === 0;
