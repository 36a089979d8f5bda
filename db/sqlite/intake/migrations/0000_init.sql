CREATE TABLE `intake_answers` (
	`visit_id` text NOT NULL,
	`patient_id` text NOT NULL,
	`data` text NOT NULL,
	`submitted_at` text NOT NULL,
	PRIMARY KEY(`visit_id`, `patient_id`)
);
