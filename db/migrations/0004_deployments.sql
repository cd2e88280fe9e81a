CREATE TABLE `commits` (
	`id` text PRIMARY KEY NOT NULL,
	`environment_id` text NOT NULL,
	`number` integer NOT NULL,
	`message` text NOT NULL,
	`spec` text NOT NULL,
	`diff` text NOT NULL,
	`parent_id` text,
	`rollback_of` text,
	`author_id` text,
	`author_email` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`environment_id`) REFERENCES `environments`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `commits_environment_number_idx` ON `commits` (`environment_id`,`number`);--> statement-breakpoint
CREATE TABLE `deployment_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`environment_id` text NOT NULL,
	`deployment_id` text,
	`service_id` text,
	`type` text NOT NULL,
	`message` text NOT NULL,
	`details` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`environment_id`) REFERENCES `environments`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`deployment_id`) REFERENCES `deployments`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `deployment_events_deployment_idx` ON `deployment_events` (`deployment_id`,`id`);--> statement-breakpoint
CREATE INDEX `deployment_events_environment_idx` ON `deployment_events` (`environment_id`,`id`);--> statement-breakpoint
CREATE TABLE `deployments` (
	`id` text PRIMARY KEY NOT NULL,
	`environment_id` text NOT NULL,
	`commit_id` text NOT NULL,
	`trigger` text NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`created_by_id` text,
	`created_by_email` text,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	FOREIGN KEY (`environment_id`) REFERENCES `environments`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`commit_id`) REFERENCES `commits`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `deployments_environment_idx` ON `deployments` (`environment_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `secrets` (
	`environment_id` text NOT NULL,
	`name` text NOT NULL,
	`value` blob NOT NULL,
	`key_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`updated_by_id` text,
	PRIMARY KEY(`environment_id`, `name`),
	FOREIGN KEY (`environment_id`) REFERENCES `environments`(`id`) ON UPDATE no action ON DELETE cascade
);
