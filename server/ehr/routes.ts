/**
 * EHR routes:
 *   GET  /smart/launch?iss=&launch=   EHR launch -> 302 to the EHR's authorization endpoint
 *   GET  /smart/standalone?iss=       standalone launch -> 302
 *   GET  /smart/callback              code + state -> tokens + context -> the visit (JSON)
 *   GET  /api/visits/:id/patient-context   clinical roles; audited
 *   GET  /api/outbox?status=          admin: write-back delivery status
 *   POST /api/outbox/:outboxId/retry  admin: requeue a parked (or delivered) delivery
 */
import type { Logger } from 'pino';
import type { Router } from '../http/router.ts';
import { errorJson, json, type HttpRequest, type HttpResponse } from '../http/types.ts';
import { authenticate } from '../api/auth.ts';
import { errorBoundary } from '../http/boundary.ts';
import { DomainFailure } from '../services/visits.ts';
import type { OutboxQueue, OutboxStatus } from '../../db/outbox-queue.ts';
import { EhrError } from './errors.ts';
import type { EhrService } from './service.ts';
import type { SmartClient } from './smart.ts';

export interface EhrRouteDeps {
  service: EhrService;
  smart: SmartClient | null;
  outbox: OutboxQueue;
  secret: Uint8Array;
  logger: Logger;
  now?: () => Date;
}

const STATUSES: readonly OutboxStatus[] = ['pending', 'sending', 'delivered', 'parked'];

export function registerEhr(router: Router, d: EhrRouteDeps): void {
  const now = d.now ?? (() => new Date());
  const wrap = errorBoundary({
    logger: d.logger,
    what: 'EHR route',
    known: (e) => (e instanceof EhrError || e instanceof DomainFailure ? errorJson(e.status, e.code, e.message) : null),
  });
  const smart = () => {
    if (!d.smart) throw new EhrError('ERR_SMART_NOT_CONFIGURED', 'SMART launch is not configured on this server');
    return d.smart;
  };
  const admin = async (req: HttpRequest) => {
    const t = await authenticate(req, d.secret);
    if (t.role !== 'admin') throw new EhrError('ERR_FORBIDDEN', 'only operators (admin) manage write-back');
    return t;
  };
  const redirect = (location: string): HttpResponse => ({ status: 302, headers: { location } });

  router
    .on('GET', '/smart/launch', wrap(async (req) => redirect(await smart().begin('ehr', req.query.get('iss'), req.query.get('launch'), now().getTime()))))
    .on('GET', '/smart/standalone', wrap(async (req) => redirect(await smart().begin('standalone', req.query.get('iss'), null, now().getTime()))))
    .on('GET', '/smart/callback', wrap(async (req) => {
      const at = now();
      const ctx = await smart().complete(req.query, at.getTime());
      const result = await d.service.openVisit(ctx, req.address, at);
      d.logger.info({ visit: result.visitId, created: result.created, kind: ctx.kind }, 'SMART launch opened a visit');
      return json(200, result);
    }))
    .on('GET', '/api/visits/:id/patient-context', wrap(async (req, p) => {
      const t = await authenticate(req, d.secret, p.id);
      return json(200, await d.service.patientContext(p.id!, { sub: t.sub, role: t.role }, req.address, now()));
    }))
    .on('GET', '/api/outbox', wrap(async (req) => {
      await admin(req);
      const status = req.query.get('status');
      if (status !== null && !(STATUSES as readonly string[]).includes(status)) throw new EhrError('ERR_SMART_BAD_REQUEST', `status must be one of ${STATUSES.join(', ')}`);
      const visitId = req.query.get('visit');
      return json(200, { entries: await d.outbox.list({ ...(status ? { status: status as OutboxStatus } : {}), ...(visitId ? { visitId } : {}) }) });
    }))
    .on('POST', '/api/outbox/:outboxId/retry', wrap(async (req, p) => {
      await admin(req);
      const id = Number(p.outboxId);
      if (!Number.isSafeInteger(id) || !(await d.outbox.get(id))) throw new EhrError('ERR_OUTBOX_NOT_FOUND', 'no such outbox entry');
      if (!(await d.outbox.requeue(id, now().getTime()))) throw new EhrError('ERR_OUTBOX_NOT_RETRYABLE', 'only parked or delivered entries can be retried');
      return json(202, { id, status: 'pending' });
    }));
}
