/**
 * The y-websocket wire protocol, decoded strictly.
 *
 * Every message is a lib0 varint message type followed by its body:
 *
 *   0 sync       varUint subtype, then varUint8Array payload
 *                  subtype 0 step1   payload = state vector   ("what I have")
 *                  subtype 1 step2   payload = update          ("what you lack")
 *                  subtype 2 update  payload = update          (a live change)
 *   1 awareness  varUint8Array awareness update
 *                  = varUint count, then count × (varUint clientID, varUint clock, varString JSON state)
 *   2 auth       varUint 0 (permission denied), then varString reason      (server → client only)
 *   3 query awareness   no body                                             (client asks for all states)
 *
 * lib0's decoder reads past the end of a buffer without complaint (it yields `undefined`), so
 * this module checks every length itself and refuses trailing bytes. A message either decodes
 * completely or is refused with a typed error; nothing half-decoded reaches the document.
 */
import * as encoding from 'lib0/encoding';

export const messageSync = 0;
export const messageAwareness = 1;
export const messageAuth = 2;
export const messageQueryAwareness = 3;

export const syncStep1 = 0;
export const syncStep2 = 1;
export const syncUpdate = 2;

export const authPermissionDenied = 0;

export type Incoming =
  | { type: 'sync-step1'; stateVector: Uint8Array }
  | { type: 'sync-step2'; update: Uint8Array }
  | { type: 'sync-update'; update: Uint8Array }
  | { type: 'awareness'; update: Uint8Array }
  | { type: 'auth' }
  | { type: 'query-awareness' };

export type ProtocolErrorCode = 'ERR_MALFORMED_MESSAGE' | 'ERR_UNKNOWN_MESSAGE_TYPE';

export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;
  constructor(code: ProtocolErrorCode, message: string) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
  }
}

const malformed = (why: string) => new ProtocolError('ERR_MALFORMED_MESSAGE', why);

/** A bounds-checked cursor over one message. */
export class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.pos === this.buf.length;
  }

  varUint(): number {
    let num = 0;
    let mult = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.buf.length) throw malformed('truncated varint');
      const b = this.buf[this.pos++]!;
      num += (b & 0x7f) * mult;
      if (num > Number.MAX_SAFE_INTEGER) throw malformed('varint out of range');
      if (b < 0x80) return num;
      mult *= 128;
    }
    throw malformed('varint too long');
  }

  bytes(len: number): Uint8Array {
    if (len > this.buf.length - this.pos) throw malformed('length exceeds message');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  varBytes(): Uint8Array {
    return this.bytes(this.varUint());
  }

  varString(): string {
    const raw = this.varBytes();
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      throw malformed('invalid utf-8 string');
    }
  }

  end(): void {
    if (!this.done) throw malformed('trailing bytes after message');
  }
}

export function decodeMessage(buf: Uint8Array): Incoming {
  const r = new Reader(buf);
  const type = r.varUint();
  let msg: Incoming;
  switch (type) {
    case messageSync: {
      const sub = r.varUint();
      const payload = r.varBytes();
      if (sub === syncStep1) msg = { type: 'sync-step1', stateVector: payload };
      else if (sub === syncStep2) msg = { type: 'sync-step2', update: payload };
      else if (sub === syncUpdate) msg = { type: 'sync-update', update: payload };
      else throw malformed('unknown sync subtype');
      break;
    }
    case messageAwareness:
      msg = { type: 'awareness', update: r.varBytes() };
      break;
    case messageAuth:
      r.varUint();
      r.varString();
      msg = { type: 'auth' };
      break;
    case messageQueryAwareness:
      msg = { type: 'query-awareness' };
      break;
    default:
      throw new ProtocolError('ERR_UNKNOWN_MESSAGE_TYPE', 'unknown message type');
  }
  r.end();
  return msg;
}

export interface AwarenessEntry { clientID: number; clock: number; state: unknown }

/** Decodes an awareness update fully (JSON included) so that garbage never reaches Awareness. */
export function decodeAwarenessUpdate(update: Uint8Array): AwarenessEntry[] {
  const r = new Reader(update);
  const count = r.varUint();
  if (count > 10_000) throw malformed('too many awareness entries');
  const out: AwarenessEntry[] = [];
  for (let i = 0; i < count; i++) {
    const clientID = r.varUint();
    const clock = r.varUint();
    let state: unknown;
    try {
      state = JSON.parse(r.varString());
    } catch (e) {
      if (e instanceof ProtocolError) throw e;
      throw malformed('awareness state is not JSON');
    }
    out.push({ clientID, clock, state });
  }
  r.end();
  return out;
}

function frame(write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder();
  write(e);
  return encoding.toUint8Array(e);
}

export const encodeSyncStep1 = (stateVector: Uint8Array) =>
  frame((e) => { encoding.writeVarUint(e, messageSync); encoding.writeVarUint(e, syncStep1); encoding.writeVarUint8Array(e, stateVector); });

export const encodeSyncStep2 = (update: Uint8Array) =>
  frame((e) => { encoding.writeVarUint(e, messageSync); encoding.writeVarUint(e, syncStep2); encoding.writeVarUint8Array(e, update); });

export const encodeSyncUpdate = (update: Uint8Array) =>
  frame((e) => { encoding.writeVarUint(e, messageSync); encoding.writeVarUint(e, syncUpdate); encoding.writeVarUint8Array(e, update); });

export const encodeAwareness = (update: Uint8Array) =>
  frame((e) => { encoding.writeVarUint(e, messageAwareness); encoding.writeVarUint8Array(e, update); });

export const encodeQueryAwareness = () => frame((e) => encoding.writeVarUint(e, messageQueryAwareness));

export const encodePermissionDenied = (reason: string) =>
  frame((e) => { encoding.writeVarUint(e, messageAuth); encoding.writeVarUint(e, authPermissionDenied); encoding.writeVarString(e, reason); });
