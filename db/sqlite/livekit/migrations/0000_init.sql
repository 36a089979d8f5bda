CREATE TABLE `video_recording_access` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`recording_id` text NOT NULL,
	`visit_id` text NOT NULL,
	`actor` text NOT NULL,
	`role` text NOT NULL,
	`action` text NOT NULL,
	`at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `video_recording_access_recording` ON `video_recording_access` (`recording_id`);--> statement-breakpoint
CREATE TABLE `video_recordings` (
	`id` text PRIMARY KEY NOT NULL,
	`visit_id` text NOT NULL,
	`egress_id` text NOT NULL,
	`room` text NOT NULL,
	`state` text NOT NULL,
	`audio_only` integer NOT NULL,
	`location` text,
	`size_bytes` integer,
	`duration_ms` integer,
	`started_at` text NOT NULL,
	`ended_at` text,
	`patient_state` text NOT NULL,
	`retain_until` text NOT NULL,
	`viewers` text NOT NULL,
	`created_by` text NOT NULL,
	`deleted_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `video_recordings_egress_id_unique` ON `video_recordings` (`egress_id`);--> statement-breakpoint
CREATE INDEX `video_recordings_visit` ON `video_recordings` (`visit_id`);--> statement-breakpoint
CREATE INDEX `video_recordings_retain` ON `video_recordings` (`retain_until`);