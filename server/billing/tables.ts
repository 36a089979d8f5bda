/**
 * Rule tables: payer profiles, state rules, DEA telemedicine rules and fees. They are data (JSON in
 * `tables/`) so a clinic can change them without touching code; this file only says what a valid
 * table looks like and checks that the tables agree with each other. Every row carries `source`:
 * the publication it comes from, or plainly "Rounds policy" / "placeholder" when it is a choice.
 */
import { z } from 'zod';
import { BillingError } from './errors.ts';
import { CodeSchema, IsoDateSchema, StateSchema, toFieldErrors } from './facts.ts';
import { MDM_LEVELS } from './types.ts';

const Source = z.string().min(1);
const Severity = z.enum(['blocking', 'warning']);
const PosInt = z.number().int().positive();
const Units = PosInt.nullable(); // null = no limit

const EmRow = z.strictObject({
  code: CodeSchema,
  description: z.string().min(1),
  patientStatus: z.enum(['new', 'established']),
  modality: z.enum(['video', 'audio', 'any']),
  mdm: z.enum(MDM_LEVELS),
  /** Total time that must be met or exceeded to select this code by time. */
  minMinutes: PosInt,
  /** Audio-only CPT codes also need more than this many minutes of medical discussion. */
  medicalDiscussionMoreThan: z.number().int().nonnegative().optional(),
  source: Source,
});

const ProfileSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/),
  name: z.string().min(1),
  effective: z.strictObject({ from: IsoDateSchema, to: IsoDateSchema }),
  source: Source,
  pos: z.strictObject({ home: z.string().min(2), other: z.string().min(2), source: Source }),
  modalityModifiers: z.strictObject({
    video: z.string().min(2).nullable(),
    audio: z.string().min(2).nullable(),
    /** Only these codes get the modality modifier. */
    codes: z.array(CodeSchema),
    source: Source,
  }),
  audioOnly: z.strictObject({
    allowed: z.boolean(),
    reasonRequired: z.boolean(),
    missingReasonSeverity: Severity,
    source: Source,
  }),
  em: z.array(EmRow).min(1),
  prolonged: z
    .strictObject({
      code: CodeSchema,
      description: z.string().min(1),
      unitMinutes: PosInt,
      rows: z.array(z.strictObject({ base: CodeSchema, firstUnitAt: PosInt, source: Source })).min(1),
    })
    .nullable(),
  longitudinal: z
    .strictObject({ code: CodeSchema, description: z.string().min(1), withCodes: z.array(CodeSchema).min(1), source: Source })
    .nullable(),
  checkIn: z
    .strictObject({
      code: CodeSchema,
      description: z.string().min(1),
      patientStatus: z.literal('established'),
      minMinutes: PosInt,
      maxMinutes: PosInt,
      /** Payer-level consent renewal for this service (days), on top of the state rule. */
      consentRenewalDays: PosInt.nullable(),
      source: Source,
    })
    .nullable(),
  rpm: z
    .strictObject({
      consentRequired: z.boolean(),
      interactiveContactRequired: z.boolean(),
      setup: z.strictObject({ code: CodeSchema, description: z.string().min(1), minDeviceDays: PosInt, source: Source }),
      device: z.array(z.strictObject({ code: CodeSchema, description: z.string().min(1), minDays: PosInt, maxDays: PosInt, source: Source })).min(1),
      management: z.array(z.strictObject({ code: CodeSchema, description: z.string().min(1), minMinutes: PosInt, source: Source })).min(1),
      additional: z.strictObject({ code: CodeSchema, description: z.string().min(1), after: CodeSchema, unitMinutes: PosInt, maxUnits: Units, source: Source }),
      exclusive: z.array(z.strictObject({ codes: z.tuple([CodeSchema, CodeSchema]), source: Source })),
    })
    .nullable(),
  ccm: z
    .strictObject({
      consentRequired: z.boolean(),
      minChronicConditions: PosInt,
      source: Source,
      /** Mutually exclusive in one calendar month: at most one option is billed. */
      options: z
        .array(
          z.strictObject({
            code: CodeSchema,
            description: z.string().min(1),
            timeFrom: z.array(z.enum(['clinicalStaff', 'practitioner'])).min(1),
            minMinutes: PosInt,
            addOn: z.strictObject({ code: CodeSchema, description: z.string().min(1), unitMinutes: PosInt, maxUnits: Units }),
            source: Source,
          }),
        )
        .min(1),
    })
    .nullable(),
});

const StateRow = z.strictObject({
  telehealthConsentRequired: z.boolean(),
  /** Days a telehealth consent stays valid under state law; null = the law sets no renewal. */
  consentRenewalDays: PosInt.nullable(),
  audioOnlyConsentRequired: z.boolean(),
  source: Source,
});

