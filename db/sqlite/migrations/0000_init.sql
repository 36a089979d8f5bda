CREATE TABLE `doc_snapshots` (
	`doc` text PRIMARY KEY NOT NULL,
	`data` blob NOT NULL,
	`through_id` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `doc_updates` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`doc` text NOT NULL,
	`data` blob NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `doc_updates_doc_id` ON `doc_updates` (`doc`,`id`);