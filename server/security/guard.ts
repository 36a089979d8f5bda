/**
 * The security layer around the HTTP API: for each request it finds the route's RBAC rule,
 * authenticates the caller, refuses roles the table does not grant (403 before the handler
 * runs), refuses API paths no rule lists (fail closed: 404 `ERR_NOT_FOUND`, exactly what a path
 * that does not exist gets, so the refusal reveals nothing; audited as denied), and writes one
 * audit entry per API call (who, role, route resource and ids, action, outcome, source address;
 * never the request or response body). The entry is committed before the answer goes out; if it
 * cannot be written, a successful answer is withheld (503) so that no PHI leaves without its
 * audit record (refusals still go out: they disclose nothing).
 */
import type { HttpHandler, HttpRequest, HttpResponse } from '../http/types.ts';
import { errorJson } from '../http/types.ts';
import { notFound } from '../http/router.ts';
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
  /** Called when writing the audit entry fails (a successful answer is then replaced by 503). */
  onAuditError?: (e: unknown) => void;
  /** A token carrying `sid` is only good while that session lives. */
  isLive?: (sid: string) => Promise<boolean> | boolean;
  /** Per source address limit on public, audited routes (sign-in, invite redemption, SSO callback). */
  publicLimiter?: WindowLimiter;
  /** Accounts that were revoked: their tokens are refused even before they expire. */
  isRevoked?: (sub: string) => Promise<boolean> | boolean;
  /**
   * Resolves the session cookie (when there is no Authorization header): the caller, a bearer
   * token for the handlers (so they see one kind of credential) and a rotated cookie to set.
   */
  cookieSession?: (req: HttpRequest) => Promise<{ sub: string; role: string; bearer: string; setCookie?: string } | null>;
}

/** First path segments whose calls are audited even when no rule covers them (`api`: refused, see above). */
const AUDITED_ROOTS = new Set(['api', 'fhir', 'smart']);

/** The guard's answer to a role the RBAC table does not grant the route's actions. */
export const ROLE_REFUSED = 'this role may not do this';

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
      // Fail closed: an API path without a rule is refused before any handler runs. The FHIR
      // routes keep their own checks; every call to them is still audited. Entries name the
      // caller when a valid bearer token says who it is.
      const root = req.path.split('/').find(Boolean) ?? '';
      const refused = root === 'api';
      const res = refused ? notFound() : await inner(req);
      if (AUDITED_ROOTS.has(root)) {
        const t = await verifyToken(o.secret, /^Bearer\s+(\S+)$/i.exec(req.headers['authorization'] ?? '')?.[1] ?? null).catch(() => null);
        return write(req, t?.sub ?? 'anonymous', t?.role ?? 'none', req.path.slice(0, 256), req.method, res, refused ? 'denied' : undefined);
      }
      return res;
    }
    const action = `${req.method} ${m.rule.pattern}`;
    if (!m.rule.resource) {
      if (m.rule.auditPublic && m.rule.rateLimited !== false && o.publicLimiter && !o.publicLimiter.hit(req.address, now().getTime())) {
        const limited = errorJson(429, 'ERR_RATE_LIMITED', 'too many attempts from this address; wait a minute');
        return write(req, 'anonymous', 'none', auditResource(m), action, limited);
      }
      const res = await inner(req);
      return m.rule.auditPublic ? write(req, 'anonymous', 'none', auditResource(m), action, res) : res;
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
      if (t.sid && o.isLive && !(await o.isLive(t.sid))) throw new RoundsError('ERR_TOKEN_EXPIRED', 'the session this token came from has ended');
      if (await o.isRevoked?.(t.sub)) throw new RoundsError('ERR_FORBIDDEN', 'account revoked');
      who = { sub: t.sub, role: t.role };
    } catch (e) {
      const res = isRoundsError(e) ? errorJson(e.status, e.code, e.message) : errorJson(500, 'ERR_INTERNAL', 'internal error');
      return write(req, 'anonymous', 'none', auditResource(m), action, res);
    }
    const allowed = m.rule.actions.some((a) => decide(who.role, m.rule.resource!, a) !== 'deny');
    const res = allowed ? await inner(req) : errorJson(403, 'ERR_FORBIDDEN', ROLE_REFUSED);
    const audited = await write(req, who.sub, who.role, auditResource(m), action, res);
    return setCookie ? { ...audited, headers: { ...(audited.headers ?? {}), 'set-cookie': setCookie } } : audited;
  };

  /** Commits the call's entry, then answers: `res`, or 503 when a successful answer could not be audited. */
  async function write(req: HttpRequest, actor: string, role: string, resource: string, action: string, res: HttpResponse, outcome = outcomeOf(res.status)): Promise<HttpResponse> {
    try {
      await o.audit.append({ at: now().toISOString(), actor, role, resource, action, outcome, address: req.address, detail: String(res.status) });
      return res;
    } catch (e) {
      o.onAuditError?.(e);
      return res.status < 400 ? errorJson(503, 'ERR_AUDIT_UNAVAILABLE', 'the access could not be recorded in the audit log; try again') : res;
    }
  }
}
