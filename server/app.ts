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
import { Router, type RouteInfo } from './http/router.ts';
import { json } from './http/types.ts';
import type { ConnectionContext } from './sync/socket.ts';
import { SqliteVisitRepository } from '../db/sqlite/visit-repo.ts';
import { openPostgres } from '../db/pg/connection.ts';
import { PgDocumentStore } from '../db/pg/document-store.ts';
import { PgVisitRepository } from '../db/pg/visit-repo.ts';
import { RedisBus } from './cluster/redis-bus.ts';
import { VisitService } from './services/visits.ts';
import { registerApi } from './api/routes.ts';
import { registerGuestTokens } from './api/guest-tokens.ts';
import { registerLivekit } from '../livekit/routes.ts';
import { SqliteRecordingRepository } from '../db/sqlite/livekit/recording-repo.ts';
import { PgRecordingRepository } from '../db/pg/livekit/recording-repo.ts';
import { removeUserFromVideo } from '../livekit/revocation.ts';
import { CloseCode } from './sync/close-codes.ts';
import { startEhr } from './ehr/index.ts';
import { fhirAnswer, registerScheduling } from './scheduling/routes.ts';
import { SqliteSchedulingRepository } from '../db/sqlite/scheduling/repo.ts';
import { PgSchedulingRepository } from '../db/pg/scheduling/repo.ts';
import { registerIntake } from './intake/routes.ts';
import { SqliteIntakeRepository } from '../db/sqlite/intake/repo.ts';
import { PgIntakeRepository } from '../db/pg/intake/repo.ts';
import { defaultTables } from './billing/index.ts';
import { serveWeb } from './web-static.ts';
import type { AuditLog } from './security/audit/log.ts';
import { AuditGate } from './security/audit/gate.ts';
import { createSecurity, type Security } from './security/index.ts';
import { securityHeaders } from './security/headers.ts';
import { createMetrics, registerMetrics } from './metrics.ts';

export interface RunningServer {
  port: number;
  url: string;
  hub: SyncHub;
  visits: VisitService;
  logger: Logger;
  audit: AuditLog;
  security: Security;
  /** Every route registered on the HTTP router (read-only; the RBAC route table must cover the API ones). */
  routes(): RouteInfo[];
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
  const secret = secretKey(config.tokenSecret);
  let hubRef: SyncHub | null = null;
  const pg = config.databaseUrl ? await openPostgres(config.databaseUrl) : null;
  const security = createSecurity({
    settings: config.security, sqlite, pg, secret, logger, closeWhere: (pred, code) => hubRef?.closeWhere(pred, code) ?? 0,
    answers: { fhir: fhirAnswer(config.fhirSystemBase) },
  });
  const { audit, codec } = security;
  const store = pg ? new PgDocumentStore(pg, codec) : new SqliteDocumentStore(sqlite, codec);
  if (store instanceof SqliteDocumentStore) await store.ready();
  const bus = config.redisUrl ? new RedisBus(config.instanceId, config.redisUrl, logger) : undefined;
  // Start routing only once Redis answers; if it does not, start degraded (local clients only).
  await bus?.waitReady(5000).catch(() => logger.warn('redis not reachable at start: running degraded'));
  let transport: Transport | null = null;
  const started = Date.now();

  const repo = pg ? new PgVisitRepository(pg, codec) : new SqliteVisitRepository(sqlite, codec);
  const tables = defaultTables();
  let visits: VisitService | null = null;
  const metrics = createMetrics();
  const hub = new SyncHub({
    metrics: metrics.hub,
    writeGuard: (ctx, doc, update) => visits!.writeGuard(ctx, doc, update),
    ...(bus ? { bus } : {}),
    store,
    broadcaster: { publish: (t, d) => transport?.publish(t, d) },
    logger,
    docUnloadMs: config.docUnloadMs,
    compactAfterUpdates: config.compactAfterUpdates,
    awarenessMinIntervalMs: config.awarenessMinIntervalMs,
    preloadQueueLimit: config.preloadQueueLimit,
    onEvent: security.onSyncEvent,
    admit: security.admitSync,
    recordOpen: security.recordSyncOpen,
  });
  hubRef = hub;
  metrics.gauges({ documents: () => hub.documents, connections: () => hub.connections });

  visits = new VisitService({ repo, hub, tables, systemBase: config.fhirSystemBase, audit });

