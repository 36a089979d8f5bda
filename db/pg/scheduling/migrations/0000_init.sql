CREATE TABLE "sched_appointments" (
	"id" text PRIMARY KEY NOT NULL,
	"slot_id" text NOT NULL,
	"status" text NOT NULL,
	"version" integer NOT NULL,
	"data" text NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sched_schedules" (
	"id" text PRIMARY KEY NOT NULL,
	"data" text NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sched_slots" (
	"id" text PRIMARY KEY NOT NULL,
	"schedule_id" text NOT NULL,
	"start" text NOT NULL,
	"end" text NOT NULL,
	"status" text NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX "sched_appointments_slot" ON "sched_appointments" USING btree ("slot_id");--> statement-breakpoint
CREATE INDEX "sched_slots_schedule_start" ON "sched_slots" USING btree ("schedule_id","start");