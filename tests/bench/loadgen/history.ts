/**
 * Cold load: build a document with a long edit history, push that history through the server
 * under test, then time how long a new client takes to be synced.
 *
 * The history is made by real Y.Docs (one per author, each seeing only its own edits, as in
 * typing.ts): appends, inserts in the middle of the author's own text, and deletions, so the
 * stored state has many items and tombstones rather than one merged run. The same seed gives
 * the same history for every server.
 */
import * as Y from 'yjs';
import { performance } from 'node:perf_hooks';
import { ROOT_KEY, SYNC_UPDATE, syncMessage } from '../yproto.ts';
import { BenchClient, connectAll, type Target } from './client.ts';

export interface History {
  updates: Uint8Array[];
  /** Expected final text length and each author's next clock. */
  textLength: number;
  clocks: Record<number, number>;
}

export const HISTORY_FIRST_AUTHOR = 1_000_000;

export function makeHistory(count: number, authors: number, seed: number): History {
  let s = seed >>> 0 || 1;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const docs = Array.from({ length: authors }, (_, a) => {
    const d = new Y.Doc();
    d.clientID = HISTORY_FIRST_AUTHOR + a;
    return d;
  });
  const updates: Uint8Array[] = [];
  for (const d of docs) d.on('update', (u: Uint8Array) => updates.push(u));
  while (updates.length < count) {
    const t = docs[Math.floor(rand() * authors)]!.getText(ROOT_KEY);
    const r = rand();
    if (t.length > 20 && r < 0.15) t.delete(Math.floor(rand() * t.length), 1);
    else if (t.length > 0 && r < 0.4) t.insert(Math.floor(rand() * t.length), String.fromCharCode(97 + Math.floor(rand() * 26)));
    else t.insert(t.length, String.fromCharCode(97 + Math.floor(rand() * 26)));
  }
  const clocks: Record<number, number> = {};
  let textLength = 0;
  for (const d of docs) {
    clocks[d.clientID] = Y.getState(d.store, d.clientID);
    textLength += d.getText(ROOT_KEY).length;
    d.destroy();
  }
  return { updates, textLength, clocks };
}

export interface UploadResult {
  updates: number;
  ms: number;
}

/**
 * Sends the history in batches and waits, after each batch, until an observer client has
 * received every update so far (the server applied, and for Rounds committed, all of them).
 */
export async function uploadHistory(target: Target, doc: string, h: History, batch = 500): Promise<UploadResult> {
  const writer = new BenchClient(target, doc, { clientID: 1 });
  const observer = new BenchClient(target, doc, { clientID: 2 });
  await connectAll([writer, observer], 1);
  const messages = h.updates.map((u) => syncMessage(writer.prefix, SYNC_UPDATE, u));
  const t0 = performance.now();
  try {
    for (let i = 0; i < messages.length; i += batch) {
      const part = messages.slice(i, i + batch);
      writer.sendRaw(part);
      await observer.receivedAtLeast(i + part.length, 60_000);
    }
    return { updates: messages.length, ms: performance.now() - t0 };
  } finally {
    writer.close();
    observer.close();
  }
}

export interface LoadResult {
  /** From starting the TCP connection to receiving the server's sync step 2. */
  ms: number;
  bytes: number;
  textLength: number;
  /** The loaded document has every author's full history and the expected text. */
  complete: boolean;
  /** Handshakes the server dropped before this load succeeded. */
  retries: number;
}

/** Connects a fresh client, times its sync, then checks what it received. */
export async function timeLoad(target: Target, doc: string, expected: Pick<History, 'textLength' | 'clocks'>): Promise<LoadResult> {
  const c = new BenchClient(target, doc, { clientID: 3, keepState: true });
  await c.prepare();
  let ms = 0;
  let retries = 0;
  for (;;) {
    // Only the successful attempt is timed; failed handshakes are counted.
    const t0 = performance.now();
    try {
      await c.connect();
      ms = performance.now() - t0;
      break;
    } catch (e) {
      if (++retries >= 3) throw e;
    }
  }
  c.close();
  const state = c.state ?? new Uint8Array(0);
  const d = new Y.Doc();
  try {
    Y.applyUpdate(d, state);
    const textLength = d.getText(ROOT_KEY).length;
    const complete = textLength === expected.textLength &&
      Object.entries(expected.clocks).every(([client, clock]) => Y.getState(d.store, Number(client)) === clock);
    return { ms, bytes: state.length, textLength, complete, retries };
  } finally {
    d.destroy();
  }
}

/** Each author's clock as stored by the server (what a fresh client receives). */
export async function fetchClocks(target: Target, doc: string): Promise<Map<number, number>> {
  const c = new BenchClient(target, doc, { clientID: 4, keepState: true });
  await connectAll([c], 1);
  c.close();
  const d = new Y.Doc();
  try {
    Y.applyUpdate(d, c.state ?? new Uint8Array([0, 0]));
    return Y.decodeStateVector(Y.encodeStateVector(d));
  } finally {
    d.destroy();
  }
}
