/**
 * Input shapes of the FHIR emitters. The visit model is mapped into these by the caller; the
 * emitters parse them with the zod schemas below, so a malformed input fails with
 * ERR_FHIR_INPUT_INVALID and a list of `path: reason` lines instead of producing a bad resource.
 *
 * Timestamps are FHIR `instant`s: full date and time to the second with a zone
 * (`2026-03-02T14:05:00Z`, `2026-03-02T09:05:00-05:00`). Rounds ids are restricted to characters
 * that need no escaping in a FHIR search (`identifier=system|value`), because every id ends up in
 * an `ifNoneExist` query for idempotent write-back.
 */
import { z } from 'zod';
import { FhirMappingError } from './errors.ts';

const INSTANT = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))$/;
/** Date.parse rolls 2026-02-30 over to March; check the day against the month instead. */
function isCalendarDate(s: string): boolean {
  const [y, m, d] = s.slice(0, 10).split('-').map(Number) as [number, number, number];
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate() && Number.isFinite(Date.parse(s));
}
export const instant = z
  .string()
  .regex(INSTANT, 'must be a FHIR instant with seconds and a zone')
  .refine(isCalendarDate, 'must be a real calendar time');

const roundsId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be 1-128 of A-Z a-z 0-9 . _ : -');
const display = z.string().min(1).max(200);
const FHIR_ID = '[A-Za-z0-9.-]{1,64}';
const literalRef = (types: string) => z.string().regex(new RegExp(`^(${types})/${FHIR_ID}$`), `must be a relative reference to ${types.replaceAll('|', ' or ')}`);

export const codingInput = z.object({
  system: z.string().regex(/^(https?:\/\/|urn:)\S+$/, 'must be an absolute URI'),
  code: z.string().regex(/^\S+( \S+)*$/, 'must be a FHIR code'),
  display: display.optional(),
});
export type CodingInput = z.infer<typeof codingInput>;

const periodInput = z.object({ start: instant, end: instant });

export const VISIT_KINDS = ['one-to-one', 'group-therapy', 'tumor-board'] as const;
export type VisitKind = (typeof VISIT_KINDS)[number];
export const PARTICIPANT_ROLES = ['clinician', 'nurse', 'scribe', 'interpreter', 'caregiver', 'observer', 'patient'] as const;
export type ParticipantRole = (typeof PARTICIPANT_ROLES)[number];

/** The patient the visit is about; `reference` (`Patient/123`) when the EHR id is known. */
export const patientInput = z.object({ id: roundsId, display: display.optional(), reference: literalRef('Patient').optional() });
export type PatientInput = z.infer<typeof patientInput>;

/** A clinician acting as author or rendering provider. */
export const practitionerInput = z.object({
  id: roundsId,
  display: display.optional(),
  reference: literalRef('Practitioner|PractitionerRole').optional(),
});
export type PractitionerInput = z.infer<typeof practitionerInput>;

export const participantInput = z.object({
  id: roundsId,
  display: display.optional(),
  /** R4 Encounter.participant.individual may only point at these three types. */
  reference: literalRef('Practitioner|PractitionerRole|RelatedPerson').optional(),
  role: z.enum(PARTICIPANT_ROLES),
  /** Lead clinician of the visit; when no clinician is flagged, the first clinician listed is. */
  primary: z.boolean().optional(),
  /** BCP-47 tag of the language an interpreter interprets into, e.g. `es`, `zh-Hant`. */
  language: z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/, 'must be a BCP-47 tag').optional(),
  /** How a caregiver relates to the patient, in words (`daughter`, `home health aide`). */
  relationship: z.string().min(1).max(80).optional(),
  /** Roster intervals; an interval still open when the visit closed ends at the visit end. */
  intervals: z.array(z.object({ start: instant, end: instant.optional() })),
});
export type ParticipantInput = z.infer<typeof participantInput>;

