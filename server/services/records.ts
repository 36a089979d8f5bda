/**
 * What a visit's close produces, built from plain data: per patient a FHIR transaction Bundle
 * (Encounter, DocumentReference, ChargeItems) plus the billing decision. Pure: no I/O, `now` in.
 */
import type { Bundle } from '@medplum/fhirtypes';
import { decide, parseFacts, type Decision, type Tables } from '../billing/index.ts';
import { toVisitCloseBundle } from '../fhir/bundle.ts';
import type { BillingInput, ClosedVisitInput, ParticipantInput } from '../fhir/types.ts';
import type { Visit } from '../visits/model.ts';
import type { RosterEntry } from '../visits/room-doc.ts';
import type { Coding } from '../visits/note-doc.ts';
import { relationshipDisplay } from '../visits/model.ts';
import { visitPeriod } from '../visits/roster.ts';

export interface CloseFacts {
  visit: Visit;
  roster: RosterEntry[];
  noteText: string;
  /** User ids who wrote in the note. */
  noteAuthors: string[];
  assessment: Coding[];
  /** Billing facts supplied at close (patient status, MDM, minutes, payer, clinician licences, consents). */
  billingFacts: Record<string, unknown> | undefined;
  now: Date;
  systemBase: string;
  tables: Tables;
}

export type BillingRecord =
  | { status: 'decided'; decision: Decision }
  | { status: 'pending'; reason: 'ERR_BILLING_FACTS_MISSING' | 'ERR_BILLING_FACTS_INVALID'; fields: { path: string; code: string; message: string }[] };

export interface CloseRecords {
  visitId: string;
  closedAt: string;
  billing: BillingRecord;
  bundles: { patientId: string; bundle: Bundle }[];
}

const sec = (iso: string) => new Date(Math.floor(Date.parse(iso) / 1000) * 1000).toISOString().replace('.000Z', 'Z');

export function billingFor(f: CloseFacts): BillingRecord {
  if (!f.billingFacts) return { status: 'pending', reason: 'ERR_BILLING_FACTS_MISSING', fields: [] };
  const { visit } = f;
  const parsed = parseFacts({
    modality: visit.modality,
    ...(visit.audioOnlyReason ? { audioOnlyReason: visit.audioOnlyReason } : {}),
    patientLocation: visit.patientLocation,
    date: f.now.toISOString().slice(0, 10),
    ...f.billingFacts,
  });
  if (!parsed.ok) return { status: 'pending', reason: 'ERR_BILLING_FACTS_INVALID', fields: parsed.errors };
  return { status: 'decided', decision: decide(parsed.facts, { now: f.now, ...f.tables }) };
}

function participants(roster: RosterEntry[], visit: Visit, end: string): ParticipantInput[] {
  const lead = visit.clinicians[0]?.id;
  return roster
    .filter((r) => r.role !== 'patient' && r.intervals.length > 0)
    .map((r) => ({
      id: r.id,
      role: r.role,
      ...(r.id === lead ? { primary: true } : {}),
      ...(r.language ? { language: r.language } : {}),
      ...(r.relationship ? { relationship: relationshipDisplay(r.relationship) ?? r.relationship } : {}),
      intervals: r.intervals.map((i) => ({ start: sec(i.join), end: sec(i.leave ?? end) })),
    }));
}

export function buildCloseRecords(f: CloseFacts): CloseRecords {
  const { visit, now } = f;
  const closedAt = sec(now.toISOString());
  const period = visitPeriod(f.roster, now) ?? { start: visit.startedAt ?? visit.scheduledStart, end: closedAt };
  const p = { start: sec(period.start), end: sec(period.end) };
  if (p.end < p.start) p.end = p.start;
  const billing = billingFor(f);
  const bundles = visit.patients.map((patient) => {
    const input: ClosedVisitInput = {
      visitId: visit.id,
      kind: visit.kind,
      modality: visit.modality,
      patient: { id: patient.id },
      participants: participants(f.roster, visit, p.end),
      period: p,
      ...(f.assessment.length ? { reasonCodes: f.assessment.map((c) => ({ system: c.system, code: c.code, ...(c.display ? { display: c.display } : {}) })) } : {}),
      location: visit.patientLocation,
    };
    const authors = (f.noteAuthors.length ? f.noteAuthors : visit.clinicians.map((c) => c.id)).map((id) => ({ id }));
    const note = f.noteText.trim().length > 0
      ? { id: visit.id, kind: visit.kind, text: f.noteText, authors, date: closedAt }
      : undefined;
    const bill: BillingInput = {
      visitId: visit.id,
      status: billing.status === 'decided' ? (billing.decision.billable ? 'billable' : 'not-billable') : 'pending',
      lines: billing.status === 'decided' ? billing.decision.lines.map((l) => ({ code: l.code, modifiers: l.modifiers, units: l.units })) : [],
      pos: billing.status === 'decided' ? billing.decision.pos : null,
      rationale: billing.status === 'decided'
        ? billing.decision.rationale.map((r) => ({ rule: r.rule, because: r.because }))
        : [{ rule: billing.reason, because: 'billing facts were not complete at close; the charge is pending review' }],
      servicePeriod: p,
    };
    const bundle = toVisitCloseBundle({ visit: input, ...(note ? { note } : {}), billing: bill }, { systemBase: f.systemBase, now: closedAt });
    return { patientId: patient.id, bundle };
  });
  return { visitId: visit.id, closedAt, billing, bundles };
}
