/**
 * Visit facts: the input of the billing engine, validated with zod.
 *
 * Facts describe what was documented, not what to bill: total clinician time on the date of the
 * encounter (not call length), MDM or its three elements, where the patient was, who the
 * clinician is licensed as, which consents exist. Everything the documentation may lack is
 * optional, so the visit close can pass partial facts and the engine says what it could not use.
 * Objects are strict: an unknown key is an error, because a misspelt `totalMinute` silently
 * ignored would change the coding.
 */
import { z } from 'zod';
import type { FieldError } from './errors.ts';
import { MDM_LEVELS } from './types.ts';

/** One list of states for the whole platform (USPS codes of the states, DC and territories). */
import { US_STATES, type UsState } from '../visits/model.ts';
export { US_STATES, type UsState };

export const StateSchema = z.enum(US_STATES);
export const IsoDateSchema = z.iso.date();
/** CPT and HCPCS Level II codes are five characters: 99213, G2211. */
export const CodeSchema = z.string().regex(/^[0-9A-Z]{5}$/, 'expected a 5-character CPT/HCPCS code');

const DayMinutes = z.number().int().min(0).max(24 * 60);
const MonthMinutes = z.number().int().min(0).max(31 * 24 * 60);

/** AMA MDM table wording for each element; each maps to the MDM level it supports. */
export const PROBLEM_LEVELS = ['minimal', 'low', 'moderate', 'high'] as const;
export const DATA_LEVELS = ['minimal', 'limited', 'moderate', 'extensive'] as const;
export const RISK_LEVELS = ['minimal', 'low', 'moderate', 'high'] as const;

const MdmElementsSchema = z
  .strictObject({
    problems: z.enum(PROBLEM_LEVELS).optional(),
    data: z.enum(DATA_LEVELS).optional(),
    risk: z.enum(RISK_LEVELS).optional(),
  })
  .refine((e) => e.problems !== undefined || e.data !== undefined || e.risk !== undefined, {
    message: 'give at least one MDM element (problems, data, risk)',
  });

const DatedConsent = z.strictObject({ date: IsoDateSchema });

export const FactsSchema = z
  .strictObject({
    /** `visit` = E/M visit (default); `check-in` = brief virtual check-in; `none` = RPM/CCM only. */
    service: z.enum(['visit', 'check-in', 'none']).optional(),
    patientStatus: z.enum(['new', 'established']),
    /** Date of service; defaults to the UTC date of `now`. */
    date: IsoDateSchema.optional(),
    /** Total clinician time on the date of the encounter, in minutes. */
    totalMinutes: DayMinutes.optional(),
    /** Minutes of medical discussion (audio-only codes and check-ins depend on it). */
    medicalDiscussionMinutes: DayMinutes.optional(),
    mdm: z.enum(MDM_LEVELS).optional(),
    mdmElements: MdmElementsSchema.optional(),
    modality: z.enum(['video', 'audio']).optional(),
    audioOnlyReason: z.string().trim().min(1).max(500).optional(),
    patientLocation: z.strictObject({ state: StateSchema, setting: z.enum(['home', 'other']) }),
    clinician: z.strictObject({
      licensedStates: z.array(StateSchema).max(US_STATES.length),
      /** Holds an IMLC letter of qualification (a pathway to licenses, not a license). */
      imlc: z.boolean().optional(),
      /** Compact ids from the state rules table the clinician holds a privilege under. */
      compacts: z.array(z.string().min(1).max(40)).max(20).optional(),
    }),
    /** Payer profile id, e.g. `medicare-2026`. */
    payer: z.string().min(1).max(100),
    consents: z
      .strictObject({
        telehealth: z.strictObject({ date: IsoDateSchema, state: StateSchema }).optional(),
        audioOnly: DatedConsent.optional(),
        rpm: DatedConsent.optional(),
        ccm: DatedConsent.optional(),
      })
      .optional(),
    /** The clinician is the continuing focal point, or gives ongoing care for a serious/complex condition. */
    longitudinalCare: z.boolean().optional(),
    rpm: z
      .strictObject({
        deviceDays: z.number().int().min(0).max(30).optional(),
        managementMinutes: MonthMinutes.optional(),
        interactiveContact: z.boolean().optional(),
        setupAndEducation: z.boolean().optional(),
        /** Codes already billed for this patient in the same period, by anyone. */
        alreadyBilled: z.array(CodeSchema).max(20).optional(),
      })
      .optional(),
    ccm: z
      .strictObject({
        chronicConditions: z.number().int().min(0).max(100),
        clinicalStaffMinutes: MonthMinutes.optional(),
        practitionerMinutes: MonthMinutes.optional(),
        alreadyBilled: z.array(CodeSchema).max(20).optional(),
      })
      .optional(),
    prescriptions: z
      .array(
        z.strictObject({
          drug: z.string().trim().min(1).max(200),
          /** DEA schedule when controlled; absent for non-controlled drugs. */
          schedule: z.enum(['II', 'III', 'IV', 'V']).optional(),
          forOpioidUseDisorder: z.boolean().optional(),
        }),
      )
      .max(50)
      .optional(),
    /** The prescriber has examined the patient in person (Ryan Haight Act). */
    priorInPersonExam: z.boolean().optional(),
  })
  .superRefine((f, ctx) => {
    if ((f.service ?? 'visit') !== 'none' && f.modality === undefined) {
      ctx.addIssue({ code: 'custom', path: ['modality'], message: 'modality is required for a visit or check-in' });
    }
  });

export type Facts = z.infer<typeof FactsSchema>;

export type ParseResult = { ok: true; facts: Facts } | { ok: false; errors: FieldError[] };

/** Validates untrusted input into visit facts, or lists every problem with its field path. */
export function parseFacts(input: unknown): ParseResult {
  const r = FactsSchema.safeParse(input);
  if (r.success) return { ok: true, facts: r.data };
  return { ok: false, errors: toFieldErrors(r.error.issues) };
}

/** Flattens zod issues to `{ path, code, message }`, one entry per unknown key. */
export function toFieldErrors(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of issues) {
    const base = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({ path: [...base, key].join('.'), code: issue.code, message: `unknown field "${key}"` });
      }
    } else {
      out.push({ path: base.join('.'), code: issue.code, message: issue.message });
    }
  }
  return out;
}
