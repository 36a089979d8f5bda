/** Check-in answers (insurance, intake, telehealth consent). Owned by server/intake; own migrations. */
import { sqliteTable, text, primaryKey } from 'drizzle-orm/sqlite-core';

/**
 * One row per patient per visit; a new submission replaces the old one. `data` is the answers as
 * JSON sealed by the security codec (PHI: encrypted at rest); only ids and times stay readable.
 */
export const intakeAnswers = sqliteTable(
  'intake_answers',
  {
    visitId: text('visit_id').notNull(),
    patientId: text('patient_id').notNull(),
    data: text('data').notNull(),
    submittedAt: text('submitted_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.visitId, t.patientId] })],
);
