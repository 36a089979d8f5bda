CREATE TABLE "intake_answers" (
	"visit_id" text NOT NULL,
	"patient_id" text NOT NULL,
	"data" text NOT NULL,
	"submitted_at" text NOT NULL,
	CONSTRAINT "intake_answers_visit_id_patient_id_pk" PRIMARY KEY("visit_id","patient_id")
);
