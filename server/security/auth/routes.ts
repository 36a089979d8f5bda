/**
 * Sign-in and session routes (JSON):
 *   POST /api/auth/login        { username, password, code? | recoveryCode? } → sets the session cookie
 *   GET  /api/auth/session      who is signed in; counts as activity; may rotate the cookie
 *   POST /api/auth/logout       ends this session
 *   POST /api/auth/logout-all   ends every session of this user (their sync connections close: 4005)
 *   POST /api/auth/sync-token   { doc, access? } → a short-lived sync token bound to this session
 *   POST /api/admin/users       (admin) { username, role, password } → TOTP enrolment, shown once
 *   POST /api/admin/users/:userId/revoke   (admin) disables the account; its connections close
 */
import type { Router } from '../../http/router.ts';
import { errorJson, json, type HttpRequest, type HttpResponse } from '../../http/types.ts';
import { AuthFailure, type AuthService, type LiveSession } from './service.ts';
import { clearedSessionCookie, readSessionCookie, reportedIdleMs, sessionCookie } from './cookies.ts';
import { SsoError, type Sso } from './sso.ts';

export interface AuthApiDeps { auth: AuthService; now?: () => number }

function body(req: HttpRequest): Record<string, unknown> {
  if (req.body.length === 0) return {};
  if (!(req.headers['content-type'] ?? '').includes('application/json')) throw new AuthFailure('ERR_BAD_REQUEST', 'send application/json');
  try {
    const v = JSON.parse(Buffer.from(req.body).toString('utf8')) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch { /* fall through */ }
  throw new AuthFailure('ERR_BAD_REQUEST', 'body is not a JSON object');
}

const failure = (e: unknown): HttpResponse => {
  if (e instanceof AuthFailure) {
    return errorJson(e.status, e.code, e.message, e.retryAfterS ? { retryAfterSeconds: e.retryAfterS } : {});
  }
  throw e;
};

export function registerAuthApi(router: Router, d: AuthApiDeps): void {
  const now = d.now ?? Date.now;
  const withSession = (fn: (s: LiveSession, req: HttpRequest, p: Record<string, string>) => Promise<HttpResponse> | HttpResponse) =>
    async (req: HttpRequest, p: Record<string, string>) => {
      try {
        const s = await d.auth.session(readSessionCookie(req.headers['cookie']), now(), reportedIdleMs(req.headers));
        if (!s) return errorJson(401, 'ERR_SESSION_REQUIRED', 'sign in first', {});
        const res = await fn(s, req, p);
        return s.newCookie && !res.headers?.['set-cookie'] ? { ...res, headers: { ...(res.headers ?? {}), 'set-cookie': sessionCookie(s.newCookie) } } : res;
      } catch (e) { return failure(e); }
    };
  const who = (s: LiveSession) => ({ userId: s.userId, username: s.username, role: s.role, sid: s.sid });

  router
    .on('POST', '/api/auth/login', async (req) => {
      try {
        const r = await d.auth.signIn(body(req), req.address, now());
        return json(200, who(r.session), { 'set-cookie': sessionCookie(r.cookie) });
      } catch (e) { return failure(e); }
    })
    .on('GET', '/api/auth/session', withSession((s) => json(200, who(s))))
    .on('POST', '/api/auth/logout', withSession(async (s) => {
      await d.auth.signOut(s.sid, s.userId, now());
      return json(200, { ended: 1 }, { 'set-cookie': clearedSessionCookie() });
    }))
    .on('POST', '/api/auth/logout-all', withSession(async (s) => json(200, { ended: await d.auth.signOutEverywhere(s.userId, now()) }, { 'set-cookie': clearedSessionCookie() })))
    .on('POST', '/api/auth/sync-token', withSession(async (s, req) => {
      const b = body(req);
      const doc = b.doc;
      const access = b.access ?? 'write';
      if (typeof doc !== 'string' || !doc || doc.length > 512 || (access !== 'read' && access !== 'write')) {
        throw new AuthFailure('ERR_BAD_REQUEST', 'doc (a document name or visit/<id>/*) and access read|write');
      }
      // A document or a prefix (`visit/<id>/*`); never the API itself (the web app uses the cookie there).
      if (doc === 'api' || !/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*(\/\*)?$/.test(doc)) throw new AuthFailure('ERR_BAD_REQUEST', 'bad document name');
      return json(200, { token: await d.auth.syncToken(s, doc, access), expiresInSeconds: d.auth.syncTokenTtlS });
    }))
    // The guard has checked the admin role (RBAC `user` resource) before these run.
    .on('POST', '/api/admin/users', async (req) => {
      try {
        const b = body(req);
        const created = await d.auth.createUser({
          username: String(b.username ?? ''), role: String(b.role ?? ''),
          ...(typeof b.password === 'string' ? { password: b.password } : {}),
        }, now());
        return json(201, created);
      } catch (e) { return failure(e); }
    })
    .on('POST', '/api/admin/users/:userId/revoke', async (_req, p) =>
      await d.auth.revokeUser(p.userId!, now()) ? json(200, { revoked: p.userId }) : errorJson(404, 'ERR_NOT_FOUND', 'no such user'));
}

export interface SsoApiDeps { auth: AuthService; sso: Sso; now?: () => number }

const SSO_COOKIE = 'rounds_sso';

/**
 *   GET /api/auth/sso/start      302 to the hospital IdP (state bound to this browser by a cookie)
 *   GET /api/auth/sso/callback   completes the sign-in: session cookie, 302 to /
 */
export function registerSsoApi(router: Router, d: SsoApiDeps): void {
  const now = d.now ?? Date.now;
  router
    .on('GET', '/api/auth/sso/start', async () => {
      const { url, state } = await d.sso.start(now());
      // Lax: the IdP's redirect back is a cross-site top-level navigation.
      return { status: 302, headers: { location: url, 'set-cookie': `${SSO_COOKIE}=${state}; Path=/api/auth/sso; HttpOnly; Secure; SameSite=Lax; Max-Age=600` } };
    })
    .on('GET', '/api/auth/sso/callback', async (req) => {
      const bound = /(?:^|;\s*)rounds_sso=([A-Za-z0-9_-]+)/.exec(req.headers['cookie'] ?? '')?.[1] ?? null;
      try {
        const who = await d.sso.finish(req.query, bound, now());
        const r = await d.auth.ssoSignIn(who, req.address, now());
        return { status: 302, headers: { location: '/', 'set-cookie': sessionCookie(r.cookie) } };
      } catch (e) {
        if (e instanceof SsoError) return errorJson(e.code === 'ERR_SSO_STATE' ? 400 : e.code === 'ERR_SSO_NO_ROLE' ? 403 : 401, e.code, e.message);
        return failure(e);
      }
    });
}
