import { index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';

// Container output, newest kept per service within a size and an age (server/logs/).
// No foreign keys: lines outlive their deployments, and retention removes the
// lines of deleted environments. Full-text search is the FTS5 table
// `log_lines_fts` (rowid = id), created by server/logs/store.ts: drizzle-kit
// does not describe virtual tables.
export const LOG_LINE_STREAMS = ['stdout', 'stderr', 'system'] as const;

export const logLines = sqliteTable(
  'log_lines',
  {
    id: integer('id').primaryKey(),
    environmentId: text('environment_id').notNull(),
    /** The canvas service id (containr.service). */
    serviceId: text('service_id').notNull(),
    deploymentId: text('deployment_id'),
    containerId: text('container_id').notNull(),
    stream: text('stream', { enum: LOG_LINE_STREAMS }).notNull(),
    /** The engine's timestamp, epoch ms. */
    ts: integer('ts').notNull(),
    text: text('text').notNull(),
  },
  (t) => [index('log_lines_service_ts_idx').on(t.environmentId, t.serviceId, t.ts)],
);

// Per service: what its lines take (text + a fixed per-line overhead), kept in
// the same transaction as the inserts so retention need not scan to measure.
export const logUsage = sqliteTable(
  'log_usage',
  {
    environmentId: text('environment_id').notNull(),
    serviceId: text('service_id').notNull(),
    bytes: integer('bytes').notNull(),
    lines: integer('lines').notNull(),
  },
  (t) => [primaryKey({ columns: [t.environmentId, t.serviceId] })],
);

// The last line stored per container and stream, as the agent names it
// (engine timestamp in µs, position among equal timestamps): a line of that
// stream at or before it is a repeat.
export const logCursors = sqliteTable(
  'log_cursors',
  {
    containerId: text('container_id').notNull(),
    stream: text('stream', { enum: ['stdout', 'stderr'] }).notNull(),
    tsUs: integer('ts_us').notNull(),
    seq: integer('seq').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.containerId, t.stream] })],
);

// Containers that reported samples, with what their labels said; samples refer
// to them by a small integer key to keep a row at a few dozen bytes.
export const metricContainers = sqliteTable(
  'metric_containers',
  {
    key: integer('key').primaryKey(),
    containerId: text('container_id').notNull().unique(),
    nodeId: text('node_id').notNull(),
    projectId: text('project_id').notNull(),
    environmentId: text('environment_id').notNull(),
    serviceId: text('service_id').notNull(),
    deploymentId: text('deployment_id'),
    /** Epoch ms of its newest sample. */
    lastTs: integer('last_ts').notNull(),
  },
  (t) => [index('metric_containers_service_idx').on(t.environmentId, t.serviceId)],
);

// Raw samples, one per container per second, kept 24 hours. Rates are bytes
// per second since the container's previous sample (null for its first).
export const metricSamples = sqliteTable(
  'metric_samples',
  {
    containerKey: integer('container_key').notNull(),
    /** Epoch ms. */
    ts: integer('ts').notNull(),
    /** Hundredths of a percent of one core (12.34 % → 1234). */
    cpu: integer('cpu').notNull(),
    memory: integer('memory').notNull(),
    memoryLimit: integer('memory_limit'),
    netRx: integer('net_rx'),
    netTx: integer('net_tx'),
    blockRead: integer('block_read'),
    blockWrite: integer('block_write'),
  },
  // Retention and queries go container by container, so the key is the only index.
  (t) => [primaryKey({ columns: [t.containerKey, t.ts] })],
);

// One-minute rollups per service, kept 30 days: per-second totals over the
// service's containers, then min/avg/max over the minute (rates: average).
export const metricRollups = sqliteTable(
  'metric_rollups',
  {
    environmentId: text('environment_id').notNull(),
    serviceId: text('service_id').notNull(),
    /** Start of the minute, epoch ms. */
    ts: integer('ts').notNull(),
    /** Seconds with samples in the minute. */
    seconds: integer('seconds').notNull(),
    containers: integer('containers').notNull(),
    cpuMin: real('cpu_min').notNull(),
    cpuAvg: real('cpu_avg').notNull(),
    cpuMax: real('cpu_max').notNull(),
    memoryMin: real('memory_min').notNull(),
    memoryAvg: real('memory_avg').notNull(),
    memoryMax: real('memory_max').notNull(),
    memoryLimit: real('memory_limit'),
    netRx: real('net_rx').notNull(),
    netTx: real('net_tx').notNull(),
    blockRead: real('block_read').notNull(),
    blockWrite: real('block_write').notNull(),
  },
  (t) => [primaryKey({ columns: [t.environmentId, t.serviceId, t.ts] }), index('metric_rollups_ts_idx').on(t.ts)],
);
