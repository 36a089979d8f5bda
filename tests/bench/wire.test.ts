/** The bench's raw WebSocket client: handshake, frames split across TCP chunks, fragments, ping. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server, type Socket } from 'node:net';
import { createHash } from 'node:crypto';
import { connectWire, frame } from './wire.ts';

const test = suite('bench: raw WebSocket client');

/** A server frame (unmasked). */
function serverFrame(opcode: number, payload: Buffer, fin = true): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0, len]) : Buffer.from([0, 126, len >> 8, len & 0xff]);
  head[0] = (fin ? 0x80 : 0) | opcode;
  return Buffer.concat([head, payload]);
}

/** What the client sent after the upgrade: resolves once at least `n` bytes have arrived. */
type ClientBytes = (n: number) => Promise<Buffer>;

/** Accepts one connection, answers the upgrade, then hands the socket to `then`. */
function fakeServer(then: (s: Socket, clientBytes: ClientBytes) => void): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer((s) => {
      s.on('error', () => {}); // the client tears down with RST
      let upgraded = false;
      let buf: Buffer = Buffer.alloc(0);
      let received: Buffer = Buffer.alloc(0);
      let waiter: { n: number; resolve: (b: Buffer) => void } | null = null;
      const clientBytes: ClientBytes = (n) => new Promise((r) => {
        if (received.length >= n) r(received);
        else waiter = { n, resolve: r };
      });
      s.on('data', (d: Buffer) => {
        if (upgraded) {
          received = Buffer.concat([received, d]);
          if (waiter && received.length >= waiter.n) { waiter.resolve(received); waiter = null; }
          return;
        }
        buf = Buffer.concat([buf, d]);
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const key = /sec-websocket-key: (.*)\r\n/i.exec(buf.toString())![1]!;
        const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
        s.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
        upgraded = true;
        then(s, clientBytes);
      });
    });
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

test('client frames are masked with a zero key and carry the payload unchanged', () => {
  for (const len of [0, 5, 125, 126, 300, 70_000]) {
    const payload = Buffer.alloc(len, 7);
    const f = frame(0x2, payload);
    assert.is(f[0], 0x82);
    assert.ok((f[1]! & 0x80) !== 0, 'mask bit set');
    const head = len < 126 ? 6 : len < 65536 ? 8 : 14;
    assert.equal(f.subarray(head - 4, head), Buffer.alloc(4), 'zero mask key');
    assert.equal(f.subarray(head), payload);
  }
});

test('messages split across chunks, fragmented, or after a ping all arrive whole and in order', async () => {
  const big = Buffer.alloc(1000, 1);
  let fromClient!: ClientBytes;
  const { server, port } = await fakeServer((s, clientBytes) => {
    fromClient = clientBytes;
    const bytes = Buffer.concat([
      serverFrame(0x2, Buffer.from([1, 2, 3])),
      serverFrame(0x9, Buffer.from('hi')),
      serverFrame(0x2, big),
      serverFrame(0x2, Buffer.from([9]), false),
      serverFrame(0x0, Buffer.from([8, 7])),
    ]);
    // One byte at a time: every header and payload boundary falls between chunks somewhere.
    let i = 0;
    const drip = () => { if (i < bytes.length) { s.write(bytes.subarray(i, ++i)); setImmediate(drip); } };
    drip();
  });
  const got: number[][] = [];
  let done!: () => void;
  const all = new Promise<void>((r) => { done = r; });
  const ws = await connectWire({ host: '127.0.0.1', port, path: '/x' }, {
    onMessage: (d) => { got.push([...d.subarray(0, 3)]); if (got.length === 3) done(); },
    onClose: () => {},
  });
  await all;
  assert.equal(got, [[1, 2, 3], [1, 1, 1], [9, 8, 7]]);
  // The ping was answered with a (masked) pong carrying the same payload, before anything else.
  const pong = await fromClient(8);
  assert.equal([...pong.subarray(0, 8)], [0x8a, 0x82, 0, 0, 0, 0, 0x68, 0x69]);
  ws.destroy();
  server.close();
});

test('a refused upgrade rejects with the status line', async () => {
  const server = createServer((s) => s.end('HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    await connectWire({ host: '127.0.0.1', port, path: '/x' }, { onMessage: () => {}, onClose: () => {} });
    assert.unreachable('should have been refused');
  } catch (e) {
    assert.match((e as Error).message, /401 Unauthorized/);
  } finally {
    server.close();
  }
});

test.run();
