/**
 * FHIR R4 scheduling at /fhir (Schedule, Slot, Appointment, CapabilityStatement) and check-in
 * at /api/appointments/:appointmentId/check-in. Errors are OperationOutcomes with the Rounds code in
 * `issue[0].details.coding[0].code`; every resource served is checked with validateFhir in tests.
 *
 * Who may do what is decided first by the RBAC route table (server/security/routes.ts, rbac.ts:
 * the guard refuses other roles before these handlers run, and refuses /fhir/ paths it has no row
 * for); the handlers apply the same rule to the concrete appointment as defence in depth:
 * clinicians and admins create schedules and slots; clinical staff, patients and admins search
 * them; a patient books, reads, searches, moves, cancels and checks in their own appointments,
 * clinical staff (clinician, nurse, scribe) anyone's. Admins touch no appointment: each names its
 * patient, and admin sees no PHI.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Resource } from '@medplum/fhirtypes';
import type { Router } from '../http/router.ts';
import { json, type HttpRequest } from '../http/types.ts';
import { authenticate } from '../api/auth.ts';
import { errorBoundary, type Answer } from '../http/boundary.ts';
import { DomainFailure, type VisitService } from '../services/visits.ts';
import type { SchedulingRepository } from '../../db/scheduling-repo.ts';
import {
  SchedulingError, assertChangeAllowed, newAppointment, parseBooking, parseChange, parseSchedule, parseSlot,
  type Appointment,
} from './model.ts';
import {
  capabilityStatement, ignoredParamsOutcome, operationOutcome, searchset, toFhirAppointment, toFhirSchedule, toFhirSlot,
  type OutcomeIssueCode, type SchedulingFhirOptions,
} from './fhir.ts';
import { parseAppointmentSearch, parseScheduleSearch, parseSlotSearch, preferStrict, searchQueryString, type Search } from './search.ts';
import { checkInVisitBody } from './check-in.ts';
import type { PhiAudit } from '../ehr/service.ts';

export interface SchedulingDeps {
  repo: SchedulingRepository;
  visits: VisitService;
  secret: Uint8Array;
  systemBase: string;
  /** This server's public base URL (known once the port is bound). */
  publicUrl: () => string;
  logger: Logger;
  /** Appointments name a patient: every read and write of one is audited. */
  audit?: PhiAudit;
  now?: () => Date;
}

const FHIR_JSON = { 'content-type': 'application/fhir+json; charset=utf-8' };
/** Staff who act on anyone's appointment: the roles that handle PHI. Not admin (rbac.ts). */
const STAFF = new Set(['clinician', 'nurse', 'scribe']);
const SCHEDULERS = new Set(['clinician', 'admin']);

const ISSUE_FOR_STATUS: Record<number, OutcomeIssueCode> = {
  400: 'invalid', 401: 'login', 403: 'forbidden', 404: 'not-found', 409: 'conflict', 415: 'not-supported', 429: 'throttled', 503: 'transient',
};

/** Where the Rounds code says more than the status does. */
const ISSUE_FOR_CODE: Record<string, OutcomeIssueCode> = { ERR_SCHED_UNSUPPORTED_PARAM: 'not-supported' };

/** Errors under /fhir/ as OperationOutcomes (the routes below and the guard's refusals). */
export function fhirAnswer(systemBase: string): Answer {
  return (status, code, message) =>
    json(status, operationOutcome(ISSUE_FOR_CODE[code] ?? ISSUE_FOR_STATUS[status] ?? 'exception', code, message, systemBase), FHIR_JSON);
}

function fhirBody(req: HttpRequest): unknown {
  const type = req.headers['content-type'] ?? '';
  if (!/application\/(fhir\+)?json/.test(type)) throw new DomainFailure('ERR_UNSUPPORTED_MEDIA_TYPE', 415, 'send application/fhir+json');
  try {
    return JSON.parse(Buffer.from(req.body).toString('utf8'));
  } catch {
    throw new SchedulingError('ERR_SCHED_INVALID', 'body is not valid JSON');
  }
}

