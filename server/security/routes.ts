/**
 * Every HTTP API route with the RBAC resource and actions it needs. The guard refuses a caller
 * whose role is granted none of the actions (403 before the handler runs); the audit trail names
 * the route's resource and action. Routes of other features not listed here (video, scheduling,
 * EHR) reach their own handlers' checks unchanged; the guard still audits every /api/ call.
 */
import type { Action, Resource } from './rbac.ts';

export interface RouteRule {
  method: string;
  pattern: string;
  /** null: public (no caller to check), e.g. health and invite redemption. */
  resource: Resource | null;
  /** Any one of these grants (or its `:own` form) lets the caller through to the handler. */
  actions: readonly Action[];
  /** For public routes (no caller to check): write an audit entry for every call. Routes with a resource are always audited. */
  auditPublic: boolean;
}

export const ROUTES: readonly RouteRule[] = [
  { method: 'GET', pattern: '/healthz', resource: null, actions: [], auditPublic: false },
  { method: 'POST', pattern: '/api/visits', resource: 'visit', actions: ['create'], auditPublic: false },
  { method: 'GET', pattern: '/api/visits', resource: 'visit', actions: ['list'], auditPublic: false },
  { method: 'GET', pattern: '/api/visits/:id', resource: 'visit', actions: ['read'], auditPublic: false },
  { method: 'POST', pattern: '/api/visits/:id/intake', resource: 'intake', actions: ['write'], auditPublic: false },
  { method: 'GET', pattern: '/api/visits/:id/intake/:participantId', resource: 'intake', actions: ['read'], auditPublic: false },
  { method: 'POST', pattern: '/api/visits/:id/commands', resource: 'visit-command', actions: ['run'], auditPublic: false },
  { method: 'GET', pattern: '/api/visits/:id/queue/:participantId', resource: 'queue', actions: ['read'], auditPublic: false },
  { method: 'POST', pattern: '/api/visits/:id/close', resource: 'visit', actions: ['close'], auditPublic: false },
  { method: 'GET', pattern: '/api/visits/:id/records', resource: 'records', actions: ['read', 'read-charges'], auditPublic: false },
  { method: 'POST', pattern: '/api/visits/:id/invites', resource: 'invite', actions: ['create'], auditPublic: false },
  { method: 'DELETE', pattern: '/api/visits/:id/invites/:inviteId', resource: 'invite', actions: ['revoke'], auditPublic: false },
  { method: 'POST', pattern: '/api/invites/redeem', resource: null, actions: [], auditPublic: true },
  { method: 'POST', pattern: '/api/billing/preview', resource: 'billing-preview', actions: ['run'], auditPublic: false },
  { method: 'GET', pattern: '/api/audit/verify', resource: 'audit', actions: ['verify'], auditPublic: false },
  { method: 'GET', pattern: '/api/audit/export', resource: 'audit', actions: ['export'], auditPublic: false },
  { method: 'POST', pattern: '/api/admin/users', resource: 'user', actions: ['create'], auditPublic: false },
  { method: 'POST', pattern: '/api/admin/users/:userId/revoke', resource: 'user', actions: ['revoke'], auditPublic: false },
  // Sign-in and session routes check the session cookie themselves (auth/routes.ts).
  { method: 'POST', pattern: '/api/auth/login', resource: null, actions: [], auditPublic: true },
  { method: 'GET', pattern: '/api/auth/sso/start', resource: null, actions: [], auditPublic: false },
  { method: 'GET', pattern: '/api/auth/sso/callback', resource: null, actions: [], auditPublic: true },
  { method: 'GET', pattern: '/api/auth/session', resource: null, actions: [], auditPublic: false },
  { method: 'POST', pattern: '/api/auth/logout', resource: null, actions: [], auditPublic: false },
  { method: 'POST', pattern: '/api/auth/logout-all', resource: null, actions: [], auditPublic: false },
  { method: 'POST', pattern: '/api/auth/sync-token', resource: null, actions: [], auditPublic: false },
];

export interface MatchedRoute { rule: RouteRule; params: Record<string, string> }

/** The rule for a request, or null when no route matches the method and path. */
export function matchRoute(method: string, path: string): MatchedRoute | null {
  const segs = path.split('/').filter(Boolean);
  const m = method === 'HEAD' ? 'GET' : method;
  for (const rule of ROUTES) {
    if (rule.method !== m) continue;
    const parts = rule.pattern.split('/').filter(Boolean);
    if (parts.length !== segs.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < parts.length && ok; i++) {
      const p = parts[i]!;
      if (p.startsWith(':')) params[p.slice(1)] = segs[i]!;
      else ok = p === segs[i];
    }
    if (ok) return { rule, params };
  }
  return null;
}

/** The resource an entry names: the route's resource and its ids, never request content. */
export function auditResource(m: MatchedRoute): string {
  const { id, participantId, inviteId, userId } = m.params;
  const base = m.rule.resource ?? m.rule.pattern.split('/').filter(Boolean).join('/');
  return [base, id && `visit/${id}`, participantId && `participant/${participantId}`, inviteId && `invite/${inviteId}`, userId && `user/${userId}`].filter(Boolean).join(' ');
}
