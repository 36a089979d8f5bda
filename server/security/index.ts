/**
 * The security layer, assembled once by server/app.ts: audit log, encryption-at-rest codec,
 * sign-in and sessions, and the wrappers that put them in front of the HTTP API and the sync
 * upgrade. Keeps the composition root to a few lines.
 */
import type { Logger } from 'pino';
import type { SqliteHandle } from '../../db/sqlite/connection.ts';
import type { PgHandle } from '../../db/pg/connection.ts';
import type { BytesCodec } from '../../db/codec.ts';
import type { Router } from '../http/router.ts';
import type { HttpHandler } from '../http/types.ts';
import type { Answer } from '../http/boundary.ts';
import type { SyncEvent } from '../sync/hub.ts';
import type { ConnectionContext } from '../sync/socket.ts';
import type { UpgradeAuthorizer } from '../transport/uws.ts';
import { CloseCode, type CloseCodeValue } from '../sync/close-codes.ts';
import { mintToken } from '../auth/tokens.ts';
import { RoundsError } from '../errors.ts';
import { AuditLog } from './audit/log.ts';
import { sqliteAuditBackend } from './audit/sqlite.ts';
import { pgAuditBackend } from './audit/pg.ts';
import { atRestCodec } from './crypto/at-rest.ts';
import { guardHttp } from './guard.ts';
import { auditedAuthorizer, syncAuditHandler, syncOpenRecorder } from './sync-audit.ts';
import { registerSecurityApi } from './api.ts';
import { AuthService } from './auth/service.ts';
import type { AccountStore } from './auth/store.ts';
import { SqliteAccountStore } from './auth/store-sqlite.ts';
import { PgAccountStore } from './auth/store-pg.ts';
import { registerAuthApi, registerSsoApi } from './auth/routes.ts';
import { Sso } from './auth/sso.ts';
import { readSessionCookie, reportedIdleMs, sessionCookie } from './auth/cookies.ts';
import { WindowLimiter } from './auth/policy.ts';
import { ConnectionCaps } from './conn-caps.ts';
import type { SecuritySettings } from './settings.ts';

export interface SecurityDeps {
  settings: SecuritySettings;
  sqlite: SqliteHandle;
  /** When set (DATABASE_URL), the audit log, accounts and sessions live on Postgres, shared by every instance. */
  pg?: PgHandle | null;
  secret: Uint8Array;
  logger: Logger;
  /** Closes live sync connections (the hub's closeWhere; bound late, the hub is built after this). */
  closeWhere: (pred: (ctx: ConnectionContext) => boolean, code: CloseCodeValue) => number;
  /** How the guard's refusals are written under a first path segment (`fhir`: OperationOutcomes); JSON elsewhere. */
  answers?: Readonly<Record<string, Answer>>;
}

export interface Security {
  audit: AuditLog;
  codec: BytesCodec;
  auth: AuthService;
  onSyncEvent: (e: SyncEvent) => void;
  /** The hub's `admit` hook: no connection is handed a document while the audit log is unavailable. */
  admitSync: (ctx: ConnectionContext) => CloseCodeValue | null;
  /** The hub's `recordOpen` hook: a connection's open is in the audit log before it is sent the document. */
  recordSyncOpen: (ctx: ConnectionContext) => Promise<void>;
  authorizer(inner: UpgradeAuthorizer): UpgradeAuthorizer;
  http(inner: HttpHandler): HttpHandler;
  register(router: Router): void;
  /**
   * Subscribes to ended sessions (sign-out, idle, limit, revocation; `sids` is empty when a whole
   * account was revoked), e.g. so the video layer removes the user from LiveKit rooms.
   */
  onSessionsEnded(listener: (sids: string[], userId: string) => void): void;
  /** Stops the session sweeper. */
  stop(): void;
  /** Writes the audit entries still queued; call after the hub has shut down, before the databases close. */
  close(): Promise<void>;
}

