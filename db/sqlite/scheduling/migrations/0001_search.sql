CREATE TABLE `sched_appointment_actors` (
	`appointment_id` text NOT NULL,
	`actor` text NOT NULL,
	PRIMARY KEY(`actor`, `appointment_id`)
);
--> statement-breakpoint
ALTER TABLE `sched_appointments` ADD `start` text;--> statement-breakpoint
CREATE INDEX `sched_appointments_start` ON `sched_appointments` (`start`);