/**
 * Every HTTP API route with the RBAC resource and actions it needs: one row per route the app
 * registers under /api/, /fhir/ and /smart/ (tests/server/security/route-table.test.ts checks
 * both directions), plus the public health check. The guard fails
 * closed: it refuses a caller whose role is granted none of the row's actions (403 before the
 * handler runs) and an /api/, /fhir/ or /smart/ request that matches no row (404, the answer of
 * a path that does not exist). The audit
 * trail names the route's resource and action. Handlers keep their own checks on the concrete
 * visit, roster or appointment as defence in depth.
 *
 * Path parameters: `:id` is always a visit id (a token scoped to that visit's room is good for
 * the call, and the audit names `visit/<id>`); other ids have their own names (`:outboxId`...).
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
  /**
   * Public, audited routes are rate limited per source address (sign-in, one-time codes) unless
   * this is false: callers that prove themselves otherwise and arrive in volume from one address
   * (LiveKit's signed webhooks, EHR launches through a hospital's NAT) are audited only.
   */
  rateLimited?: false;
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
  // Guests renew their own room token (server/api/guest-tokens.ts); clinical roles use /api/auth/sync-token.
  { method: 'POST', pattern: '/api/visits/:id/sync-token/renew', resource: 'sync-token', actions: ['renew'], auditPublic: false },
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
  // Video (livekit/routes.ts).
  { method: 'POST', pattern: '/api/visits/:id/video-token', resource: 'video', actions: ['join'], auditPublic: false },
  { method: 'GET', pattern: '/api/visits/:id/video/permissions', resource: 'video', actions: ['join'], auditPublic: false },
  { method: 'POST', pattern: '/api/visits/:id/video/routing', resource: 'video', actions: ['moderate'], auditPublic: false },
  { method: 'POST', pattern: '/api/visits/:id/video/hide', resource: 'video', actions: ['join'], auditPublic: false },
  { method: 'POST', pattern: '/api/visits/:id/breakouts', resource: 'video', actions: ['moderate'], auditPublic: false },
  { method: 'POST', pattern: '/api/visits/:id/breakouts/:breakoutId/assign', resource: 'video', actions: ['moderate'], auditPublic: false },
  { method: 'POST', pattern: '/api/visits/:id/breakouts/:breakoutId/reconvene', resource: 'video', actions: ['moderate'], auditPublic: false },
  { method: 'POST', pattern: '/api/visits/:id/moderation/mute', resource: 'video', actions: ['moderate'], auditPublic: false },
  { method: 'POST', pattern: '/api/visits/:id/moderation/remove', resource: 'video', actions: ['moderate'], auditPublic: false },
  { method: 'POST', pattern: '/api/visits/:id/moderation/readmit', resource: 'video', actions: ['moderate'], auditPublic: false },
  { method: 'POST', pattern: '/api/visits/:id/moderation/permissions', resource: 'video', actions: ['moderate'], auditPublic: false },
  { method: 'POST', pattern: '/api/visits/:id/screen-share', resource: 'video', actions: ['share'], auditPublic: false },
  { method: 'POST', pattern: '/api/visits/:id/recording/start', resource: 'recording', actions: ['start'], auditPublic: false },
  { method: 'POST', pattern: '/api/visits/:id/recording/stop', resource: 'recording', actions: ['stop'], auditPublic: false },
  { method: 'GET', pattern: '/api/visits/:id/recordings', resource: 'recording', actions: ['list'], auditPublic: false },
  { method: 'GET', pattern: '/api/visits/:id/recordings/:recordingId', resource: 'recording', actions: ['read'], auditPublic: false },
  // LiveKit proves itself with a signed JWT (livekit/webhooks.ts).
  { method: 'POST', pattern: '/api/livekit/webhook', resource: null, actions: [], auditPublic: true, rateLimited: false },
  // EHR (server/ehr/routes.ts): SMART launches are public (the EHR's authorization server decides).
  { method: 'GET', pattern: '/smart/launch', resource: null, actions: [], auditPublic: true, rateLimited: false },
  { method: 'GET', pattern: '/smart/standalone', resource: null, actions: [], auditPublic: true, rateLimited: false },
  { method: 'GET', pattern: '/smart/callback', resource: null, actions: [], auditPublic: true, rateLimited: false },
  { method: 'GET', pattern: '/api/visits/:id/patient-context', resource: 'patient-context', actions: ['read'], auditPublic: false },
  { method: 'GET', pattern: '/api/outbox', resource: 'outbox', actions: ['list'], auditPublic: false },
  { method: 'POST', pattern: '/api/outbox/:outboxId/retry', resource: 'outbox', actions: ['retry'], auditPublic: false },
  // Scheduling (server/scheduling/routes.ts). The handlers check the concrete appointment's patient.
  { method: 'POST', pattern: '/api/appointments/:appointmentId/check-in', resource: 'appointment', actions: ['check-in'], auditPublic: false },
  // FHIR scheduling, under the same rule: a /fhir/ path with no row is refused (404). The
  // CapabilityStatement is public (FHIR clients read it before they authenticate).
  { method: 'GET', pattern: '/fhir/metadata', resource: null, actions: [], auditPublic: true, rateLimited: false },
  { method: 'POST', pattern: '/fhir/Schedule', resource: 'schedule', actions: ['create'], auditPublic: false },
  { method: 'GET', pattern: '/fhir/Schedule', resource: 'schedule', actions: ['read'], auditPublic: false },
  { method: 'GET', pattern: '/fhir/Schedule/:scheduleId', resource: 'schedule', actions: ['read'], auditPublic: false },
  { method: 'POST', pattern: '/fhir/Slot', resource: 'schedule', actions: ['create'], auditPublic: false },
  { method: 'GET', pattern: '/fhir/Slot', resource: 'schedule', actions: ['read'], auditPublic: false },
  { method: 'GET', pattern: '/fhir/Slot/:slotId', resource: 'schedule', actions: ['read'], auditPublic: false },
  { method: 'POST', pattern: '/fhir/Appointment', resource: 'appointment', actions: ['create'], auditPublic: false },
  // Search: staff anyone's; a patient only their own (the handler adds their id to the query).
  { method: 'GET', pattern: '/fhir/Appointment', resource: 'appointment', actions: ['read'], auditPublic: false },
  { method: 'GET', pattern: '/fhir/Appointment/:appointmentId', resource: 'appointment', actions: ['read'], auditPublic: false },
  { method: 'PUT', pattern: '/fhir/Appointment/:appointmentId', resource: 'appointment', actions: ['write'], auditPublic: false },
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

/**
 * The resource an entry names: the route's resource and its ids (`visit/<id>`, then
 * `participant/<participantId>`, `invite/<inviteId>`... in path order), never request content.
 */
export function auditResource(m: MatchedRoute): string {
  const base = m.rule.resource ?? m.rule.pattern.split('/').filter(Boolean).join('/');
  const ids = Object.entries(m.params).map(([name, value]) => `${name === 'id' ? 'visit' : name.replace(/Id$/, '')}/${value}`);
  return [base, ...ids].join(' ');
}
