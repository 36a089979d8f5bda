/**
 * What the hub does with messages from other instances (see server/cluster/bus.ts): apply their
 * committed updates and awareness to the local copy and pass them to local clients, obey control
 * messages, and catch up from the store after a bus outage. Remote updates are already durable
 * (their instance committed them before publishing), so they are applied, never stored again.
 */
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import type { Logger } from 'pino';
import type { DocumentStore } from '../../db/store.ts';
import { applyAll } from '../../db/fold.ts';
import type { Bus, BusMessage, ControlMessage } from '../cluster/bus.ts';
import { CloseCode, type CloseCodeValue } from './close-codes.ts';
import type { LiveDoc } from './live-doc.ts';
import { encodeAwareness, encodeSyncUpdate } from './protocol.ts';
import type { Broadcaster, ConnectionContext } from './socket.ts';

/** Origin of updates that another instance committed and routed here. */
export const REMOTE_ORIGIN = Symbol('rounds-remote');

/** The parts of the hub the link needs. */
export interface LinkHost {
  broadcaster: Broadcaster;
  store: DocumentStore;
  logger: Logger;
  docs(): Iterable<LiveDoc>;
  discard(live: LiveDoc, code: CloseCodeValue): void;
  freeze(name: string, propagate: boolean): void;
  unfreeze(name: string, propagate: boolean): void;
  closeWhere(pred: (ctx: ConnectionContext) => boolean, code: CloseCodeValue): number;
}

/** A message another instance published for a document held here. */
export function applyRemote(host: LinkHost, live: LiveDoc, m: BusMessage): void {
  if (live.state === 'loading') { live.remoteBuffer.push(m); return; }
  if (live.state !== 'ready') return;
  if (m.kind === 'update') {
    try {
      Y.applyUpdate(live.ydoc, m.payload, REMOTE_ORIGIN);
    } catch {
      host.logger.warn({ doc: live.name }, 'remote update failed to apply; reloading document');
      host.discard(live, CloseCode.GOING_AWAY);
      return;
    }
    host.broadcaster.publish(live.topic, encodeSyncUpdate(m.payload));
    return;
  }
  try {
    awarenessProtocol.applyAwarenessUpdate(live.awareness, m.payload, REMOTE_ORIGIN);
  } catch {
    return;
  }
  host.broadcaster.publish(live.topic, encodeAwareness(m.payload));
}

export function applyControl(host: LinkHost, m: ControlMessage): void {
  const code = ('code' in m ? m.code : CloseCode.GOING_AWAY) as CloseCodeValue;
  if (m.type === 'freeze') host.freeze(m.doc, false);
  else if (m.type === 'unfreeze') host.unfreeze(m.doc, false);
  else if (m.type === 'close-docs') host.closeWhere((c) => m.docs.includes(c.docName), code);
  else if (m.type === 'close-session') host.closeWhere((c) => c.sid === m.sid, code);
  else if (m.type === 'close-user') host.closeWhere((c) => c.sub === m.sub, code);
}

/** After a bus outage anything published meanwhile was lost: catch every loaded document up from the store. */
export async function resyncAll(host: LinkHost): Promise<void> {
  for (const live of [...host.docs()]) {
    if (live.state !== 'ready') continue;
    try {
      const stored = await host.store.load(live.name);
      if (live.state !== 'ready') continue;
      const before = Y.encodeStateVector(live.ydoc);
      applyAll(live.ydoc, stored.snapshot, stored.updates, REMOTE_ORIGIN);
      host.broadcaster.publish(live.topic, encodeSyncUpdate(Y.encodeStateAsUpdate(live.ydoc, before)));
    } catch (e) {
      host.logger.warn({ doc: live.name, err: (e as Error).name }, 'resync after bus outage failed');
    }
  }
}

/** Where a connection's awareness goes besides local clients: to the other instances. */
export function awarenessRelay(bus: Bus | undefined, live: LiveDoc): (update: Uint8Array) => void {
  return bus ? (u) => bus.publish(live.name, 'awareness', u) : () => {};
}
