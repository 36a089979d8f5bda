/** EHR integration tables (SMART launches, encounter -> visit links, EHR sessions). Owned by server/ehr. */
import { sqliteTable, integer, text, primaryKey, index } from 'drizzle-orm/sqlite-core';

/** A launch in flight: the PKCE verifier and what the callback must check, keyed by `state`. */
export const ehrLaunchStates = sqliteTable('ehr_launch_states', {
  state: text('state').primaryKey(),
  iss: text('iss').notNull(),
  codeVerifier: text('code_verifier').notNull(),
  /** The SMART configuration fetched at launch (JSON), so the callback talks to the same servers. */
  smartConfig: text('smart_config').notNull(),
  kind: text('kind').notNull(),
  createdAt: integer('created_at').notNull(),
  expiresAt: integer('expires_at').notNull(),
});

/** Which Rounds visit belongs to an EHR encounter. The primary key makes "one visit per encounter" a constraint. */
export const ehrEncounterVisits = sqliteTable(
  'ehr_encounter_visits',
  {
    iss: text('iss').notNull(),
    encounterId: text('encounter_id').notNull(),
    visitId: text('visit_id').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.iss, t.encounterId] }), index('ehr_encounter_visits_visit').on(t.visitId)],
);

/**
 * The EHR authorization a launch produced, used to read patient context for that visit.
 * Tokens are credentials: the database file must be protected like the token secret.
 */
export const ehrSessions = sqliteTable(
  'ehr_sessions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    visitId: text('visit_id').notNull(),
    iss: text('iss').notNull(),
    patientId: text('patient_id').notNull(),
    encounterId: text('encounter_id'),
    fhirUser: text('fhir_user'),
    scope: text('scope').notNull(),
    accessToken: text('access_token').notNull(),
    refreshToken: text('refresh_token'),
    expiresAt: integer('expires_at'),
    smartConfig: text('smart_config').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('ehr_sessions_visit').on(t.visitId)],
);
