/**
 * The security layer around the HTTP API: for each request it finds the route's RBAC rule,
 * authenticates the caller, refuses roles the table does not grant (403 before the handler
 * runs), refuses API paths no rule lists (fail closed: 404 `ERR_NOT_FOUND`, exactly what a path
 * that does not exist gets, so the refusal reveals nothing; audited as denied), and writes one
 * audit entry per API call (who, role, route resource and ids, action, outcome, source address;
 * never the request or response body). The entry is committed before the answer goes out; if it
 * cannot be written, a successful answer is withheld (503) so that no PHI leaves without its
 * audit record (refusals still go out: they disclose nothing).
 *
 * Fail closed on the audit log too: while it is unavailable (its store failing or behind, see
 * audit/log.ts), every call that would be audited is answered 503 `ERR_AUDIT_UNAVAILABLE` before
 * authentication or any handler runs, so nothing is read or changed that could not be recorded.
 * The refusal itself is recorded fire-and-forget (bounded by the log's cap).
 *
 * `/api/`, `/fhir/` and `/smart/` are all under the route table; refusals under `/fhir/` are
 * written as FHIR OperationOutcomes (`answers`), everything else as the API's JSON errors.
 */
import type { HttpHandler, HttpRequest, HttpResponse } from '../http/types.ts';
import { bearerToken, errorJson } from '../http/types.ts';
import type { Answer } from '../http/boundary.ts';
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
  /** False while the audit log cannot record (audited calls are then refused with 503). */
  auditAvailable?: () => boolean;
  /** How refusals are written under a first path segment (e.g. `fhir`); JSON errors elsewhere. */
  answers?: Readonly<Record<string, Answer>>;
}

/** First path segments whose calls are audited even when no rule covers them. */
const AUDITED_ROOTS = new Set(['api', 'fhir', 'smart']);
/** First path segments under the route table: a path there that matches no row is refused (404). */
const FAIL_CLOSED_ROOTS = new Set(['api', 'fhir', 'smart']);

/** The guard's answer to a role the RBAC table does not grant the route's actions. */
export const ROLE_REFUSED = 'this role may not do this';
/** The guard's answer while the audit log cannot record access. */
export const AUDIT_REFUSED = 'the audit log cannot record this access right now; try again shortly';

export function outcomeOf(status: number): string {
  if (status < 400) return 'allowed';
  if (status === 401 || status === 403) return 'denied';
  return 'failed';
}

export function guardHttp(inner: HttpHandler, o: GuardOptions): HttpHandler {
  const now = o.now ?? (() => new Date());
  const json: Answer = (status, code, message) => errorJson(status, code, message);
  const rootOf = (path: string) => path.split('/').find(Boolean) ?? '';
  const answerFor = (path: string): Answer => o.answers?.[rootOf(path)] ?? json;
  return async (req: HttpRequest): Promise<HttpResponse> => {
    const m = matchRoute(req.method, req.path);
    const root = rootOf(req.path);
    const answer = answerFor(req.path);
    const audited = m ? m.rule.resource !== null || m.rule.auditPublic : AUDITED_ROOTS.has(root);
    if (audited && o.auditAvailable && !o.auditAvailable()) {
      return auditUnavailable(req, answer, m ? `${req.method} ${m.rule.pattern}` : req.method, m ? auditResource(m) : req.path.slice(0, 256));
    }
    if (!m) {
      // Fail closed: a path under the route table without a row is refused before any handler
      // runs, and audited as denied. Entries name the caller when a valid bearer token says who
      // it is.
      const refused = FAIL_CLOSED_ROOTS.has(root);
      const res = refused ? answer(404, 'ERR_NOT_FOUND', 'not found') : await inner(req);
      if (AUDITED_ROOTS.has(root)) {
        const t = await bearerCaller(req);
        return write(req, t.sub, t.role, req.path.slice(0, 256), req.method, res, refused ? 'denied' : undefined);
      }
      return res;
    }
    const action = `${req.method} ${m.rule.pattern}`;
    if (!m.rule.resource) {
      if (m.rule.auditPublic && m.rule.rateLimited !== false && o.publicLimiter && !o.publicLimiter.hit(req.address, now().getTime())) {
        const limited = answer(429, 'ERR_RATE_LIMITED', 'too many attempts from this address; wait a minute');
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
      const res = isRoundsError(e) ? answer(e.status, e.code, e.message) : answer(500, 'ERR_INTERNAL', 'internal error');
      return write(req, 'anonymous', 'none', auditResource(m), action, res);
    }
    const allowed = m.rule.actions.some((a) => decide(who.role, m.rule.resource!, a) !== 'deny');
    const res = allowed ? await inner(req) : answer(403, 'ERR_FORBIDDEN', ROLE_REFUSED);
    const answered = await write(req, who.sub, who.role, auditResource(m), action, res);
    return setCookie ? { ...answered, headers: { ...(answered.headers ?? {}), 'set-cookie': setCookie } } : answered;
  };

  /** Who a bearer token says the caller is (verified, no database), else anonymous. */
  async function bearerCaller(req: HttpRequest): Promise<{ sub: string; role: string }> {
    const t = await verifyToken(o.secret, bearerToken(req)).catch(() => null);
    return { sub: t?.sub ?? 'anonymous', role: t?.role ?? 'none' };
  }

  /** 503 before anything runs; the refusal is recorded if the log still has room for it. */
  async function auditUnavailable(req: HttpRequest, answer: Answer, action: string, resource: string): Promise<HttpResponse> {
    const t = await bearerCaller(req);
    o.audit.record({ at: now().toISOString(), actor: t.sub, role: t.role, resource, action, outcome: 'denied', address: req.address, detail: 'ERR_AUDIT_UNAVAILABLE' });
    const res = answer(503, 'ERR_AUDIT_UNAVAILABLE', AUDIT_REFUSED);
    return { ...res, headers: { ...(res.headers ?? {}), 'retry-after': '5' } };
  }

  /** Commits the call's entry, then answers: `res`, or 503 when a successful answer could not be audited. */
  async function write(req: HttpRequest, actor: string, role: string, resource: string, action: string, res: HttpResponse, outcome = outcomeOf(res.status)): Promise<HttpResponse> {
    try {
      await o.audit.append({ at: now().toISOString(), actor, role, resource, action, outcome, address: req.address, detail: String(res.status) });
      return res;
    } catch (e) {
      o.onAuditError?.(e);
      return res.status < 400 ? answerFor(req.path)(503, 'ERR_AUDIT_UNAVAILABLE', 'the access could not be recorded in the audit log; try again') : res;
    }
  }
}
