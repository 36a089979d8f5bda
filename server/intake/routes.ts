/**
 * Check-in answers over HTTP. `POST /api/visits/:id/intake`: a patient of the visit submits their
 * own answers. `GET /api/visits/:id/intake/:participantId`: the clinical team reads a patient's
 * answers; each read is an audit entry (PHI). The RBAC guard has refused other roles already;
 * these handlers check the concrete visit and patient.
 */
import type { Logger } from 'pino';
import type { Router } from '../http/router.ts';
import { errorJson, json } from '../http/types.ts';
import { authenticate } from '../api/auth.ts';
import { errorBoundary } from '../http/boundary.ts';
import { BodyError, jsonBody } from '../http/body.ts';
import type { VisitRepository } from '../../db/visit-repo.ts';
import type { Audit } from '../security/audit/log.ts';
import { parseIntake, type IntakeRepository } from './model.ts';

export interface IntakeDeps {
  repo: IntakeRepository;
  visits: VisitRepository;
  secret: Uint8Array;
  audit: Audit;
  logger: Logger;
  now?: () => Date;
}

const CLINICAL = new Set(['clinician', 'nurse', 'scribe']);

class Refusal extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly fields?: unknown) { super(message); }
}


export function registerIntake(router: Router, d: IntakeDeps): void {
  const now = d.now ?? (() => new Date());
  const wrap = errorBoundary({
    logger: d.logger,
    what: 'intake',
    known: (e) => {
      if (e instanceof Refusal) return errorJson(e.status, e.code, e.message, e.fields ? { fields: e.fields } : {});
      return e instanceof BodyError ? errorJson(e.status, e.code, e.message) : null;
    },
  });
  const visitOf = async (id: string) => {
    const v = await d.visits.get(id);
    if (!v) throw new Refusal(404, 'ERR_NOT_FOUND', 'no such visit');
    return v;
  };

  router
    .on('POST', '/api/visits/:id/intake', wrap(async (req, p) => {
      const c = await authenticate(req, d.secret, p.id);
      const visit = await visitOf(p.id!);
      if (c.role !== 'patient' || !visit.patients.some((x) => x.id === c.sub)) throw new Refusal(403, 'ERR_FORBIDDEN', 'only a patient of this visit submits check-in answers');
      const at = now();
      const parsed = parseIntake(jsonBody(req), at);
      if (!parsed.ok) throw new Refusal(400, 'ERR_INVALID_INTAKE', 'invalid check-in answers', parsed.fields);
      await d.repo.put({ visitId: visit.id, patientId: c.sub, answers: parsed.value, submittedAt: at.toISOString() });
      // The patient gets an acknowledgement, not their answers back.
      return json(201, { visitId: visit.id, patientId: c.sub, submittedAt: at.toISOString(), consent: { state: parsed.value.consent.state, date: parsed.value.consent.date } });
    }))
    .on('GET', '/api/visits/:id/intake/:participantId', wrap(async (req, p) => {
      const c = await authenticate(req, d.secret, p.id);
      if (!CLINICAL.has(c.role)) throw new Refusal(403, 'ERR_FORBIDDEN', 'only the clinical team reads check-in answers');
      const visit = await visitOf(p.id!);
      const record = await d.repo.get(visit.id, p.participantId!);
      d.audit.record({
        at: now().toISOString(), actor: c.sub, role: c.role, resource: `intake/${visit.id}/${p.participantId}`,
        action: 'read intake', outcome: record ? 'allowed' : 'failed', address: req.address,
      });
      if (!record) throw new Refusal(404, 'ERR_NOT_FOUND', 'no check-in answers for this patient');
      return json(200, record);
    }));
}
