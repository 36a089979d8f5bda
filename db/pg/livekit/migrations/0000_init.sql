CREATE TABLE "video_recording_access" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"recording_id" text NOT NULL,
	"visit_id" text NOT NULL,
	"actor" text NOT NULL,
	"role" text NOT NULL,
	"action" text NOT NULL,
	"at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "video_recordings" (
	"id" text PRIMARY KEY NOT NULL,
	"visit_id" text NOT NULL,
	"egress_id" text NOT NULL,
	"room" text NOT NULL,
	"state" text NOT NULL,
	"audio_only" boolean NOT NULL,
	"location" text,
	"size_bytes" bigint,
	"duration_ms" bigint,
	"started_at" text NOT NULL,
	"ended_at" text,
	"patient_state" text NOT NULL,
	"retain_until" text NOT NULL,
	"viewers" jsonb NOT NULL,
	"created_by" text NOT NULL,
	"deleted_at" text,
	CONSTRAINT "video_recordings_egress_id_unique" UNIQUE("egress_id")
);
--> statement-breakpoint
CREATE INDEX "video_recording_access_recording" ON "video_recording_access" USING btree ("recording_id");--> statement-breakpoint
CREATE INDEX "video_recordings_visit" ON "video_recordings" USING btree ("visit_id");--> statement-breakpoint
CREATE INDEX "video_recordings_retain" ON "video_recordings" USING btree ("retain_until");