-- Cursors per container and stream (timestamps are monotonic per stream only). Old rows
-- name no stream; they are dropped: at worst one re-sent batch is stored twice.
DROP TABLE `log_cursors`;--> statement-breakpoint
CREATE TABLE `log_cursors` (
	`container_id` text NOT NULL,
	`stream` text NOT NULL,
	`ts_us` integer NOT NULL,
	`seq` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`container_id`, `stream`)
);
