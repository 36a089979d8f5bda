/**
 * The ONE module that touches uWebSockets.js. It turns HTTP requests into `HttpRequest` values
 * for the API, authenticates WebSocket upgrades before a socket exists, and adapts uWS sockets
 * to the sync core's `SyncSocket`.
 *
 * uWS rules followed here: request/response objects and message buffers are only valid inside
 * their callback (everything is read or copied synchronously); a response that may complete
 * after an `await` registers `onAborted` and is written inside `cork`.
 */
import uWS from 'uWebSockets.js';
import { RoundsError } from '../errors.ts';
import type { HttpHandler, HttpRequest, HttpResponse } from '../http/types.ts';
import type { SyncHub } from '../sync/hub.ts';
import type { Connection } from '../sync/connection.ts';
import type { ConnectionContext, SyncSocket } from '../sync/socket.ts';
import { CLOSE_REASON, CloseCode } from '../sync/close-codes.ts';

export const SYNC_PREFIX = '/sync/';

/** Refuses to run on uWS's pure-JS fallback, and says why the native binary did not load. */
export function assertNativeUws(): void {
  const native = typeof uWS.App === 'function' && Function.prototype.toString.call(uWS.App).includes('[native code]');
  if (native) return;
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  throw new RoundsError(
    'ERR_NATIVE_UWS_MISSING',
    `uWebSockets.js native binary did not load (node ${process.version}, ABI ${process.versions.modules}, ` +
      `${process.platform}-${process.arch}, glibc ${header?.glibcVersionRuntime ?? 'unknown'}). ` +
      'Rounds will not run on the slow pure-JS fallback. The bundled build has binaries for Node 16/18/20 ' +
      '(ABI 93/108/115) on glibc >= 2.27; on another Node version install the official uWebSockets.js ' +
      'release that matches your Node and glibc (see README, "Running on a newer Node").',
  );
}

/** What the upgrade handler learns from a request; returns the connection context or an error. */
export type UpgradeAuthorizer = (input: {
  docName: string;
  token: string | null;
  address: string;
}) => Promise<ConnectionContext>;

export interface TransportOptions {
  host: string;
  port: number;
  maxMessageBytes: number;
  idleTimeoutSeconds: number;
  maxBodyBytes: number;
  hub: SyncHub;
  authorize: UpgradeAuthorizer;
  http: HttpHandler;
  /** Headers added to every HTTP response. */
  securityHeaders: Record<string, string>;
  /** Serve HTTPS and WSS directly (PEM files); plain HTTP/WS when absent. */
  tls?: { certFile: string; keyFile: string; passphrase?: string };
}

interface UserData {
  ctx: ConnectionContext;
  conn: Connection | null;
  open: boolean;
  protocol: string;
  /** Messages that arrived before the hub took the connection (see `open`). */
  early: Uint8Array[];
}

export interface Transport {
  port: number;
  publish(topic: string, data: Uint8Array): void;
  /** Stop accepting new connections (open ones stay). */
  stopListening(): void;
}

const text = (ab: ArrayBuffer) => Buffer.from(ab).toString();

/** Picks the token out of `Sec-WebSocket-Protocol` (a value that looks like a JWT) and the value to echo. */
export function tokenFromProtocols(header: string): { token: string | null; echo: string } {
  const values = header.split(',').map((s) => s.trim()).filter(Boolean);
  const token = values.find((v) => v.split('.').length === 3) ?? null;
  const other = values.find((v) => v !== token);
  return { token, echo: other ?? token ?? '' };
}

