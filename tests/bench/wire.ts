/**
 * A minimal WebSocket client over a raw TCP socket, for the load generator.
 *
 * Why not `ws`: the load generator shares a 2-core machine with the server it measures, so each
 * received message must cost as little as possible. Frames are parsed straight out of the TCP
 * chunks (many small server frames usually arrive in one chunk), with no per-message event
 * objects; reads bypass the stream machinery too (`onread`: the kernel's bytes land in one shared
 * buffer and are parsed in the callback, so nothing may keep a view of it past that call).
 *
 * Wire format (RFC 6455, the parts used here):
 *   byte 0  FIN bit + opcode (1 text, 2 binary, 8 close, 9 ping, 10 pong, 0 continuation)
 *   byte 1  MASK bit + payload length (0-125, or 126 → 16-bit length follows, 127 → 64-bit)
 *   then a 4-byte mask key when MASK is set, then the payload.
 * Clients must mask their frames. We use the all-zero mask key, which the RFC allows the server
 * to accept (it cannot tell) and which leaves the payload unchanged, so sending is one copy.
 * Server frames are never masked.
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export interface WireHandlers {
  /**
   * A complete binary (or text) message. `data` is only valid during the call. The socket is
   * passed along because the first messages can arrive with the upgrade response, before
   * `connectWire` has resolved.
   */
  onMessage(data: Uint8Array, ws: WireSocket): void;
  /** The connection ended (close frame, TCP end, or error). Called once. */
  onClose(reason: string): void;
}

export class WireSocket {
  #sock: Socket;
  #h: WireHandlers;
  #pending: Buffer | null = null;
  #fragments: Buffer[] = [];
  #closed = false;

