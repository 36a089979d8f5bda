/** Check-in answers on SQLite. The answers are sealed by the codec; the row names only ids and a time. */
import { and, eq } from 'drizzle-orm';
import type { SqliteHandle } from '../connection.ts';
import { PLAIN_CODEC, type BytesCodec } from '../../codec.ts';
import { intakeAnswers } from './schema.ts';
import type { IntakeRecord, IntakeRepository } from '../../../server/intake/model.ts';

export class SqliteIntakeRepository implements IntakeRepository {
  constructor(private readonly h: SqliteHandle, private readonly codec: BytesCodec = PLAIN_CODEC) {}

  static context(visitId: string, patientId: string): string { return `intake:${visitId}:${patientId}`; }

  async put(r: IntakeRecord): Promise<void> {
    const data = this.codec.sealText(SqliteIntakeRepository.context(r.visitId, r.patientId), JSON.stringify(r.answers));
    this.h.db.insert(intakeAnswers).values({ visitId: r.visitId, patientId: r.patientId, data, submittedAt: r.submittedAt })
      .onConflictDoUpdate({ target: [intakeAnswers.visitId, intakeAnswers.patientId], set: { data, submittedAt: r.submittedAt } }).run();
  }

  async get(visitId: string, patientId: string): Promise<IntakeRecord | null> {
    const row = this.h.db.select().from(intakeAnswers).where(and(eq(intakeAnswers.visitId, visitId), eq(intakeAnswers.patientId, patientId))).get();
    if (!row) return null;
    const answers = JSON.parse(this.codec.openText(SqliteIntakeRepository.context(visitId, patientId), row.data)) as IntakeRecord['answers'];
    return { visitId, patientId, answers, submittedAt: row.submittedAt };
  }
}
