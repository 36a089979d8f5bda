/**
 * Check-in answers: insurance, intake (the reason for the visit) and telehealth consent for the
 * state the patient is in. Pure: parsing and the stored shape; the consent date comes from `now`.
 */
import { z } from 'zod';
import { US_STATES } from '../visits/model.ts';
import type { TextCodec } from '../../db/codec.ts';

const text = (max: number) => z.string().trim().max(max);

export const intakeBodySchema = z.strictObject({
  insurance: z.strictObject({ insurer: text(200).optional(), memberId: text(100).optional(), groupNumber: text(100).optional() }).optional(),
  intake: z.strictObject({ reason: text(4000).optional() }).optional(),
  consent: z.strictObject({ telehealth: z.literal(true), state: z.enum(US_STATES) }),
});

export type IntakeBody = z.infer<typeof intakeBodySchema>;

export interface IntakeAnswers {
  insurance: { insurer?: string; memberId?: string; groupNumber?: string };
  intake: { reason?: string };
  consent: { telehealth: true; state: string; date: string; at: string };
}

export interface IntakeRecord {
  visitId: string;
  patientId: string;
  answers: IntakeAnswers;
  submittedAt: string;
}

export interface IntakeRepository {
  /** Stores the answers, replacing an earlier submission by the same patient for the same visit. */
  put(record: IntakeRecord): Promise<void>;
  get(visitId: string, patientId: string): Promise<IntakeRecord | null>;
}

/** The answers are PHI: sealed by the codec under `intake:<visitId>:<patientId>` on every engine. */
export const intakeContext = (visitId: string, patientId: string): string => `intake:${visitId}:${patientId}`;

export function sealIntake(codec: TextCodec, r: IntakeRecord): string {
  return codec.sealText(intakeContext(r.visitId, r.patientId), JSON.stringify(r.answers));
}

export function openIntake(codec: TextCodec, row: { visitId: string; patientId: string; data: string; submittedAt: string }): IntakeRecord {
  const answers = JSON.parse(codec.openText(intakeContext(row.visitId, row.patientId), row.data)) as IntakeAnswers;
  return { visitId: row.visitId, patientId: row.patientId, answers, submittedAt: row.submittedAt };
}

export type ParseResult = { ok: true; value: IntakeAnswers } | { ok: false; fields: { path: string; message: string }[] };

/** Validates a submission; consent is dated by the server's clock (`now`), not by the client. */
export function parseIntake(body: unknown, now: Date): ParseResult {
  const r = intakeBodySchema.safeParse(body);
  if (!r.success) return { ok: false, fields: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) };
  const at = now.toISOString();
  return {
    ok: true,
    value: {
      insurance: { ...r.data.insurance },
      intake: { ...r.data.intake },
      consent: { telehealth: true, state: r.data.consent.state, date: at.slice(0, 10), at },
    },
  };
}
