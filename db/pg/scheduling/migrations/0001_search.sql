CREATE TABLE "sched_appointment_actors" (
	"appointment_id" text NOT NULL,
	"actor" text NOT NULL,
	CONSTRAINT "sched_appointment_actors_actor_appointment_id_pk" PRIMARY KEY("actor","appointment_id")
);
--> statement-breakpoint
ALTER TABLE "sched_appointments" ADD COLUMN "start" text;--> statement-breakpoint
CREATE INDEX "sched_appointments_start" ON "sched_appointments" USING btree ("start");