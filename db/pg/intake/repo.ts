/** Check-in answers on Postgres (same contract as db/sqlite/intake/repo.ts): answers sealed by the codec, under the same context. */
import { and, eq } from 'drizzle-orm';
import type { PgHandle } from '../connection.ts';
import { PLAIN_CODEC, type TextCodec } from '../../codec.ts';
import { intakeAnswers } from './schema.ts';
import { openIntake, sealIntake, type IntakeRecord, type IntakeRepository } from '../../../server/intake/model.ts';

export class PgIntakeRepository implements IntakeRepository {
  constructor(private readonly h: PgHandle, private readonly codec: TextCodec = PLAIN_CODEC) {}

  async put(r: IntakeRecord): Promise<void> {
    const data = sealIntake(this.codec, r);
    await this.h.db.insert(intakeAnswers).values({ visitId: r.visitId, patientId: r.patientId, data, submittedAt: r.submittedAt })
      .onConflictDoUpdate({ target: [intakeAnswers.visitId, intakeAnswers.patientId], set: { data, submittedAt: r.submittedAt } });
  }

  async get(visitId: string, patientId: string): Promise<IntakeRecord | null> {
    const [row] = await this.h.db.select().from(intakeAnswers).where(and(eq(intakeAnswers.visitId, visitId), eq(intakeAnswers.patientId, patientId)));
    return row ? openIntake(this.codec, row) : null;
  }
}
