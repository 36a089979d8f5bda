/**
 * Sample inputs shared by the FHIR emitter tests (not a test file itself: no `.test.ts`).
 * A 32.5-minute video visit: lead clinician who dropped and rejoined, an interpreter, a caregiver
 * who stepped out and back, and the patient.
 */
import type { BillingInput, ClosedVisitInput, NoteInput, TimedEmitOptions } from '../../../server/fhir/types.ts';

export const SYSTEM_BASE = 'https://clinic.example/fhir';
export const NOW = '2026-03-02T15:00:00Z';
export const OPTS: TimedEmitOptions = { systemBase: SYSTEM_BASE, now: NOW };

export const START = '2026-03-02T14:00:00Z';
export const END = '2026-03-02T14:32:30Z';

export function visit(overrides: Partial<ClosedVisitInput> = {}): ClosedVisitInput {
  return {
    visitId: 'v-1001',
    kind: 'one-to-one',
    modality: 'video',
    patient: { id: 'pat-7', reference: 'Patient/123', display: 'Ann Example' },
    participants: [
      {
        id: 'clin-1', role: 'clinician', reference: 'Practitioner/9', display: 'Dr. A',
        intervals: [{ start: START, end: '2026-03-02T14:20:00Z' }, { start: '2026-03-02T14:19:00Z' }],
      },
      { id: 'int-1', role: 'interpreter', language: 'es', intervals: [{ start: '2026-03-02T14:01:00Z', end: '2026-03-02T14:25:00Z' }] },
      {
        id: 'care-1', role: 'caregiver', relationship: 'daughter',
        intervals: [{ start: '2026-03-02T14:01:00Z', end: '2026-03-02T14:10:00Z' }, { start: '2026-03-02T14:15:00Z', end: '2026-03-02T14:20:00Z' }],
      },
      { id: 'pat-7', role: 'patient', intervals: [{ start: START }] },
    ],
    period: { start: START, end: END },
    reasonCodes: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'F41.1', display: 'Generalized anxiety disorder' }],
    location: { state: 'NY', setting: 'home' },
    ...overrides,
  };
}

export function note(overrides: Partial<NoteInput> = {}): NoteInput {
  return {
    id: 'v-1001',
    kind: 'one-to-one',
    text: 'S: follow-up, feeling better. Ñ/ü/中文 check.\nA/P: continue plan.',
    authors: [{ id: 'clin-1', reference: 'Practitioner/9', display: 'Dr. A' }],
    date: '2026-03-02T14:40:00Z',
    title: 'Telehealth follow-up',
    ...overrides,
  };
}

export function billing(overrides: Partial<BillingInput> = {}): BillingInput {
  return {
    visitId: 'v-1001',
    status: 'billable',
    lines: [
      { code: '99214', modifiers: ['95'], units: 1 },
      { code: 'G2211', modifiers: [], units: 1 },
    ],
    pos: '10',
    diagnoses: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'F41.1' }],
    rationale: [
      { rule: 'em.time.established', because: 'total clinician time 32 min meets the 30 min minimum for 99214' },
      { rule: 'g2211.longitudinal', because: 'ongoing longitudinal care relationship recorded', code: 'G2211' },
    ],
    servicePeriod: { start: START, end: END },
    ...overrides,
  };
}