export const closedVisitInput = z.object({
  visitId: roundsId,
  kind: z.enum(VISIT_KINDS),
  modality: z.enum(['video', 'audio']),
  patient: patientInput,
  participants: z.array(participantInput),
  period: periodInput,
  /** Coded assessment, e.g. ICD-10-CM or SNOMED CT. */
  reasonCodes: z.array(codingInput).optional(),
  serviceType: codingInput.optional(),
  /** Where the patient was: the care happens there (licensure, place of service). */
  location: z.object({ state: z.string().regex(/^[A-Z]{2}$/, 'must be a two-letter state code'), setting: z.enum(['home', 'other']) }).optional(),
});
export type ClosedVisitInput = z.infer<typeof closedVisitInput>;

export const noteInput = z.object({
  /** Rounds id of the note (one per visit today, so the visit id works). */
  id: roundsId,
  /** Chooses the LOINC document type; see document-reference.ts. */
  kind: z.enum(VISIT_KINDS),
  text: z.string().min(1),
  authors: z.array(practitionerInput).min(1),
  /** When the note was signed. */
  date: instant,
  title: z.string().min(1).max(200).optional(),
});
export type NoteInput = z.infer<typeof noteInput>;

export const billingLineInput = z.object({
  code: z.string().regex(/^[A-Z0-9]{5}$/, 'must be a 5-character CPT or HCPCS code'),
  /** Defaults from the code's shape: 4 digits + digit/F/T/U is CPT, letter + 4 digits is HCPCS. */
  system: z.string().regex(/^(https?:\/\/|urn:)\S+$/, 'must be an absolute URI').optional(),
  /** In claim order; digit-first modifiers are CPT (95, 93), letter-first HCPCS Level II (FQ, GT). */
  modifiers: z.array(z.string().regex(/^[A-Z0-9]{2}$/, 'must be a 2-character modifier')).max(4),
  units: z.number().int().min(1).max(999),
});
export type BillingLineInput = z.infer<typeof billingLineInput>;

export const billingInput = z.object({
  visitId: roundsId,
  status: z.enum(['billable', 'not-billable', 'pending']),
  lines: z.array(billingLineInput),
  /** CMS place-of-service code (10 patient at home, 02 elsewhere); null when none applies. */
  pos: z.string().regex(/^\d{2}$/, 'must be a 2-digit place-of-service code').nullable(),
  diagnoses: z.array(codingInput).optional(),
  /**
   * Which rule fired and why. This text travels to billing staff and payers' systems, so the
   * billing engine must phrase it without PHI (rule ids, thresholds, counted minutes).
   * A rationale with `code` is attached only to lines with that code; without, to every line.
   */
  rationale: z.array(z.object({ rule: z.string().min(1).max(100), because: z.string().min(1).max(500), code: z.string().optional() })),
  /** Date(s) of service; usually the visit period. */
  servicePeriod: periodInput,
  renderingProvider: practitionerInput.optional(),
});
export type BillingInput = z.infer<typeof billingInput>;

/** Deployment configuration shared by every emitter. */
export const emitOptions = z.object({
  /**
   * A URL (or URN) this deployment owns, without a trailing slash, e.g.
   * `https://clinic.example/fhir`. Identifier systems are `<base>/visit`, `<base>/note`,
   * `<base>/charge`, `<base>/participant`, `<base>/patient`; Rounds' own code systems and
   * extensions live under `<base>/CodeSystem/` and `<base>/StructureDefinition/`.
   */
  systemBase: z.string().regex(/^(https?:\/\/[^\s?#]*[^\s?#/]|urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:[^\s?#]*[^\s?#/])$/, 'must be an absolute http(s) URL or URN without a trailing slash'),
});
export type FhirEmitOptions = z.infer<typeof emitOptions>;

export const timedEmitOptions = emitOptions.extend({ now: instant });
/** Options for emitters that stamp the time of emission (ChargeItem.enteredDate, Bundle.timestamp). */
export type TimedEmitOptions = z.infer<typeof timedEmitOptions>;

/** Parse `value` with `schema` or throw ERR_FHIR_INPUT_INVALID naming each bad path. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = result.error.issues.map((i) => `${[what, ...i.path.map(String)].join('.')}: ${i.message}`);
  throw new FhirMappingError('ERR_FHIR_INPUT_INVALID', `${what} is invalid`, details);
}
