/**
 * The bench clients' side of the sync protocols, encoded by hand so that a keystroke costs the
 * load generator a few hundred nanoseconds instead of a Y.Doc transaction.
 *
 * Two dialects:
 *   y-websocket (Rounds, @y/websocket-server): varUint type, then the body.
 *       0 sync: varUint subtype (0 step1, 1 step2, 2 update), varUint8Array payload
 *   Hocuspocus: the same, but every message starts with varString documentName, and the
 *       client must first send  docName, 2 (auth), 0 (token), varString token  before anything
 *       else is processed. Extra server messages: 8 sync status (ack), 7 close.
 *
 * A keystroke is a Yjs v1 update with one struct, one Item of ContentString (ref 4):
 *   varUint 1 (clients), varUint 1 (structs), varUint client, varUint clock,
 *   info byte: 0x84 (origin set | string) → varUint originClient, varUint originClock
 *              0x04 (no origin: first keystroke) → varUint 1 (parent is a root key), varString key
 *   varString text, then the delete set: varUint 0.
 * Each client types after its own previous character (origin = its last item), which is what a
 * person typing in their own paragraph produces, and needs no knowledge of others' edits.
 * `yproto.test.ts` checks these bytes against what Yjs itself emits for the same edits.
 */

export type Dialect = 'y-websocket' | 'hocuspocus';

export const ROOT_KEY = 'note';

/** A small growable byte writer (varUint = lib0/LEB128 unsigned). */
export class ByteWriter {
  buf = new Uint8Array(64);
  len = 0;

  #room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  byte(b: number): this {
    this.#room(1);
    this.buf[this.len++] = b;
    return this;
  }

  varUint(n: number): this {
    this.#room(8);
    while (n > 0x7f) {
      this.buf[this.len++] = 0x80 | (n & 0x7f);
      n = Math.floor(n / 128);
    }
    this.buf[this.len++] = n;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.#room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  varBytes(b: Uint8Array): this {
    return this.varUint(b.length).bytes(b);
  }

  varString(s: string): this {
    return this.varBytes(new TextEncoder().encode(s));
  }

  done(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** The bytes that start every message of a client in this dialect (Hocuspocus: the doc name). */
export function messagePrefix(dialect: Dialect, doc: string): Uint8Array {
  return dialect === 'hocuspocus' ? new ByteWriter().varString(doc).done() : new Uint8Array(0);
}

export const SYNC_STEP1 = 0;
export const SYNC_STEP2 = 1;
export const SYNC_UPDATE = 2;

export function syncMessage(prefix: Uint8Array, subtype: number, payload: Uint8Array): Uint8Array {
  return new ByteWriter().bytes(prefix).varUint(0).varUint(subtype).varBytes(payload).done();
}

export function hocuspocusAuth(prefix: Uint8Array, token: string): Uint8Array {
  return new ByteWriter().bytes(prefix).varUint(2).varUint(0).varString(token).done();
}

/** An empty state vector / an empty update, as a fresh Y.Doc encodes them. */
export const EMPTY_STATE_VECTOR = new Uint8Array([0]);
export const EMPTY_UPDATE = new Uint8Array([0, 0]);

/** The Yjs update for typing `text` as the `clock`-th character(s) of `client`. */
export function keystrokeUpdate(client: number, clock: number, text: string): Uint8Array {
  const w = new ByteWriter().varUint(1).varUint(1).varUint(client).varUint(clock);
  if (clock === 0) w.byte(0x04).varUint(1).varString(ROOT_KEY);
  else w.byte(0x84).varUint(client).varUint(clock - 1);
  return w.varString(text).varUint(0).done();
}

/** A whole sync-update message for one keystroke (what goes on the wire). */
export function keystrokeMessage(prefix: Uint8Array, client: number, clock: number, text: string): Uint8Array {
  return syncMessage(prefix, SYNC_UPDATE, keystrokeUpdate(client, clock, text));
}

// ---- reading ----------------------------------------------------------------------------

export const IN_OTHER = 0;
export const IN_STEP1 = 1;
export const IN_STEP2 = 2;
export const IN_UPDATE = 3;

/** Reused by the hot path, to avoid an object per message. */
export interface Parsed {
  kind: number;
  /** Payload bounds inside the message (step1: state vector; step2/update: the update). */
  start: number;
  end: number;
  /** For IN_UPDATE / IN_STEP2: first struct's client and clock (-1 when the update has none). */
  client: number;
  clock: number;
}

export const newParsed = (): Parsed => ({ kind: IN_OTHER, start: 0, end: 0, client: -1, clock: -1 });

/** Reads a varUint at `pos`; returns the value and stores the next position in `at[0]`. */
function readVarUint(d: Uint8Array, at: number[]): number {
  let pos = at[0]!;
  let n = 0;
  let mult = 1;
  for (;;) {
    const b = d[pos++];
    if (b === undefined) throw new RangeError('truncated varint');
    n += (b & 0x7f) * mult;
    if (b < 0x80) break;
    mult *= 128;
  }
  at[0] = pos;
  return n;
}

const cursor = [0];

/** Classifies one server message. Throws RangeError on truncated input. */
export function parseIncoming(d: Uint8Array, dialect: Dialect, out: Parsed): Parsed {
  cursor[0] = 0;
  out.kind = IN_OTHER;
  out.client = -1;
  out.clock = -1;
  if (dialect === 'hocuspocus') {
    const nameLength = readVarUint(d, cursor);
    cursor[0] = cursor[0]! + nameLength; // skip the doc name
  }
  const type = readVarUint(d, cursor);
  if (type !== 0) return out;
  const sub = readVarUint(d, cursor);
  const len = readVarUint(d, cursor);
  out.start = cursor[0]!;
  out.end = out.start + len;
  if (out.end > d.length) throw new RangeError('truncated payload');
  if (sub === SYNC_STEP1) { out.kind = IN_STEP1; return out; }
  out.kind = sub === SYNC_STEP2 ? IN_STEP2 : sub === SYNC_UPDATE ? IN_UPDATE : IN_OTHER;
  if (out.kind === IN_OTHER) return out;
  // Update header: clients, then the first client's struct count, id and first clock.
  if (readVarUint(d, cursor) > 0) {
    readVarUint(d, cursor);
    out.client = readVarUint(d, cursor);
    out.clock = readVarUint(d, cursor);
  }
  return out;
}
