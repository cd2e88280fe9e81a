CREATE TABLE `builds` (
	`id` text PRIMARY KEY NOT NULL,
	`environment_id` text NOT NULL,
	`deployment_id` text,
	`service_id` text NOT NULL,
	`service_name` text NOT NULL,
	`node_id` text,
	`trigger` text NOT NULL,
	`status` text NOT NULL,
	`repo` text NOT NULL,
	`ref` text NOT NULL,
	`requested_commit` text,
	`commit` text,
	`root_dir` text NOT NULL,
	`dockerfile_path` text,
	`image` text,
	`runtime` text,
	`cached` integer DEFAULT false NOT NULL,
	`dockerfile` text,
	`error` text,
	`log` text DEFAULT '' NOT NULL,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	FOREIGN KEY (`environment_id`) REFERENCES `environments`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`deployment_id`) REFERENCES `deployments`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `builds_service_idx` ON `builds` (`environment_id`,`service_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `builds_deployment_idx` ON `builds` (`deployment_id`);--> statement-breakpoint
CREATE INDEX `builds_status_idx` ON `builds` (`status`);--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`project_id` text,
	`provider` text NOT NULL,
	`delivery_id` text,
	`seen_key` text,
	`event` text NOT NULL,
	`outcome` text NOT NULL,
	`http_status` integer NOT NULL,
	`reason` text,
	`summary` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_deliveries_seen_idx` ON `webhook_deliveries` (`seen_key`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_project_idx` ON `webhook_deliveries` (`project_id`,`id`);--> statement-breakpoint
CREATE TABLE `webhook_secrets` (
	`project_id` text PRIMARY KEY NOT NULL,
	`value` blob NOT NULL,
	`key_id` text NOT NULL,
	`created_by_id` text NOT NULL,
	`created_by_email` text NOT NULL,
	`created_at` integer NOT NULL,
	`rotated_at` integer,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