export function createSecurity(d: SecurityDeps): Security {
  const audit = new AuditLog(d.pg ? pgAuditBackend(d.pg) : sqliteAuditBackend(d.sqlite), { logger: d.logger, maxQueue: d.settings.auditQueueMax });
  // Fail closed: when the audit log cannot record access, live sync connections stop being
  // served (4010; they reconnect once upgrades are accepted again, see `authorizer`).
  audit.onAvailability((available) => {
    if (available) return;
    const n = d.closeWhere(() => true, CloseCode.AUDIT_UNAVAILABLE);
    if (n) d.logger.warn({ connections: n }, 'connections closed: audit log unavailable');
  });
  const store: AccountStore = d.pg ? new PgAccountStore(d.pg) : new SqliteAccountStore(d.sqlite);
  const codec = atRestCodec(d.settings, d.logger);
  const endedListeners: ((sids: string[], userId: string) => void)[] = [];
  const onAuditError = (e: unknown) => d.logger.error({ err: (e as Error)?.name }, 'audit entry could not be written: answer withheld');
  const auth = new AuthService({
    store, codec, audit, secret: d.secret,
    policy: d.settings.session, syncTokenTtlS: d.settings.syncTokenTtlS, attemptsPerMinute: d.settings.signInPerMinute,
    onEnded: (sids, userId) => {
      const set = new Set(sids);
      const n = d.closeWhere((ctx) => (ctx.sid !== undefined && set.has(ctx.sid)) || (sids.length === 0 && ctx.sub === userId), CloseCode.SESSION_REVOKED);
      if (n) d.logger.info({ connections: n }, 'connections closed: session ended');
      for (const l of endedListeners) {
        try { l(sids, userId); } catch (e) { d.logger.warn({ err: (e as Error).name }, 'session-ended listener failed'); }
      }
    },
  });
  const caps = new ConnectionCaps(d.settings.maxConnectionsPerUser);
  const auditSync = syncAuditHandler(audit);
  let sweeping = false;
  const sweep = setInterval(() => {
    if (sweeping) return; // a slow database: never two sweeps at once
    sweeping = true;
    auth.sweep(Date.now()).catch((e: unknown) => d.logger.warn({ err: (e as Error)?.name }, 'session sweep failed')).finally(() => { sweeping = false; });
  }, d.settings.session.sweepMs);
  sweep.unref();

  return {
    audit, codec, auth,
    onSyncEvent: (e) => { caps.onEvent(e); auditSync(e); },
    admitSync: () => (audit.available ? null : CloseCode.AUDIT_UNAVAILABLE),
    recordSyncOpen: syncOpenRecorder(audit),
    authorizer: (inner) => auditedAuthorizer(async (input) => {
      if (!audit.available) throw new RoundsError('ERR_AUDIT_UNAVAILABLE', 'the audit log cannot record access right now; try again shortly');
      const ctx = await inner(input);
      // Tokens derived from a session live only as long as it does; revoked accounts get nothing.
      if (ctx.sid && !(await auth.isLive(ctx.sid, Date.now()))) throw new RoundsError('ERR_TOKEN_EXPIRED', 'the session this token came from has ended');
      if ((await auth.user(ctx.sub))?.disabled) throw new RoundsError('ERR_FORBIDDEN', 'account revoked');
      if (!caps.reserve(ctx.sub, Date.now())) throw new RoundsError('ERR_FORBIDDEN', 'too many open connections for this user');
      return ctx;
    }, audit),
    http: (inner) => guardHttp(inner, {
      audit, secret: d.secret, onAuditError, auditAvailable: () => audit.available,
      ...(d.answers ? { answers: d.answers } : {}),
      isLive: (sid) => auth.isLive(sid, Date.now()),
      isRevoked: async (sub) => !!(await auth.user(sub))?.disabled,
      publicLimiter: new WindowLimiter(d.settings.signInPerMinute, 60_000),
      cookieSession: async (req) => {
        const s = await auth.session(readSessionCookie(req.headers['cookie']), Date.now(), reportedIdleMs(req.headers));
        if (!s) return null;
        const bearer = await mintToken(d.secret, { sub: s.userId, role: s.role, doc: 'api', access: 'write', sid: s.sid }, 60);
        return { sub: s.userId, role: s.role, bearer, ...(s.newCookie ? { setCookie: sessionCookie(s.newCookie) } : {}) };
      },
    }),
    register: (router) => {
      registerSecurityApi(router, { audit });
      registerAuthApi(router, { auth });
      if (d.settings.sso) registerSsoApi(router, { auth, sso: new Sso(d.settings.sso) });
    },
    onSessionsEnded: (l) => { endedListeners.push(l); },
    stop: () => clearInterval(sweep),
    close: () => audit.close(),
  };
}
