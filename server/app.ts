/** Composition root: configuration in, a running server out. Adapters are wired here and nowhere else. */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { createLogger } from './logger.ts';
import { openSqlite } from '../db/sqlite/connection.ts';
import { SqliteDocumentStore } from '../db/sqlite/document-store.ts';
import { SyncHub } from './sync/hub.ts';
import { assertNativeUws, startTransport, type Transport } from './transport/uws.ts';
import { verifyToken, tokenCoversDocument, secretKey } from './auth/tokens.ts';
import { RoundsError } from './errors.ts';
import { Router } from './http/router.ts';
import { json } from './http/types.ts';
import type { ConnectionContext } from './sync/socket.ts';
import { SqliteVisitRepository } from '../db/sqlite/visit-repo.ts';
import { VisitService } from './services/visits.ts';
import { registerApi } from './api/routes.ts';
import { defaultTables } from './billing/index.ts';

export interface RunningServer {
  port: number;
  url: string;
  hub: SyncHub;
  visits: VisitService;
  logger: Logger;
  /** Stop accepting, commit everything, close sockets with 1001, close the database. */
  stop(): Promise<void>;
}

export const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

export async function startServer(config: Config, logger: Logger = createLogger(config.logLevel)): Promise<RunningServer> {
  assertNativeUws();
  const sqlite = openSqlite(join(config.dataDir, 'rounds.db'), { synchronous: config.sqliteSynchronous });
  const store = new SqliteDocumentStore(sqlite);
  const secret = secretKey(config.tokenSecret);
  let transport: Transport | null = null;
  const started = Date.now();

  const repo = new SqliteVisitRepository(sqlite);
  const tables = defaultTables();
  let visits: VisitService | null = null;
  const hub = new SyncHub({
    writeGuard: (ctx, doc, update) => visits!.writeGuard(ctx, doc, update),
    store,
    broadcaster: { publish: (t, d) => transport?.publish(t, d) },
    logger,
    docUnloadMs: config.docUnloadMs,
    compactAfterUpdates: config.compactAfterUpdates,
    awarenessMinIntervalMs: config.awarenessMinIntervalMs,
    preloadQueueLimit: config.preloadQueueLimit,
  });

  visits = new VisitService({ repo, hub, tables, systemBase: config.fhirSystemBase });

  const authorize = async ({ docName, token, address }: { docName: string; token: string | null; address: string }): Promise<ConnectionContext> => {
    const t = await verifyToken(secret, token);
    if (!tokenCoversDocument(t.doc, docName)) throw new RoundsError('ERR_TOKEN_WRONG_DOCUMENT', 'token is for another document');
    return visits!.authorizeDocument({ docName, sub: t.sub, role: t.role, access: t.access, exp: t.exp, address, ...(t.sid ? { sid: t.sid } : {}) });
  };

  const router = new Router().on('GET', '/healthz', () =>
    json(200, {
      status: 'ok',
      store: store.kind,
      documents: hub.documents,
      connections: hub.connections,
      uptimeSeconds: Math.round((Date.now() - started) / 1000),
    }),
  );

  registerApi(router, { visits, secret, tables, logger });
  const autoClose = setInterval(() => {
    visits!.autoClose(new Date(), config.autoCloseIdleMs).then(
      (ids) => { if (ids.length) logger.info({ visits: ids }, 'visits closed after everyone left'); },
      (e) => logger.warn({ err: (e as Error).name }, 'auto-close check failed'),
    );
  }, config.autoCloseCheckMs);
  autoClose.unref();

  transport = await startTransport({
    host: config.host,
    port: config.port,
    maxMessageBytes: config.maxMessageBytes,
    idleTimeoutSeconds: config.idleTimeoutSeconds,
    maxBodyBytes: 1024 * 1024,
    hub,
    authorize,
    http: router.handler(),
    securityHeaders: SECURITY_HEADERS,
  });
  const port = transport.port;
  logger.info({ port, store: store.kind }, 'rounds listening');

  let stopping: Promise<void> | null = null;
  return {
    port,
    url: `http://${config.host}:${port}`,
    hub,
    visits,
    logger,
    stop: () => {
      stopping ??= (async () => {
        clearInterval(autoClose);
        transport?.stopListening();
        await hub.shutdown();
        sqlite.close();
        logger.info('rounds stopped');
      })();
      return stopping;
    },
  };
}
