/**
 * Awareness (presence, cursors): validated, owned per connection, forwarded at a limited rate,
 * and removed when the connection that set it closes.
 */
import * as awarenessProtocol from 'y-protocols/awareness';
import * as encoding from 'lib0/encoding';
import { decodeAwarenessUpdate, encodeAwareness, type AwarenessEntry } from './protocol.ts';
import type { Connection } from './connection.ts';
import type { LiveDoc } from './live-doc.ts';
import type { Broadcaster } from './socket.ts';

export type AwarenessResult = 'ok' | 'malformed';

/**
 * Stock y-websocket clients re-send every awareness change they receive, including other
 * clients' states. Entries for a clientID that another connection owns are therefore dropped
 * here (not treated as an attack): a connection speaks only for the clientIDs it set first.
 */
export function handleAwareness(conn: Connection, update: Uint8Array, minIntervalMs: number, now: number): AwarenessResult {
  let entries;
  try {
    entries = decodeAwarenessUpdate(update);
  } catch {
    return 'malformed';
  }
  const live = conn.live;
  const own = entries.filter((e) => {
    const owner = live.awarenessOwner.get(e.clientID);
    return owner === undefined || owner === conn;
  });
  if (own.length === 0) return 'ok';
  const mine = own.length === entries.length ? update : encodeAwarenessEntries(own);
  const before = new Map(own.map((e) => [e.clientID, live.awareness.meta.get(e.clientID)?.clock ?? -1]));
  awarenessProtocol.applyAwarenessUpdate(live.awareness, mine, conn);
  for (const e of own) {
    // Only claim IDs whose state this message actually set (Awareness ignores stale clocks).
    const accepted = (live.awareness.meta.get(e.clientID)?.clock ?? -1) !== before.get(e.clientID) || e.state === null;
    if (!accepted) continue;
    if (e.state === null) {
      live.awarenessOwner.delete(e.clientID);
      conn.awarenessIds.delete(e.clientID);
    } else {
      live.awarenessOwner.set(e.clientID, conn);
      conn.awarenessIds.add(e.clientID);
    }
  }
  forwardLimited(conn, encodeAwareness(mine), minIntervalMs, now);
  return 'ok';
}

function encodeAwarenessEntries(entries: AwarenessEntry[]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, entries.length);
  for (const x of entries) {
    encoding.writeVarUint(e, x.clientID);
    encoding.writeVarUint(e, x.clock);
    encoding.writeVarString(e, JSON.stringify(x.state));
  }
  return encoding.toUint8Array(e);
}

/** At most one forward per interval per connection; a burst collapses to its latest message. */
function forwardLimited(conn: Connection, msg: Uint8Array, minIntervalMs: number, now: number): void {
  const wait = conn.awarenessSentAt + minIntervalMs - now;
  if (wait <= 0 && !conn.awarenessTimer) {
    conn.awarenessSentAt = now;
    conn.socket.publish(conn.live.topic, msg);
    return;
  }
  conn.awarenessPending = msg;
  if (conn.awarenessTimer) return;
  conn.awarenessTimer = setTimeout(() => {
    conn.awarenessTimer = null;
    const pending = conn.awarenessPending;
    conn.awarenessPending = null;
    if (pending && conn.open) {
      conn.awarenessSentAt = Date.now();
      conn.socket.publish(conn.live.topic, pending);
    }
  }, Math.max(wait, 1));
}

/** All current states, for a new client or a query-awareness request; null when there are none. */
export function fullAwareness(live: LiveDoc): Uint8Array | null {
  const ids = [...live.awareness.getStates().keys()];
  if (ids.length === 0) return null;
  return encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(live.awareness, ids));
}

/** Removes the states a closed connection had set and tells everyone else. */
export function removeConnectionAwareness(conn: Connection, broadcaster: Broadcaster): void {
  const live = conn.live;
  const ids = [...conn.awarenessIds].filter((id) => live.awarenessOwner.get(id) === conn);
  conn.awarenessIds.clear();
  if (ids.length === 0 || live.state === 'gone') return;
  for (const id of ids) live.awarenessOwner.delete(id);
  const present = ids.filter((id) => live.awareness.getStates().has(id));
  awarenessProtocol.removeAwarenessStates(live.awareness, ids, 'closed');
  if (present.length > 0) {
    broadcaster.publish(live.topic, encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(live.awareness, present)));
  }
}
