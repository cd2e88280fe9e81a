CREATE TABLE `join_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`team_id` text,
	`token_hash` text NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	`revoked_at` integer,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `join_tokens_token_hash_unique` ON `join_tokens` (`token_hash`);
--> statement-breakpoint
CREATE INDEX `join_tokens_team_idx` ON `join_tokens` (`team_id`);
--> statement-breakpoint
CREATE TABLE `nodes` (
	`id` text PRIMARY KEY NOT NULL,
	`team_id` text,
	`name` text NOT NULL,
	`token_hash` text NOT NULL,
	`status` text NOT NULL,
	`engine_version` text,
	`cpus` integer,
	`memory_bytes` integer,
	`last_heartbeat_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `nodes_token_hash_unique` ON `nodes` (`token_hash`);
--> statement-breakpoint
CREATE INDEX `nodes_team_idx` ON `nodes` (`team_id`);