export function startTransport(o: TransportOptions): Promise<Transport> {
  const app = o.tls
    ? uWS.SSLApp({ cert_file_name: o.tls.certFile, key_file_name: o.tls.keyFile, ...(o.tls.passphrase ? { passphrase: o.tls.passphrase } : {}) })
    : uWS.App();
  let listenSocket: uWS.us_listen_socket | null = null;

  app.ws<UserData>(`${SYNC_PREFIX}*`, {
    compression: uWS.DISABLED,
    // uWS drops a message over maxPayloadLength without a close frame (the client sees 1006), so
    // uWS gets a ceiling of twice our limit and the limit itself is enforced below with 1009.
    // Only a message more than twice the limit is still cut off without a code.
    maxPayloadLength: 2 * o.maxMessageBytes,
    idleTimeout: o.idleTimeoutSeconds,
    maxBackpressure: 16 * 1024 * 1024,
    closeOnBackpressureLimit: 1,
    sendPingsAutomatically: true,

    upgrade: (res, req, context) => {
      const url = req.getUrl();
      const query = new URLSearchParams(req.getQuery() ?? '');
      const key = req.getHeader('sec-websocket-key');
      const protocols = tokenFromProtocols(req.getHeader('sec-websocket-protocol'));
      const extensions = req.getHeader('sec-websocket-extensions');
      const address = text(res.getRemoteAddressAsText());
      let aborted = false;
      res.onAborted(() => { aborted = true; });
      let docName: string;
      try {
        docName = decodeURIComponent(url.slice(SYNC_PREFIX.length));
      } catch {
        docName = '';
      }
      const token = query.get('token') ?? protocols.token;
      const deny = (status: number, code: string) => {
        if (aborted) return;
        res.cork(() => {
          res.writeStatus(status === 401 || status === 403 || status === 503 ? statusLine(status) : '400 Bad Request')
            .writeHeader('content-type', 'application/json')
            .end(JSON.stringify({ error: { code } }));
        });
      };
      if (!docName || docName.length > 512 || /[\u0000-\u001f]/.test(docName)) return deny(400, 'ERR_BAD_REQUEST');
      o.authorize({ docName, token, address }).then(
        (ctx) => {
          if (aborted) return;
          res.cork(() => {
            res.upgrade<UserData>({ ctx, conn: null, open: true, protocol: protocols.echo, early: [] }, key, protocols.echo, extensions, context);
          });
        },
        (e: unknown) => {
          const err = e instanceof RoundsError ? e : new RoundsError('ERR_INTERNAL', 'authorization failed');
          deny(err.status, err.code);
        },
      );
    },

    open: (ws) => {
      const data = ws.getUserData();
      const socket: SyncSocket = {
        send: (m) => { if (data.open) ws.send(m, true); },
        subscribe: (t) => { if (data.open) ws.subscribe(t); },
        publish: (t, m) => { if (data.open) ws.publish(t, m, true); },
        close: (code, reason) => { if (data.open) { data.open = false; ws.end(code, reason); } },
        get isOpen() { return data.open; },
      };
      // Nothing may happen on the socket inside this callback. uWS 20.30 has a bug in cork()
      // after an asynchronous upgrade (uNetworking/uWebSockets.js#1108, fixed upstream by
      // uNetworking/uWebSockets#1929): it may read the new WebSocket's memory as HTTP state and
      // close the socket (1006) right after `open` returns. With the hub's open (sends, audit
      // write) done here, 152 and 163 of 200 test connections were closed that way in two runs;
      // handed to the hub on the next turn instead, 0 of 1,200.
      setImmediate(() => {
        if (!data.open) return;
        const conn = o.hub.open(socket, data.ctx);
        if (!conn) return;
        data.conn = conn;
        const early = data.early;
        data.early = [];
        for (const m of early) o.hub.message(conn, m);
      });
    },

    message: (ws, message, isBinary) => {
      const data = ws.getUserData();
      if (!data.open) return;
      if (!isBinary || message.byteLength > o.maxMessageBytes) {
        const code = isBinary ? CloseCode.MESSAGE_TOO_BIG : CloseCode.MALFORMED_MESSAGE;
        data.open = false;
        ws.end(code, CLOSE_REASON[code]);
        return;
      }
      // The ArrayBuffer is only valid during this callback: copy it.
      const copy = new Uint8Array(message.slice(0));
      if (data.conn) o.hub.message(data.conn, copy);
      else data.early.push(copy);
    },

    close: (ws, code) => {
      const data = ws.getUserData();
      data.open = false;
      if (data.conn) o.hub.closed(data.conn, code);
    },
  });

  app.any('/*', (res, req) => {
    const method = req.getMethod().toUpperCase();
    const path = req.getUrl();
    const query = new URLSearchParams(req.getQuery() ?? '');
    const headers: Record<string, string> = {};
    req.forEach((k, v) => { headers[k] = v; });
    const address = text(res.getRemoteAddressAsText());
    let aborted = false;
    res.onAborted(() => { aborted = true; });
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    res.onData((chunk, isLast) => {
      if (!tooBig) {
        size += chunk.byteLength;
        if (size > o.maxBodyBytes) tooBig = true;
        else chunks.push(Buffer.from(chunk.slice(0)));
      }
      if (!isLast) return;
      const request: HttpRequest = { method, path, query, headers, body: Buffer.concat(chunks), address };
      const respond = (r: HttpResponse) => {
        if (aborted) return;
        res.cork(() => {
          res.writeStatus(statusLine(r.status));
          for (const [k, v] of Object.entries({ ...o.securityHeaders, ...(r.headers ?? {}) })) res.writeHeader(k, v);
          res.end(r.body ?? '');
        });
      };
      if (tooBig) return respond({ status: 413, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: { code: 'ERR_PAYLOAD_TOO_LARGE' } }) });
      o.http(request).then(respond, () =>
        respond({ status: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: { code: 'ERR_INTERNAL' } }) }),
      );
    });
  });

  return new Promise((resolve, reject) => {
    app.listen(o.host, o.port, (token) => {
      if (!token) return reject(new RoundsError('ERR_CONFIG_INVALID', `could not listen on ${o.host}:${o.port}`));
      listenSocket = token;
      resolve({
        port: uWS.us_socket_local_port(token as unknown as uWS.us_socket),
        publish: (topic, data) => { app.publish(topic, data, true); },
        stopListening: () => { if (listenSocket) { uWS.us_listen_socket_close(listenSocket); listenSocket = null; } },
      });
    });
  });
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other',
  304: 'Not Modified', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  409: 'Conflict', 410: 'Gone', 412: 'Precondition Failed', 413: 'Payload Too Large', 415: 'Unsupported Media Type',
  422: 'Unprocessable Entity', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

function statusLine(status: number): string {
  return `${status} ${STATUS_TEXT[status] ?? 'Status'}`;
}
