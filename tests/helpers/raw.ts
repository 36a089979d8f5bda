/**
 * Test support: a raw `ws` client that speaks bytes (for bad input, auth and fuzz tests), and a
 * probe of the HTTP upgrade answer (status and JSON body) when the server refuses a socket.
 */
import WebSocket from 'ws';
import * as decoding from 'lib0/decoding';
import { wsUrl } from './server.ts';

export interface CloseInfo { code: number; reason: string }

export interface RawClient {
  ws: WebSocket;
  /** Every binary message received from the server, in order. */
  received: Uint8Array[];
  /** Resolves when the socket closes, with the code the server sent (1006 when none). */
  closed: Promise<CloseInfo>;
  readonly isClosed: boolean;
  send(data: Uint8Array | string): void;
  /** Resolves once a received message satisfies `pred`, or rejects when the socket closes first. */
  until(pred: (m: Uint8Array) => boolean, what: string): Promise<Uint8Array>;
  close(): void;
}

export function docUrl(port: number, docName: string, token?: string): string {
  const base = `${wsUrl(port)}/${encodeURIComponent(docName).replace(/%2F/g, '/')}`;
  return token === undefined ? base : `${base}?token=${encodeURIComponent(token)}`;
}

/** Opens a raw connection; rejects if the upgrade is refused. */
export function rawConnect(url: string, protocols?: string[]): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    ws.binaryType = 'nodebuffer';
    const received: Uint8Array[] = [];
    const waiters = new Set<{ pred: (m: Uint8Array) => boolean; ok: (m: Uint8Array) => void; fail: (e: Error) => void; what: string }>();
    let isClosed = false;
    const closed = new Promise<CloseInfo>((res) => {
      ws.on('close', (code, reason) => {
        isClosed = true;
        for (const w of waiters) w.fail(new Error(`socket closed (${code}) before ${w.what}`));
        waiters.clear();
        res({ code, reason: reason.toString() });
      });
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return;
      const m = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      received.push(m);
      for (const w of [...waiters]) if (w.pred(m)) { waiters.delete(w); w.ok(m); }
    });
    ws.on('error', (e) => { if (process.env.RAW_DEBUG) console.log('raw error', e.message); });
    ws.once('unexpected-response', (req, res) => {
      reject(new Error(`upgrade refused with ${res.statusCode}`));
      res.socket.destroy();
      req.destroy();
    });
    ws.once('open', () => {
      resolve({
        ws, received, closed,
        get isClosed() { return isClosed; },
        send: (d) => { if (ws.readyState === WebSocket.OPEN) ws.send(d, { binary: typeof d !== 'string' }); },
        until: (pred, what) => {
          const hit = received.find(pred);
          if (hit) return Promise.resolve(hit);
          if (isClosed) return Promise.reject(new Error(`socket closed before ${what}`));
          return new Promise((ok, fail) => { waiters.add({ pred, ok, fail, what }); });
        },
        close: () => { if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(1000); },
      });
    });
    ws.once('close', (code) => reject(new Error(`closed (${code}) before open`)));
  });
}

export interface UpgradeProbe {
  /**
   * Close only after the server's first message (the sync greeting: the hub has taken the socket
   * over and opened the document). uWS 20.30 rarely drops a fresh socket before that
   * (server/transport/uws.ts); such a connection is tried again, up to 4 times in all.
   */
  firstMessage?: boolean;
}

/** What the server answered to an upgrade: 101 (the socket is closed again at once) or a refusal. */
export async function upgradeAnswer(url: string, protocols?: string[], probe: UpgradeProbe = {}): Promise<{ status: number; body: string; protocol?: string }> {
  let answer = await upgradeOnce(url, protocols, probe);
  for (let i = 1; i < 4 && answer.status === 0; i++) answer = await upgradeOnce(url, protocols, probe);
  return answer;
}

/** The HTTP status a sync upgrade for `docName` with `token` gets (101 when it succeeds). */
export async function upgradeStatus(port: number, docName: string, token: string, probe: UpgradeProbe = {}): Promise<number> {
  return (await upgradeAnswer(docUrl(port, docName, token), undefined, probe)).status;
}

/** One upgrade; status 0 when the socket closed before the first message `probe` waits for. */
function upgradeOnce(url: string, protocols: string[] | undefined, probe: UpgradeProbe): Promise<{ status: number; body: string; protocol?: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    // Waiting for the first message, a dropped socket (an error, then a close) answers status 0.
    ws.on('error', (e) => { if (!probe.firstMessage) reject(e); });
    if (probe.firstMessage) ws.once('close', () => resolve({ status: 0, body: '' }));
    ws.once('unexpected-response', (req, res) => {
      const socket = res.socket;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      // The refused request's socket is not closed by ws or by ending the request: destroy it,
      // or it keeps the test process alive until the server's HTTP idle timeout.
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body }); socket.destroy(); req.destroy(); });
    });
    ws.once('open', () => {
      const protocol = ws.protocol;
      const done = () => { ws.close(1000); resolve({ status: 101, body: '', protocol }); };
      if (!probe.firstMessage) return done();
      ws.once('message', done);
    });
  });
}

/** The message type and, for sync messages, the subtype (null when unreadable). */
export function messageKind(m: Uint8Array): { type: number; sub: number | null } | null {
  try {
    const d = decoding.createDecoder(m);
    const type = decoding.readVarUint(d);
    return { type, sub: type === 0 || type === 2 ? decoding.readVarUint(d) : null };
  } catch {
    return null;
  }
}

export const isSyncStep1 = (m: Uint8Array) => { const k = messageKind(m); return k?.type === 0 && k.sub === 0; };
export const isSyncStep2 = (m: Uint8Array) => { const k = messageKind(m); return k?.type === 0 && k.sub === 1; };
export const isPermissionDenied = (m: Uint8Array) => { const k = messageKind(m); return k?.type === 2 && k.sub === 0; };
