CREATE TABLE `doc_heads` (
	`doc` text PRIMARY KEY NOT NULL,
	`first_id` integer NOT NULL,
	`last_id` integer NOT NULL
);
--> statement-breakpoint
-- Entries already folded into a snapshot are dropped; each document with entries after its snapshot gets its head.
DELETE FROM `doc_updates` WHERE `id` <= coalesce((SELECT `through_id` FROM `doc_snapshots` s WHERE s.`doc` = `doc_updates`.`doc`), 0);--> statement-breakpoint
INSERT INTO `doc_heads` (`doc`, `first_id`, `last_id`) SELECT `doc`, min(`id`), max(`id`) FROM `doc_updates` GROUP BY `doc`;--> statement-breakpoint
CREATE INDEX `doc_heads_first_id` ON `doc_heads` (`first_id`);--> statement-breakpoint
DROP INDEX `doc_updates_doc_id`;