export function registerScheduling(router: Router, d: SchedulingDeps): void {
  const now = d.now ?? (() => new Date());
  const o: SchedulingFhirOptions = { systemBase: d.systemBase, get publicUrl() { return d.publicUrl(); } };
  const fhir = (status: number, r: Resource, headers: Record<string, string> = {}) => json(status, r, { ...FHIR_JSON, ...headers });
  const outcome = fhirAnswer(d.systemBase);

  const wrap = errorBoundary({
    logger: d.logger,
    what: 'scheduling',
    answer: outcome,
    known: (e) => (e instanceof SchedulingError || e instanceof DomainFailure ? outcome(e.status, e.code, e.message) : null),
  });
  const caller = async (req: HttpRequest) => {
    const t = await authenticate(req, d.secret);
    return { sub: t.sub, role: t.role };
  };
  const audit = (req: HttpRequest, c: { sub: string; role: string }, id: string, action: string) => {
    try {
      d.audit?.record({ at: now().toISOString(), actor: c.sub, role: c.role, resource: `appointment/${id}`, action, outcome: 'allowed', address: req.address });
    } catch (e) {
      d.logger.error({ err: (e as Error)?.name }, 'audit entry could not be written');
    }
  };
  const forbidden = (msg: string) => new SchedulingError('ERR_SCHED_FORBIDDEN', msg);
  const mayActFor = (c: { sub: string; role: string }, patientId: string) => STAFF.has(c.role) || (c.role === 'patient' && c.sub === patientId);
  const appointment = async (id: string, c: { sub: string; role: string }) => {
    const found = await d.repo.getAppointment(id);
    if (!found || !mayActFor(c, found.appointment.patient.id)) throw new SchedulingError('ERR_SCHED_NOT_FOUND', 'no such appointment');
    return found;
  };

  /** A page of a search: the parameters it used (ignored ones left out, as FHIR asks). */
  const searchUrl = (type: string, s: Search<unknown>, offset = 0) => {
    const q = searchQueryString(s, offset);
    return `${o.publicUrl}/fhir/${type}${q ? `?${q}` : ''}`;
  };
  const outcomeOf = (s: Search<unknown>) => (s.ignored.length ? { outcome: ignoredParamsOutcome(s.ignored, d.systemBase) } : {});

  router
    .on('GET', '/fhir/metadata', wrap(async () => fhir(200, capabilityStatement(o, { name: 'Rounds', version: '0.1.0' }, now().toISOString()))))
    .on('POST', '/fhir/Schedule', wrap(async (req) => {
      const c = await caller(req);
      if (!SCHEDULERS.has(c.role)) throw forbidden('only clinicians and admins create schedules');
      const s = parseSchedule(fhirBody(req), `sch-${randomUUID()}`);
      await d.repo.createSchedule(s);
      return fhir(201, toFhirSchedule(s, o), { location: `${o.publicUrl}/fhir/Schedule/${s.id}` });
    }))
    .on('GET', '/fhir/Schedule', wrap(async (req) => {
      await caller(req);
      const s = parseScheduleSearch(req.query, preferStrict(req.headers['prefer']));
      const { actor, active } = s.query;
      const list = (await d.repo.listSchedules()).filter((x) =>
        (actor === undefined || x.actors.some((a) => `${a.kind}/${a.id}` === actor)) && (active === undefined || x.active === active));
      return fhir(200, searchset(list.map((x) => toFhirSchedule(x, o)), o, searchUrl('Schedule', s), outcomeOf(s)));
    }))
    .on('GET', '/fhir/Schedule/:scheduleId', wrap(async (req, p) => {
      await caller(req);
      const s = await d.repo.getSchedule(p.scheduleId!);
      if (!s) throw new SchedulingError('ERR_SCHED_NOT_FOUND', 'no such schedule');
      return fhir(200, toFhirSchedule(s, o));
    }))
    .on('POST', '/fhir/Slot', wrap(async (req) => {
      const c = await caller(req);
      if (!SCHEDULERS.has(c.role)) throw forbidden('only clinicians and admins create slots');
      const s = parseSlot(fhirBody(req), `slot-${randomUUID()}`);
      if (!(await d.repo.getSchedule(s.scheduleId))) throw new SchedulingError('ERR_SCHED_NOT_FOUND', 'no such schedule');
      await d.repo.createSlot(s);
      return fhir(201, toFhirSlot(s, o), { location: `${o.publicUrl}/fhir/Slot/${s.id}` });
    }))
    .on('GET', '/fhir/Slot', wrap(async (req) => {
      await caller(req);
      const s = parseSlotSearch(req.query, preferStrict(req.headers['prefer']));
      const slots = await d.repo.searchSlots(s.query);
      return fhir(200, searchset(slots.map((x) => toFhirSlot(x, o)), o, searchUrl('Slot', s), outcomeOf(s)));
    }))
    .on('GET', '/fhir/Slot/:slotId', wrap(async (req, p) => {
      await caller(req);
      const s = await d.repo.getSlot(p.slotId!);
      if (!s) throw new SchedulingError('ERR_SCHED_NOT_FOUND', 'no such slot');
      return fhir(200, toFhirSlot(s, o));
    }))
    .on('POST', '/fhir/Appointment', wrap(async (req) => {
      const c = await caller(req);
      const booking = parseBooking(fhirBody(req));
      if (!mayActFor(c, booking.patient.id)) throw forbidden('a patient books for themselves only');
      const at = now();
      const a = await d.repo.book((slot, schedule) => {
        if (!schedule) throw new SchedulingError('ERR_SCHED_NOT_FOUND', 'the slot has no schedule');
        return newAppointment(booking, slot, schedule, `appt-${randomUUID()}`, at);
      }, booking.slotId);
      audit(req, c, a.id, 'book appointment');
      return fhir(201, toFhirAppointment(a, o), { location: `${o.publicUrl}/fhir/Appointment/${a.id}` });
    }))
    .on('GET', '/fhir/Appointment', wrap(async (req) => {
      // A patient finds only their own appointments: their id is one more participant every
      // match must have, so asking for someone else's gives an empty Bundle (no hint that any
      // exist). Staff search anyone's; other roles never get here (RBAC), and are refused here too.
      const c = await caller(req);
      if (!STAFF.has(c.role) && c.role !== 'patient') throw forbidden('this role does not search appointments');
      const s = parseAppointmentSearch(req.query, preferStrict(req.headers['prefer']));
      const query = c.role === 'patient' ? { ...s.query, actors: [...s.query.actors, `Patient/${c.sub}`] } : s.query;
      const { appointments, total } = await d.repo.searchAppointments(query);
      // Every appointment disclosed is its own entry; the guard records the search itself.
      for (const a of appointments) audit(req, c, a.id, 'search appointment');
      const next = query.offset + appointments.length;
      return fhir(200, searchset(appointments.map((a) => toFhirAppointment(a, o)), o, searchUrl('Appointment', s, query.offset), {
        total,
        ...(appointments.length > 0 && next < total ? { nextUrl: searchUrl('Appointment', s, next) } : {}),
        ...outcomeOf(s),
      }));
    }))
    .on('GET', '/fhir/Appointment/:appointmentId', wrap(async (req, p) => {
      const c = await caller(req);
      const a = (await appointment(p.appointmentId!, c)).appointment;
      audit(req, c, a.id, 'read appointment');
      return fhir(200, toFhirAppointment(a, o));
    }))
    .on('PUT', '/fhir/Appointment/:appointmentId', wrap(async (req, p) => {
      const c = await caller(req);
      const { appointment: cur, version } = await appointment(p.appointmentId!, c);
      const change = parseChange(cur, fhirBody(req));
      assertChangeAllowed(cur, change);
      let next: Appointment = cur;
      if (change.type === 'cancel') {
        next = { ...cur, status: 'cancelled', ...(change.reason ? { cancelationReason: change.reason } : {}) };
        if (!(await d.repo.cancel(next, version))) throw new SchedulingError('ERR_SCHED_ILLEGAL_CHANGE', 'the appointment changed concurrently; retry');
      } else if (change.type === 'reschedule') {
        next = await d.repo.reschedule(cur, version, (slot) => {
          if (slot.scheduleId !== cur.scheduleId) throw new SchedulingError('ERR_SCHED_INVALID', 'reschedule within the same schedule');
          return { ...cur, slotId: slot.id, start: slot.start, end: slot.end };
        }, change.slotId);
      }
      audit(req, c, cur.id, `${change.type} appointment`);
      return fhir(200, toFhirAppointment(next, o));
    }))
    .on('POST', '/api/appointments/:appointmentId/check-in', wrap(async (req, p) => {
      const c = await caller(req);
      const { appointment: cur, version } = await appointment(p.appointmentId!, c);
      if (cur.status !== 'booked') throw new SchedulingError('ERR_SCHED_ILLEGAL_CHANGE', `a ${cur.status} appointment cannot be checked in`);
      const at = now();
      const body = checkInVisitBody(cur, fhirBody(req));
      // Claim the check-in first (CAS), so two concurrent check-ins cannot both create a visit.
      const arrived: Appointment = { ...cur, status: 'arrived' };
      if (!(await d.repo.update(arrived, version))) throw new SchedulingError('ERR_SCHED_ILLEGAL_CHANGE', 'the appointment changed concurrently; retry');
      let visit;
      try {
        // Created on behalf of the scheduled clinicians (VisitService lets clinicians create visits).
        visit = await d.visits.create(body, { sub: 'scheduling', role: 'clinician' }, at);
      } catch (e) {
        await d.repo.update(cur, version + 1);
        throw e;
      }
      const next: Appointment = { ...arrived, visitId: visit.id };
      await d.repo.update(next, version + 1);
      const checkedIn = await d.visits.command(visit.id, { type: 'checkIn', participantId: cur.patient.id, displayName: body.patients[0]!.displayName }, { sub: cur.patient.id, role: 'patient' }, at);
      audit(req, c, cur.id, 'check in appointment');
      return json(200, { visitId: visit.id, visitStatus: checkedIn.status, appointment: toFhirAppointment(next, o) });
    }));
}
