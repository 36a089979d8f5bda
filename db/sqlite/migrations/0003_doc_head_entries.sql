ALTER TABLE `doc_heads` ADD `entries` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Heads written before the count existed: count their entries once.
UPDATE `doc_heads` SET `entries` = (SELECT count(*) FROM `doc_updates` u WHERE u.`doc` = `doc_heads`.`doc` AND u.`id` BETWEEN `doc_heads`.`first_id` AND `doc_heads`.`last_id`);
