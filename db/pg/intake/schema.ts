/** Check-in answers on Postgres, the twin of db/sqlite/intake/schema.ts. Own migrations (`__drizzle_intake`). */
import { pgTable, primaryKey, text } from 'drizzle-orm/pg-core';

/** One row per patient per visit; `data` is the answers as JSON sealed by the codec (PHI). */
export const intakeAnswers = pgTable(
  'intake_answers',
  {
    visitId: text('visit_id').notNull(),
    patientId: text('patient_id').notNull(),
    data: text('data').notNull(),
    submittedAt: text('submitted_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.visitId, t.patientId] })],
);