  const authorize = async ({ docName, token, address }: { docName: string; token: string | null; address: string }): Promise<ConnectionContext> => {
    const t = await verifyToken(secret, token);
    if (!tokenCoversDocument(t.doc, docName)) throw new RoundsError('ERR_TOKEN_WRONG_DOCUMENT', 'token is for another document');
    return visits!.authorizeDocument({ docName, sub: t.sub, role: t.role, access: t.access, exp: t.exp, address, ...(t.sid ? { sid: t.sid } : {}) });
  };

  const router = new Router().on('GET', '/healthz', () =>
    json(200, {
      // Degraded: Redis is unreachable (this instance still serves its own clients), or the audit
      // log cannot record (PHI is refused until it recovers; `audit` says why). Still 200: the
      // process is alive, and restarting it would lose the audit entries it holds.
      status: hub.busHealthy === false || !audit.available ? 'degraded' : 'ok',
      audit: audit.health(),
      instance: config.instanceId,
      redis: hub.busHealthy === null ? 'off' : hub.busHealthy ? 'ok' : 'unreachable',
      store: store.kind,
      documents: hub.documents,
      connections: hub.connections,
      uptimeSeconds: Math.round((Date.now() - started) / 1000),
    }),
  );

  registerMetrics(router, metrics, config.metricsToken ?? undefined);
  registerApi(router, { visits, secret, tables, logger });
  registerGuestTokens(router, { repo, hub, secret, audit, logger });
  const recordingRepo = pg ? new PgRecordingRepository(pg) : new SqliteRecordingRepository(sqlite.raw);
  // The retention sweep (like the EHR write-back worker) skips its rounds while `audit` cannot record.
  const livekit = registerLivekit(router, { repo, hub, visits, secret, settings: config.video, recordingRepo, logger, audit });
  const publicUrl = () => config.publicUrl ?? `http://${config.host}:${transport?.port ?? config.port}`;
  registerScheduling(router, { repo: pg ? new PgSchedulingRepository(pg, codec) : new SqliteSchedulingRepository(sqlite, codec), visits, secret, systemBase: config.fhirSystemBase, publicUrl, logger, audit });
  registerIntake(router, { repo: pg ? new PgIntakeRepository(pg, codec) : new SqliteIntakeRepository(sqlite, codec), visits: repo, secret, audit, logger });
  const ehr = startEhr({ router, sqlite, pg, settings: config.ehr, visits, secret, audit, logger, publicUrl, codec });
  // A session that ends (sign-out, idle, limit) or an account that is revoked loses its sync
  // connections on every instance and its video, within seconds.
  security.onSessionsEnded((sids, userId) => {
    for (const sid of sids) hub.closeSessionEverywhere({ sid }, CloseCode.SESSION_REVOKED);
    if (sids.length === 0) hub.closeSessionEverywhere({ sub: userId }, CloseCode.SESSION_REVOKED);
    removeUserFromVideo(livekit.video, repo, userId).then(
      (n) => { if (n) logger.info({ rooms: n }, 'removed from video: session ended'); },
      (e) => logger.warn({ err: (e as Error)?.name }, 'could not remove user from video'),
    );
  });
  router.fallback(serveWeb());
  security.register(router);
  // Like the other background jobs, auto-close pauses while the audit log cannot record.
  const autoCloseGate = new AuditGate(audit, logger, 'visit auto-close');
  const autoClose = setInterval(() => {
    if (!autoCloseGate.open()) return;
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
    authorize: security.authorizer(authorize),
    http: security.http(router.handler()),
    securityHeaders: securityHeaders(SECURITY_HEADERS, { https: !!config.security.tls || config.security.behindTlsProxy }),
    ...(config.security.tls ? { tls: config.security.tls } : {}),
  });
  const port = transport.port;
  logger.info({ port, store: store.kind }, 'rounds listening');

  let stopping: Promise<void> | null = null;
  return {
    port,
    url: `${config.security.tls ? 'https' : 'http'}://${config.host}:${port}`,
    hub,
    visits,
    logger,
    audit,
    security,
    routes: () => router.routes(),
    stop: () => {
      stopping ??= (async () => {
        clearInterval(autoClose);
        security.stop();
        livekit.stop();
        transport?.stopListening();
        await ehr.stop();
        await hub.shutdown();
        await security.close();
        await bus?.close();
        await store.close();
        await pg?.close();
        sqlite.close();
        logger.info('rounds stopped');
      })();
      return stopping;
    },
  };
}
