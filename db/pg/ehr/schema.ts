/**
 * EHR integration tables on Postgres, the twin of db/sqlite/ehr/schema.ts (own migrations,
 * `__drizzle_ehr`). The write-back queue uses the core `outbox` table (db/pg/schema.ts).
 */
import { bigint, bigserial, index, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';

/** A launch in flight, keyed by `state`; the PKCE verifier is sealed. Shared by every instance. */
export const ehrLaunchStates = pgTable('ehr_launch_states', {
  state: text('state').primaryKey(),
  iss: text('iss').notNull(),
  codeVerifier: text('code_verifier').notNull(),
  smartConfig: text('smart_config').notNull(),
  kind: text('kind').notNull(),
  createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  expiresAt: bigint('expires_at', { mode: 'number' }).notNull(),
});

/** Which Rounds visit belongs to an EHR encounter; the primary key makes "one visit per encounter" a constraint. */
export const ehrEncounterVisits = pgTable(
  'ehr_encounter_visits',
  {
    iss: text('iss').notNull(),
    encounterId: text('encounter_id').notNull(),
    visitId: text('visit_id').notNull(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.iss, t.encounterId] }), index('ehr_encounter_visits_visit').on(t.visitId)],
);

/** The EHR authorization a launch produced; tokens are credentials, sealed by the codec. */
export const ehrSessions = pgTable(
  'ehr_sessions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    visitId: text('visit_id').notNull(),
    iss: text('iss').notNull(),
    patientId: text('patient_id').notNull(),
    encounterId: text('encounter_id'),
    fhirUser: text('fhir_user'),
    scope: text('scope').notNull(),
    accessToken: text('access_token').notNull(),
    refreshToken: text('refresh_token'),
    expiresAt: bigint('expires_at', { mode: 'number' }),
    smartConfig: text('smart_config').notNull(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  },
  (t) => [index('ehr_sessions_visit').on(t.visitId)],
);
