/**
 * The security layer around the HTTP API: for each request it finds the route's RBAC rule,
 * authenticates the caller, refuses roles the table does not grant (403 before the handler
 * runs), and writes one audit entry per API call (who, role, route resource and ids, action,
 * outcome, source address; never the request or response body).
 */
import type { HttpHandler, HttpRequest, HttpResponse } from '../http/types.ts';
import { errorJson } from '../http/types.ts';
import { authenticate } from '../api/auth.ts';
import { verifyToken } from '../auth/tokens.ts';
import { isRoundsError, RoundsError } from '../errors.ts';
import { decide } from './rbac.ts';
import type { WindowLimiter } from './auth/policy.ts';
import { auditResource, matchRoute } from './routes.ts';
import type { Audit } from './audit/log.ts';

export interface GuardOptions {
  audit: Audit;
  secret: Uint8Array;
  now?: () => Date;
  /** Called when writing the audit entry fails (the response still goes out). */
  onAuditError?: (e: unknown) => void;
  /** A token carrying `sid` is only good while that session lives. */
  isLive?: (sid: string) => boolean;
  /** Per source address limit on public, audited routes (sign-in, invite redemption, SSO callback). */
  publicLimiter?: WindowLimiter;
  /** Accounts that were revoked: their tokens are refused even before they expire. */
  isRevoked?: (sub: string) => boolean;
  /**
   * Resolves the session cookie (when there is no Authorization header): the caller, a bearer
   * token for the handlers (so they see one kind of credential) and a rotated cookie to set.
   */
  cookieSession?: (req: HttpRequest) => Promise<{ sub: string; role: string; bearer: string; setCookie?: string } | null>;
}

/** Paths whose calls are audited even when no rule here covers them. */
const AUDITED_PREFIXES = ['/api/', '/fhir', '/smart/'];

export function outcomeOf(status: number): string {
  if (status < 400) return 'allowed';
  if (status === 401 || status === 403) return 'denied';
  return 'failed';
}

export function guardHttp(inner: HttpHandler, o: GuardOptions): HttpHandler {
  const now = o.now ?? (() => new Date());
  return async (req: HttpRequest): Promise<HttpResponse> => {
    const m = matchRoute(req.method, req.path);
    if (!m) {
      // Routes of other features (video, EHR, scheduling, FHIR) keep their own checks; every call
      // to them is still audited, naming the caller when a valid bearer token says who it is.
      const res = await inner(req);
      if (AUDITED_PREFIXES.some((p) => req.path.startsWith(p))) {
        const t = await verifyToken(o.secret, /^Bearer\s+(\S+)$/i.exec(req.headers['authorization'] ?? '')?.[1] ?? null).catch(() => null);
        write(req, t?.sub ?? 'anonymous', t?.role ?? 'none', req.path.slice(0, 256), req.method, res.status);
      }
      return res;
    }
    const action = `${req.method} ${m.rule.pattern}`;
    if (!m.rule.resource) {
      if (m.rule.auditPublic && o.publicLimiter && !o.publicLimiter.hit(req.address, now().getTime())) {
        const limited = errorJson(429, 'ERR_RATE_LIMITED', 'too many attempts from this address; wait a minute');
        write(req, 'anonymous', 'none', auditResource(m), action, limited.status);
        return limited;
      }
      const res = await inner(req);
      if (m.rule.auditPublic) write(req, 'anonymous', 'none', auditResource(m), action, res.status);
      return res;
    }
    let who: { sub: string; role: string };
    let setCookie: string | undefined;
    try {
      const fromCookie = req.headers['authorization'] ? null : await o.cookieSession?.(req);
      if (fromCookie) {
        req = { ...req, headers: { ...req.headers, authorization: `Bearer ${fromCookie.bearer}` } };
        setCookie = fromCookie.setCookie;
      }
      const t = await authenticate(req, o.secret, m.params.id);
      if (t.sid && o.isLive && !o.isLive(t.sid)) throw new RoundsError('ERR_TOKEN_EXPIRED', 'the session this token came from has ended');
      if (o.isRevoked?.(t.sub)) throw new RoundsError('ERR_FORBIDDEN', 'account revoked');
      who = { sub: t.sub, role: t.role };
    } catch (e) {
      const res = isRoundsError(e) ? errorJson(e.status, e.code, e.message) : errorJson(500, 'ERR_INTERNAL', 'internal error');
      write(req, 'anonymous', 'none', auditResource(m), action, res.status);
      return res;
    }
    const allowed = m.rule.actions.some((a) => decide(who.role, m.rule.resource!, a) !== 'deny');
    const res = allowed ? await inner(req) : errorJson(403, 'ERR_FORBIDDEN', 'this role may not do this');
    write(req, who.sub, who.role, auditResource(m), action, res.status);
    return setCookie ? { ...res, headers: { ...(res.headers ?? {}), 'set-cookie': setCookie } } : res;
  };

  function write(req: HttpRequest, actor: string, role: string, resource: string, action: string, status: number): void {
    try {
      o.audit.record({ at: now().toISOString(), actor, role, resource, action, outcome: outcomeOf(status), address: req.address, detail: String(status) });
    } catch (e) {
      o.onAuditError?.(e);
    }
  }
}
