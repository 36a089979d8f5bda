/** Check-in answers on SQLite. The answers are sealed by the codec; the row names only ids and a time. */
import { and, eq } from 'drizzle-orm';
import type { SqliteHandle } from '../connection.ts';
import { PLAIN_CODEC, type TextCodec } from '../../codec.ts';
import { intakeAnswers } from './schema.ts';
import { openIntake, sealIntake, type IntakeRecord, type IntakeRepository } from '../../../server/intake/model.ts';

export class SqliteIntakeRepository implements IntakeRepository {
  constructor(private readonly h: SqliteHandle, private readonly codec: TextCodec = PLAIN_CODEC) {}

  async put(r: IntakeRecord): Promise<void> {
    const data = sealIntake(this.codec, r);
    this.h.db.insert(intakeAnswers).values({ visitId: r.visitId, patientId: r.patientId, data, submittedAt: r.submittedAt })
      .onConflictDoUpdate({ target: [intakeAnswers.visitId, intakeAnswers.patientId], set: { data, submittedAt: r.submittedAt } }).run();
  }

  async get(visitId: string, patientId: string): Promise<IntakeRecord | null> {
    const row = this.h.db.select().from(intakeAnswers).where(and(eq(intakeAnswers.visitId, visitId), eq(intakeAnswers.patientId, patientId))).get();
    return row ? openIntake(this.codec, row) : null;
  }
}
