CREATE TABLE `share_links` (
	`id` text PRIMARY KEY NOT NULL,
	`environment_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`created_by_id` text,
	`created_by_email` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`revoked_at` integer,
	`last_opened_at` integer,
	`opens` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`environment_id`) REFERENCES `environments`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `share_links_token_hash_unique` ON `share_links` (`token_hash`);--> statement-breakpoint
CREATE INDEX `share_links_environment_idx` ON `share_links` (`environment_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `environments` ADD `kind` text DEFAULT 'standard' NOT NULL;--> statement-breakpoint
ALTER TABLE `environments` ADD `expires_at` integer;--> statement-breakpoint
ALTER TABLE `environments` ADD `forked_from` text;--> statement-breakpoint
ALTER TABLE `environments` ADD `image_overrides` text;--> statement-breakpoint
ALTER TABLE `environments` ADD `owner_id` text;--> statement-breakpoint
CREATE INDEX `environments_expiry_idx` ON `environments` (`kind`,`expires_at`);