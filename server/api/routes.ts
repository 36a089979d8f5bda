/** HTTP API routes. Handlers parse, authenticate, call a service, and map errors to codes. */
import type { Router } from '../http/router.ts';
import { errorJson, json, type HttpRequest } from '../http/types.ts';
import { BodyError, jsonBody as body } from '../http/body.ts';
import { errorBoundary } from '../http/boundary.ts';
import { authenticate } from './auth.ts';
import { mintToken } from '../auth/tokens.ts';

/** Lifetime of the room token an invited interpreter or caregiver receives. */
const JOINER_TOKEN_TTL_S = 60 * 60;
import { DomainFailure, type VisitService } from '../services/visits.ts';
import { billingPreview, type Tables } from '../billing/index.ts';
import type { Logger } from 'pino';

export interface ApiDeps {
  visits: VisitService;
  secret: Uint8Array;
  tables: Tables;
  logger: Logger;
  now?: () => Date;
}

export function registerApi(router: Router, d: ApiDeps): void {
  const now = d.now ?? (() => new Date());
  const wrap = errorBoundary({
    logger: d.logger,
    what: 'API',
    known: (e) => {
      if (e instanceof DomainFailure) return errorJson(e.status, e.code, e.message, e.fields ? { fields: e.fields } : {});
      return e instanceof BodyError ? errorJson(e.status, e.code, e.message) : null;
    },
  });
  const caller = async (req: HttpRequest, visitId?: string) => {
    const t = await authenticate(req, d.secret, visitId);
    return { sub: t.sub, role: t.role };
  };

  router
    .on('POST', '/api/visits', wrap(async (req) => json(201, await d.visits.create(body(req), await caller(req), now()))))
    .on('GET', '/api/visits', wrap(async (req) => json(200, { visits: await d.visits.list({ date: req.query.get('date'), offsetMinutes: req.query.get('offsetMinutes') }, await caller(req)) })))
    .on('GET', '/api/visits/:id', wrap(async (req, p) => json(200, await d.visits.get(p.id!, await caller(req, p.id)))))
    .on('POST', '/api/visits/:id/commands', wrap(async (req, p) => json(200, await d.visits.command(p.id!, body(req), await caller(req, p.id), now()))))
    .on('GET', '/api/visits/:id/queue/:participantId', wrap(async (req, p) => json(200, await d.visits.queuePosition(p.id!, await caller(req, p.id), p.participantId!, now()))))
    .on('POST', '/api/visits/:id/close', wrap(async (req, p) => json(200, await d.visits.close(p.id!, await caller(req), body(req) as { billing?: Record<string, unknown> } | undefined, now()))))
    .on('GET', '/api/visits/:id/records', wrap(async (req, p) => json(200, await d.visits.records(p.id!, await caller(req)))))
    .on('POST', '/api/visits/:id/invites', wrap(async (req, p) => json(201, await d.visits.createInvite(p.id!, body(req), await caller(req), now()))))
    .on('DELETE', '/api/visits/:id/invites/:inviteId', wrap(async (req, p) => json(200, await d.visits.revokeInvite(p.id!, p.inviteId!, await caller(req), now()))))
    .on('POST', '/api/invites/redeem', wrap(async (req) => {
      const who = await d.visits.redeemInvite((body(req) ?? {}) as Record<string, unknown>, now());
      // The joiner gets a short-lived token for the room only (their role never reaches the note).
      // `authTime` marks the start of their guest session, which renewals cannot extend past a bound (guest-tokens.ts).
      const claims = { sub: who.participantId, role: who.role, doc: `visit/${who.visitId}/room`, access: 'read' as const, authTime: Math.floor(now().getTime() / 1000) };
      const token = await mintToken(d.secret, claims, JOINER_TOKEN_TTL_S);
      return json(200, { ...who, token, tokenExpiresIn: JOINER_TOKEN_TTL_S });
    }))
    .on('POST', '/api/billing/preview', wrap(async (req) => {
      const c = await caller(req);
      const r = billingPreview(body(req), c.role, now(), d.tables);
      return json(r.status, r.body);
    }));
}
