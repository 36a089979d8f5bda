CREATE TABLE "ehr_encounter_visits" (
	"iss" text NOT NULL,
	"encounter_id" text NOT NULL,
	"visit_id" text NOT NULL,
	"created_at" bigint NOT NULL,
	CONSTRAINT "ehr_encounter_visits_iss_encounter_id_pk" PRIMARY KEY("iss","encounter_id")
);
--> statement-breakpoint
CREATE TABLE "ehr_launch_states" (
	"state" text PRIMARY KEY NOT NULL,
	"iss" text NOT NULL,
	"code_verifier" text NOT NULL,
	"smart_config" text NOT NULL,
	"kind" text NOT NULL,
	"created_at" bigint NOT NULL,
	"expires_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ehr_sessions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"visit_id" text NOT NULL,
	"iss" text NOT NULL,
	"patient_id" text NOT NULL,
	"encounter_id" text,
	"fhir_user" text,
	"scope" text NOT NULL,
	"access_token" text NOT NULL,
	"refresh_token" text,
	"expires_at" bigint,
	"smart_config" text NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX "ehr_encounter_visits_visit" ON "ehr_encounter_visits" USING btree ("visit_id");--> statement-breakpoint
CREATE INDEX "ehr_sessions_visit" ON "ehr_sessions" USING btree ("visit_id");