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
 * clients' states (echoes). Entries for a clientID that another connection owns are dropped, and
 * only entries that changed something are forwarded: an echo must never be forwarded, and must
 * never replace a client's own pending state in the rate limiter.
 */
export function handleAwareness(conn: Connection, update: Uint8Array, minIntervalMs: number, now: number, relay?: Relay): AwarenessResult {
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
  const before = new Map(own.map((e) => [e.clientID, { clock: live.awareness.meta.get(e.clientID)?.clock ?? -1, had: live.awareness.getStates().has(e.clientID) }]));
  awarenessProtocol.applyAwarenessUpdate(live.awareness, own.length === entries.length ? update : encodeAwarenessEntries(own), conn);
  const accepted = own.filter((e) => {
    const b = before.get(e.clientID)!;
    return (live.awareness.meta.get(e.clientID)?.clock ?? -1) !== b.clock || (e.state === null && b.had);
  });
  for (const e of accepted) {
    if (e.state === null) {
      live.awarenessOwner.delete(e.clientID);
      conn.awarenessIds.delete(e.clientID);
    } else {
      live.awarenessOwner.set(e.clientID, conn);
      conn.awarenessIds.add(e.clientID);
    }
  }
  if (accepted.length > 0) forwardLimited(conn, accepted, minIntervalMs, now, relay);
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

/** Sends an awareness update to other instances (set when the server runs as a cluster). */
export type Relay = (update: Uint8Array) => void;

/**
 * At most one forward per interval per connection. While waiting, the latest entry per clientID
 * is kept, so a burst collapses without losing any client's final state.
 */
function forwardLimited(conn: Connection, entries: AwarenessEntry[], minIntervalMs: number, now: number, relay?: Relay): void {
  const wait = conn.awarenessSentAt + minIntervalMs - now;
  if (wait <= 0 && !conn.awarenessTimer) {
    conn.awarenessSentAt = now;
    const update = encodeAwarenessEntries(entries);
    conn.socket.publish(conn.live.topic, encodeAwareness(update));
    relay?.(update);
    return;
  }
  for (const e of entries) conn.awarenessPending.set(e.clientID, e);
  conn.awarenessRelay = relay ?? null;
  if (conn.awarenessTimer) return;
  conn.awarenessTimer = setTimeout(() => {
    conn.awarenessTimer = null;
    const pending = takePendingAwareness(conn);
    if (pending && conn.open) {
      conn.awarenessSentAt = Date.now();
      conn.socket.publish(conn.live.topic, encodeAwareness(pending));
      conn.awarenessRelay?.(pending);
    }
  }, Math.max(wait, 1));
}

/** The rate-limited entries not yet forwarded, as one awareness update (or null), and clears them. */
export function takePendingAwareness(conn: Connection): Uint8Array | null {
  if (conn.awarenessPending.size === 0) return null;
  const update = encodeAwarenessEntries([...conn.awarenessPending.values()]);
  conn.awarenessPending.clear();
  return update;
}

/** All current states, for a new client or a query-awareness request; null when there are none. */
export function fullAwareness(live: LiveDoc): Uint8Array | null {
  const ids = [...live.awareness.getStates().keys()];
  if (ids.length === 0) return null;
  return encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(live.awareness, ids));
}

/** Removes the states a closed connection had set and tells everyone else. */
export function removeConnectionAwareness(conn: Connection, broadcaster: Broadcaster, relay?: Relay): void {
  const live = conn.live;
  const ids = [...conn.awarenessIds].filter((id) => live.awarenessOwner.get(id) === conn);
  conn.awarenessIds.clear();
  if (ids.length === 0 || live.state === 'gone') return;
  for (const id of ids) live.awarenessOwner.delete(id);
  const present = ids.filter((id) => live.awareness.getStates().has(id));
  awarenessProtocol.removeAwarenessStates(live.awareness, ids, 'closed');
  if (present.length > 0) {
    const update = awarenessProtocol.encodeAwarenessUpdate(live.awareness, present);
    broadcaster.publish(live.topic, encodeAwareness(update));
    relay?.(update);
  }
}
