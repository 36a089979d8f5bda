CREATE TABLE "doc_snapshots" (
	"doc" text PRIMARY KEY NOT NULL,
	"data" "bytea" NOT NULL,
	"through_id" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "doc_updates" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"doc" text NOT NULL,
	"data" "bytea" NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "invites" (
	"id" text PRIMARY KEY NOT NULL,
	"visit_id" text NOT NULL,
	"token_hash" text NOT NULL,
	"version" integer NOT NULL,
	"data" text NOT NULL,
	CONSTRAINT "invites_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"visit_id" text NOT NULL,
	"kind" text NOT NULL,
	"payload" text NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" bigint NOT NULL,
	"last_error" text,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "visit_records" (
	"visit_id" text PRIMARY KEY NOT NULL,
	"data" text NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "visits" (
	"id" text PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"version" integer NOT NULL,
	"scheduled_start" text NOT NULL,
	"data" text NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX "doc_updates_doc_id" ON "doc_updates" USING btree ("doc","id");--> statement-breakpoint
CREATE INDEX "invites_visit" ON "invites" USING btree ("visit_id");--> statement-breakpoint
CREATE INDEX "outbox_status_next" ON "outbox" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE INDEX "visits_status" ON "visits" USING btree ("status");--> statement-breakpoint
CREATE INDEX "visits_scheduled_start" ON "visits" USING btree ("scheduled_start");