  /** `read` is handed this socket's reader: every chunk read from then on goes to it. */
  constructor(sock: Socket, h: WireHandlers, leftover: Buffer, read: (reader: (chunk: Buffer) => void) => void) {
    this.#sock = sock;
    this.#h = h;
    read((chunk) => this.#onData(chunk));
    sock.on('close', () => this.#finish('tcp closed'));
    sock.on('error', (e) => this.#finish(`tcp error: ${e.message}`));
    if (leftover.length > 0) this.#onData(leftover);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sends one binary message. */
  send(payload: Uint8Array): void {
    if (this.#closed) return;
    this.#sock.write(frame(0x2, payload));
  }

  /** Sends several binary messages in one TCP write. */
  sendMany(payloads: readonly Uint8Array[]): void {
    if (this.#closed || payloads.length === 0) return;
    this.#sock.write(Buffer.concat(payloads.map((p) => frame(0x2, p))));
  }

  /** Resolves once everything written so far has been handed to the kernel. */
  flushed(): Promise<void> {
    if (this.#closed || this.#sock.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => this.#sock.write(Buffer.alloc(0), () => resolve()));
  }

  /** A polite close: close frame, then the server ends the TCP connection. */
  close(code = 1000): void {
    if (this.#closed) return;
    const body = Buffer.alloc(2);
    body.writeUInt16BE(code);
    this.#sock.write(frame(0x8, body));
    this.#sock.end();
  }

  /** Tear down without the closing handshake (RST, so no TIME_WAIT is left behind). */
  destroy(): void {
    if (this.#sock.destroyed) return;
    this.#sock.resetAndDestroy();
  }

  #finish(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#h.onClose(reason);
  }

  #onData(chunk: Buffer): void {
    let buf = chunk;
    if (this.#pending) {
      buf = Buffer.concat([this.#pending, chunk]);
      this.#pending = null;
    }
    let pos = 0;
    while (buf.length - pos >= 2) {
      const b0 = buf[pos]!;
      const b1 = buf[pos + 1]!;
      let len = b1 & 0x7f;
      let head = 2;
      if (len === 126) {
        if (buf.length - pos < 4) break;
        len = buf.readUInt16BE(pos + 2);
        head = 4;
      } else if (len === 127) {
        if (buf.length - pos < 10) break;
        len = Number(buf.readBigUInt64BE(pos + 2));
        head = 10;
      }
      if (b1 & 0x80) head += 4; // a masking server would be broken; we only skip the key
      if (buf.length - pos < head + len) break;
      const payload = buf.subarray(pos + head, pos + head + len);
      pos += head + len;
      this.#frame(b0 & 0x80 ? true : false, b0 & 0x0f, payload);
      if (this.#closed) return;
    }
    if (pos < buf.length) this.#pending = Buffer.from(buf.subarray(pos));
  }

  #frame(fin: boolean, opcode: number, payload: Buffer): void {
    switch (opcode) {
      case 0x0: // continuation
      case 0x1:
      case 0x2:
        if (!fin) { this.#fragments.push(Buffer.from(payload)); return; }
        if (this.#fragments.length > 0) {
          this.#fragments.push(payload);
          const whole = Buffer.concat(this.#fragments);
          this.#fragments = [];
          this.#h.onMessage(whole, this);
        } else {
          this.#h.onMessage(payload, this);
        }
        return;
      case 0x8: {
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        if (!this.#sock.destroyed) { this.#sock.write(frame(0x8, payload.subarray(0, 2))); this.#sock.end(); }
        this.#finish(`close frame ${code} ${payload.subarray(2).toString()}`);
        return;
      }
      case 0x9:
        this.#sock.write(frame(0xa, payload));
        return;
      default:
        return; // pong or reserved: nothing to do
    }
  }
}

/** Encodes one masked (zero key) client frame. */
export function frame(opcode: number, payload: Uint8Array): Buffer {
  const len = payload.length;
  const head = len < 126 ? 6 : len < 65536 ? 8 : 14;
  const out = Buffer.allocUnsafe(head + len);
  out[0] = 0x80 | opcode;
  if (len < 126) {
    out[1] = 0x80 | len;
  } else if (len < 65536) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(BigInt(len), 2);
  }
  out.writeUInt32BE(0, head - 4);
  out.set(payload, head);
  return out;
}

export interface ConnectOptions {
  host: string;
  port: number;
  /** Request path including the query string. */
  path: string;
  timeoutMs?: number;
}

/** Every socket's reads land here; each chunk is parsed (and what must outlive it copied) at once. */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

/** Opens a TCP connection, performs the HTTP upgrade, and returns the socket. */
export function connectWire(o: ConnectOptions, h: WireHandlers): Promise<WireSocket> {
  return new Promise((resolve, reject) => {
    const key = randomBytes(16).toString('base64');
    let reader = (chunk: Buffer) => onData(chunk);
    const sock = tcpConnect({
      host: o.host, port: o.port, noDelay: true,
      onread: { buffer: READ_BUFFER, callback: (n: number, buf: Uint8Array) => { reader((buf as Buffer).subarray(0, n)); return true; } },
    });
    let head = Buffer.alloc(0);
    let done = false;
    const fail = (why: string) => {
      if (done) return;
      done = true;
      sock.destroy();
      reject(new Error(why));
    };
    const timer = setTimeout(() => fail(`upgrade timed out after ${o.timeoutMs ?? 10_000} ms`), o.timeoutMs ?? 10_000);
    sock.once('error', (e) => { clearTimeout(timer); fail(`connect failed: ${e.message}`); });
    sock.once('connect', () => {
      sock.write(
        `GET ${o.path} HTTP/1.1\r\nHost: ${o.host}:${o.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      reader = () => {};
      clearTimeout(timer);
      const lines = head.subarray(0, end).toString('latin1').split('\r\n');
      if (!/^HTTP\/1\.1 101/.test(lines[0] ?? '')) return fail(`upgrade refused: ${lines[0] ?? '(no status line)'}`);
      const accept = lines.find((l) => l.toLowerCase().startsWith('sec-websocket-accept:'))?.slice(21).trim();
      const want = createHash('sha1').update(key + GUID).digest('base64');
      if (accept !== want) return fail('bad Sec-WebSocket-Accept');
      done = true;
      sock.removeAllListeners('error');
      resolve(new WireSocket(sock, h, head.subarray(end + 4), (r) => { reader = r; }));
    };
  });
}
