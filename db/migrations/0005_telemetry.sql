CREATE TABLE `log_cursors` (
	`container_id` text PRIMARY KEY NOT NULL,
	`ts_us` integer NOT NULL,
	`seq` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `log_lines` (
	`id` integer PRIMARY KEY NOT NULL,
	`environment_id` text NOT NULL,
	`service_id` text NOT NULL,
	`deployment_id` text,
	`container_id` text NOT NULL,
	`stream` text NOT NULL,
	`ts` integer NOT NULL,
	`text` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `log_lines_service_ts_idx` ON `log_lines` (`environment_id`,`service_id`,`ts`);--> statement-breakpoint
CREATE TABLE `log_usage` (
	`environment_id` text NOT NULL,
	`service_id` text NOT NULL,
	`bytes` integer NOT NULL,
	`lines` integer NOT NULL,
	PRIMARY KEY(`environment_id`, `service_id`)
);
--> statement-breakpoint
CREATE TABLE `metric_containers` (
	`key` integer PRIMARY KEY NOT NULL,
	`container_id` text NOT NULL,
	`node_id` text NOT NULL,
	`project_id` text NOT NULL,
	`environment_id` text NOT NULL,
	`service_id` text NOT NULL,
	`deployment_id` text,
	`last_ts` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `metric_containers_container_id_unique` ON `metric_containers` (`container_id`);--> statement-breakpoint
CREATE INDEX `metric_containers_service_idx` ON `metric_containers` (`environment_id`,`service_id`);--> statement-breakpoint
CREATE TABLE `metric_rollups` (
	`environment_id` text NOT NULL,
	`service_id` text NOT NULL,
	`ts` integer NOT NULL,
	`seconds` integer NOT NULL,
	`containers` integer NOT NULL,
	`cpu_min` real NOT NULL,
	`cpu_avg` real NOT NULL,
	`cpu_max` real NOT NULL,
	`memory_min` real NOT NULL,
	`memory_avg` real NOT NULL,
	`memory_max` real NOT NULL,
	`memory_limit` real,
	`net_rx` real NOT NULL,
	`net_tx` real NOT NULL,
	`block_read` real NOT NULL,
	`block_write` real NOT NULL,
	PRIMARY KEY(`environment_id`, `service_id`, `ts`)
);
--> statement-breakpoint
CREATE INDEX `metric_rollups_ts_idx` ON `metric_rollups` (`ts`);--> statement-breakpoint
CREATE TABLE `metric_samples` (
	`container_key` integer NOT NULL,
	`ts` integer NOT NULL,
	`cpu` integer NOT NULL,
	`memory` integer NOT NULL,
	`memory_limit` integer,
	`net_rx` integer,
	`net_tx` integer,
	`block_read` integer,
	`block_write` integer,
	PRIMARY KEY(`container_key`, `ts`)
);