const StateRulesSchema = z.strictObject({
  source: Source,
  /** Applied where the state row sets no renewal: the clinic's own policy, not a law. */
  clinicPolicy: z.strictObject({ consentRenewalDays: PosInt.nullable(), source: Source }),
  default: StateRow,
  states: z.array(StateRow.extend({ state: StateSchema })),
  compacts: z.array(
    z.strictObject({
      id: z.string().min(1).max(40),
      name: z.string().min(1),
      /** True only for compacts that let a member practise without a license in the state. */
      grantsPracticePrivilege: z.boolean(),
      members: z.array(StateSchema),
      source: Source,
    }),
  ),
});

const DeaSchema = z.strictObject({
  id: z.string().min(1),
  severity: Severity,
  source: Source,
  rules: z
    .array(
      z.strictObject({
        id: z.string().min(1),
        from: IsoDateSchema,
        to: IsoDateSchema,
        modality: z.enum(['video', 'audio']),
        schedules: z.array(z.enum(['II', 'III', 'IV', 'V'])).min(1),
        opioidUseDisorderOnly: z.boolean(),
        source: Source,
      }),
    )
    .min(1),
});

const FeesSchema = z.strictObject({
  currency: z.string().regex(/^[A-Z]{3}$/),
  source: Source,
  profiles: z.record(z.string(), z.record(CodeSchema, z.strictObject({ cents: z.number().int().nonnegative(), source: Source }))),
});

export type PayerProfile = z.infer<typeof ProfileSchema>;
export type EmCodeRow = z.infer<typeof EmRow>;
export type StateRules = z.infer<typeof StateRulesSchema>;
export type StateRule = z.infer<typeof StateRow>;
export type DeaRules = z.infer<typeof DeaSchema>;
export type FeeTable = z.infer<typeof FeesSchema>;

export interface Tables {
  profiles: Record<string, PayerProfile>;
  stateRules: StateRules;
  fees: FeeTable;
  dea: DeaRules;
}

export interface RawTables {
  profiles: unknown[];
  stateRules: unknown;
  fees: unknown;
  dea: unknown;
}

function parsePart<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const fields = toFieldErrors(r.error.issues).map((f) => ({ ...f, path: f.path ? `${where}.${f.path}` : where }));
  throw new BillingError('ERR_BILLING_TABLES_INVALID', `billing table ${where} is invalid`, fields);
}

function problem(path: string, message: string): never {
  throw new BillingError('ERR_BILLING_TABLES_INVALID', `billing table ${path}: ${message}`, [{ path, code: 'inconsistent', message }]);
}

/** Validates raw JSON tables and cross-checks them. Pure; throws BillingError on a bad table. */
export function parseTables(raw: RawTables): Tables {
  const profiles: Record<string, PayerProfile> = {};
  raw.profiles.forEach((p, i) => {
    const profile = parsePart(ProfileSchema, p, `profiles[${i}]`);
    if (profiles[profile.id]) problem(`profiles[${i}].id`, `duplicate profile id "${profile.id}"`);
    checkProfile(profile, `profiles.${profile.id}`);
    profiles[profile.id] = profile;
  });
  const stateRules = parsePart(StateRulesSchema, raw.stateRules, 'stateRules');
  const seen = new Set<string>();
  for (const row of stateRules.states) {
    if (seen.has(row.state)) problem(`stateRules.states.${row.state}`, 'state listed twice');
    seen.add(row.state);
  }
  const fees = parsePart(FeesSchema, raw.fees, 'fees');
  for (const id of Object.keys(fees.profiles)) {
    if (!profiles[id]) problem(`fees.profiles.${id}`, 'fees for a profile that does not exist');
  }
  const dea = parsePart(DeaSchema, raw.dea, 'dea');
  return { profiles, stateRules, fees, dea };
}

function checkProfile(p: PayerProfile, at: string): void {
  if (p.effective.from > p.effective.to) problem(`${at}.effective`, 'from is after to');
  const emCodes = new Set(p.em.map((r) => r.code));
  // One row per (status, modality, level): otherwise "the code for this level" is ambiguous.
  const keys = new Set<string>();
  for (const r of p.em) {
    const key = `${r.patientStatus}/${r.modality}/${r.mdm}`;
    if (keys.has(key)) problem(`${at}.em.${r.code}`, `two codes for ${key}`);
    keys.add(key);
  }
  for (const r of p.prolonged?.rows ?? []) {
    if (!emCodes.has(r.base)) problem(`${at}.prolonged.${r.base}`, 'base code is not in the E/M table');
  }
  for (const c of p.longitudinal?.withCodes ?? []) {
    if (!emCodes.has(c)) problem(`${at}.longitudinal.${c}`, 'code is not in the E/M table');
  }
  if (p.checkIn && p.checkIn.minMinutes > p.checkIn.maxMinutes) problem(`${at}.checkIn`, 'minMinutes > maxMinutes');
  for (const d of p.rpm?.device ?? []) {
    if (d.minDays > d.maxDays) problem(`${at}.rpm.device.${d.code}`, 'minDays > maxDays');
  }
  if (p.rpm && !p.rpm.management.some((m) => m.code === p.rpm?.additional.after)) {
    problem(`${at}.rpm.additional`, '"after" is not a management code');
  }
}
