import { blob, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { deployments } from './deployments';
import { environments, projects } from './projects';

export const BUILD_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type BuildStatus = (typeof BUILD_STATUSES)[number];
/** manual: a deploy from the canvas (or a redeploy); push and pr: a webhook. */
export const BUILD_TRIGGERS = ['manual', 'push', 'pr'] as const;
export type BuildTrigger = (typeof BUILD_TRIGGERS)[number];

// One image build of one git-sourced service for one deployment. The image
// lives on the node that built it (`node_id`); the deployment runs it there.
export const builds = sqliteTable(
  'builds',
  {
    id: text('id').primaryKey(),
    environmentId: text('environment_id')
      .notNull()
      .references(() => environments.id, { onDelete: 'cascade' }),
    deploymentId: text('deployment_id').references(() => deployments.id, { onDelete: 'cascade' }),
    serviceId: text('service_id').notNull(),
    serviceName: text('service_name').notNull(),
    nodeId: text('node_id'),
    trigger: text('trigger', { enum: BUILD_TRIGGERS }).notNull(),
    status: text('status', { enum: BUILD_STATUSES }).notNull(),
    repo: text('repo').notNull(),
    ref: text('ref').notNull(),
    /** The commit asked for (the source's pinned commit); null: the ref's head. */
    requestedCommit: text('requested_commit'),
    /** The full sha that was built, once known. */
    commit: text('commit'),
    rootDir: text('root_dir').notNull(),
    dockerfilePath: text('dockerfile_path'),
    image: text('image'),
    /** `dockerfile` (the repository's own) or the detected runtime. */
    runtime: text('runtime'),
    cached: integer('cached', { mode: 'boolean' }).notNull().default(false),
    /** The generated Dockerfile when the runtime was detected. */
    dockerfile: text('dockerfile'),
    error: text('error'),
    /** The build log (capped), written when the build ends. */
    log: text('log').notNull().default(''),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    startedAt: integer('started_at', { mode: 'timestamp_ms' }),
    finishedAt: integer('finished_at', { mode: 'timestamp_ms' }),
  },
  (t) => [
    index('builds_service_idx').on(t.environmentId, t.serviceId, t.createdAt),
    index('builds_deployment_idx').on(t.deploymentId),
    index('builds_status_idx').on(t.status),
  ],
);

// The secret a project's git webhooks are signed with (GitHub) or carry (GitLab),
// AES-256-GCM encrypted like environment secrets. Shown once when created or rotated.
export const webhookSecrets = sqliteTable('webhook_secrets', {
  projectId: text('project_id')
    .primaryKey()
    .references(() => projects.id, { onDelete: 'cascade' }),
  value: blob('value', { mode: 'buffer' }).notNull(),
  keyId: text('key_id').notNull(),
  /** Webhooks act with this member's permissions (checked again on every delivery). */
  createdById: text('created_by_id').notNull(),
  createdByEmail: text('created_by_email').notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  rotatedAt: integer('rotated_at', { mode: 'timestamp_ms' }),
});

export const WEBHOOK_PROVIDERS = ['github', 'gitlab'] as const;
export type WebhookProvider = (typeof WEBHOOK_PROVIDERS)[number];
export const DELIVERY_OUTCOMES = ['accepted', 'ignored', 'rejected'] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];

// Every webhook request, accepted or not: the delivery log. `seen_key` is set
// only once the signature is verified, so a replay of a verified delivery is
// refused and nobody can burn a delivery id without the secret.
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    projectId: text('project_id').references(() => projects.id, { onDelete: 'cascade' }),
    provider: text('provider', { enum: WEBHOOK_PROVIDERS }).notNull(),
    /** As the request claims it (X-GitHub-Delivery, X-Gitlab-Event-UUID). */
    deliveryId: text('delivery_id'),
    seenKey: text('seen_key'),
    event: text('event').notNull(),
    outcome: text('outcome', { enum: DELIVERY_OUTCOMES }).notNull(),
    httpStatus: integer('http_status').notNull(),
    reason: text('reason'),
    /** What it did: deployments, previews, staged services. */
    summary: text('summary', { mode: 'json' }).$type<Record<string, unknown>>(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [uniqueIndex('webhook_deliveries_seen_idx').on(t.seenKey), index('webhook_deliveries_project_idx').on(t.projectId, t.id)],
);
