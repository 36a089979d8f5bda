/**
 * Scheduling -> FHIR R4: Schedule, Slot, Appointment, searchset Bundles, OperationOutcome and
 * the CapabilityStatement served at /fhir/metadata. Pure: plain data in, resources out.
 *
 * An Appointment carries its telehealth join link in the extension
 * `<systemBase>/StructureDefinition/telehealth-link` (valueUrl) and service type Telehealth.
 */
import type {
  Appointment as FhirAppointment, Bundle, CapabilityStatement, OperationOutcome, Resource,
  Schedule as FhirSchedule, Slot as FhirSlot,
} from '@medplum/fhirtypes';
import type { Appointment, Schedule, Slot } from './model.ts';
import { APPOINTMENT_SEARCH_PARAMS, SCHEDULE_SEARCH_PARAMS, SLOT_SEARCH_PARAMS } from './search.ts';

export interface SchedulingFhirOptions {
  systemBase: string;
  /** Base URL of this server as clients see it (no trailing slash), for links and fullUrls. */
  publicUrl: string;
}

export const telehealthLinkUrl = (systemBase: string) => `${systemBase}/StructureDefinition/telehealth-link`;

export function telehealthServiceType(systemBase: string) {
  return { coding: [{ system: `${systemBase}/CodeSystem/service-type`, code: 'telehealth', display: 'Telehealth' }], text: 'Telehealth' };
}

/** Where a patient or clinician joins the visit booked by this appointment. */
export function joinLink(publicUrl: string, appointmentId: string): string {
  return `${publicUrl}/join/appointment/${encodeURIComponent(appointmentId)}`;
}

export function toFhirSchedule(s: Schedule, o: SchedulingFhirOptions): FhirSchedule {
  return {
    resourceType: 'Schedule',
    id: s.id,
    active: s.active,
    serviceType: [telehealthServiceType(o.systemBase)],
    actor: s.actors.map((a) => ({ reference: `${a.kind}/${a.id}`, ...(a.display ? { display: a.display } : {}) })),
    ...(s.comment ? { comment: s.comment } : {}),
  };
}

export function toFhirSlot(s: Slot, o: SchedulingFhirOptions): FhirSlot {
  return {
    resourceType: 'Slot',
    id: s.id,
    serviceType: [telehealthServiceType(o.systemBase)],
    schedule: { reference: `Schedule/${s.scheduleId}` },
    status: s.status,
    start: s.start,
    end: s.end,
  };
}

const PARTICIPANT_TYPE = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';

export function toFhirAppointment(a: Appointment, o: SchedulingFhirOptions): FhirAppointment {
  return {
    resourceType: 'Appointment',
    id: a.id,
    extension: [{ url: telehealthLinkUrl(o.systemBase), valueUrl: joinLink(o.publicUrl, a.id) }],
    ...(a.visitId ? { identifier: [{ system: `${o.systemBase}/visit`, value: a.visitId }] } : {}),
    status: a.status,
    ...(a.cancelationReason ? { cancelationReason: { text: a.cancelationReason } } : {}),
    serviceType: [telehealthServiceType(o.systemBase)],
    ...(a.description ? { description: a.description } : {}),
    start: a.start,
    end: a.end,
    created: a.created,
    slot: [{ reference: `Slot/${a.slotId}` }],
    participant: [
      {
        type: [{ coding: [{ system: PARTICIPANT_TYPE, code: 'SBJ', display: 'subject' }] }],
        actor: { reference: `Patient/${a.patient.id}`, ...(a.patient.display ? { display: a.patient.display } : {}) },
        required: 'required',
        status: 'accepted',
      },
      ...a.practitioners.map((p) => ({
        type: [{ coding: [{ system: PARTICIPANT_TYPE, code: 'PPRF', display: 'primary performer' }] }],
        actor: { reference: `${p.kind}/${p.id}`, ...(p.display ? { display: p.display } : {}) },
        required: 'required' as const,
        status: 'accepted' as const,
      })),
    ],
  };
}

/** A page of a search: how many match in all, the next page's URL, and a warning OperationOutcome (mode `outcome`). */
export interface SearchPage { total?: number; nextUrl?: string; outcome?: OperationOutcome }

export function searchset(resources: Resource[], o: SchedulingFhirOptions, selfUrl: string, page: SearchPage = {}): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: page.total ?? resources.length,
    link: [{ relation: 'self', url: selfUrl }, ...(page.nextUrl ? [{ relation: 'next', url: page.nextUrl }] : [])],
    entry: [
      ...resources.map((r) => ({ fullUrl: `${o.publicUrl}/fhir/${r.resourceType}/${r.id}`, resource: r, search: { mode: 'match' as const } })),
      ...(page.outcome ? [{ resource: page.outcome, search: { mode: 'outcome' as const } }] : []),
    ],
  };
}

/** The warning a lenient search returns when it ignored parameters (FHIR: an entry with search mode `outcome`). */
export function ignoredParamsOutcome(ignored: readonly string[], systemBase: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{
      severity: 'warning',
      code: 'not-supported',
      details: { coding: [{ system: `${systemBase}/CodeSystem/error`, code: 'ERR_SCHED_UNSUPPORTED_PARAM' }], text: `ignored search parameters: ${ignored.join(', ')}` },
    }],
  };
}

export type OutcomeIssueCode =
  | 'invalid' | 'not-found' | 'conflict' | 'forbidden' | 'login' | 'exception' | 'not-supported' | 'business-rule' | 'throttled' | 'transient';

/** An OperationOutcome whose issue carries the Rounds error code in `details.coding`. */
export function operationOutcome(code: OutcomeIssueCode, roundsCode: string, text: string, systemBase: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{
      severity: 'error',
      code,
      details: { coding: [{ system: `${systemBase}/CodeSystem/error`, code: roundsCode }], text },
    }],
  };
}

/** What /fhir/metadata answers: the resources, interactions and search parameters served here. */
export function capabilityStatement(o: SchedulingFhirOptions, software: { name: string; version: string }, date: string): CapabilityStatement {
  const search = (name: string, type: 'reference' | 'date' | 'token') => ({ name, type });
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date,
    kind: 'instance',
    software,
    implementation: { description: 'Rounds telehealth scheduling', url: `${o.publicUrl}/fhir` },
    fhirVersion: '4.0.1',
    format: ['json'],
    rest: [{
      mode: 'server',
      security: { cors: false, description: 'Bearer tokens issued by Rounds (Authorization: Bearer ...)' },
      // Each resource lists exactly the search parameters search.ts parses (besides _count/_offset).
      resource: [
        {
          type: 'Schedule',
          interaction: [{ code: 'read' }, { code: 'search-type' }, { code: 'create' }],
          searchParam: SCHEDULE_SEARCH_PARAMS.map((p) => search(p.name, p.type)),
        },
        {
          type: 'Slot',
          interaction: [{ code: 'read' }, { code: 'search-type' }, { code: 'create' }],
          searchParam: SLOT_SEARCH_PARAMS.map((p) => search(p.name, p.type)),
        },
        {
          type: 'Appointment',
          interaction: [{ code: 'read' }, { code: 'create' }, { code: 'update' }, { code: 'search-type' }],
          searchParam: APPOINTMENT_SEARCH_PARAMS.map((p) => search(p.name, p.type)),
        },
      ],
    }],
  };
}
