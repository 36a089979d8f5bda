CREATE TABLE `ehr_encounter_visits` (
	`iss` text NOT NULL,
	`encounter_id` text NOT NULL,
	`visit_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`iss`, `encounter_id`)
);
--> statement-breakpoint
CREATE INDEX `ehr_encounter_visits_visit` ON `ehr_encounter_visits` (`visit_id`);--> statement-breakpoint
CREATE TABLE `ehr_launch_states` (
	`state` text PRIMARY KEY NOT NULL,
	`iss` text NOT NULL,
	`code_verifier` text NOT NULL,
	`smart_config` text NOT NULL,
	`kind` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `ehr_sessions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`visit_id` text NOT NULL,
	`iss` text NOT NULL,
	`patient_id` text NOT NULL,
	`encounter_id` text,
	`fhir_user` text,
	`scope` text NOT NULL,
	`access_token` text NOT NULL,
	`refresh_token` text,
	`expires_at` integer,
	`smart_config` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `ehr_sessions_visit` ON `ehr_sessions` (`visit_id`);