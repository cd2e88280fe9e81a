import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { DeployableSpec, SpecDiff } from '../../sync';
import { environments } from './projects';

// An immutable snapshot of an environment's deployable spec. Rows are never
// updated; a rollback is a new commit carrying an older spec.
export const commits = sqliteTable(
  'commits',
  {
    id: text('id').primaryKey(),
    environmentId: text('environment_id')
      .notNull()
      .references(() => environments.id, { onDelete: 'cascade' }),
    /** 1, 2, 3… within the environment. */
    number: integer('number').notNull(),
    message: text('message').notNull(),
    spec: text('spec', { mode: 'json' }).$type<DeployableSpec>().notNull(),
    /** Against the environment's previous commit (or an empty spec for the first). */
    diff: text('diff', { mode: 'json' }).$type<SpecDiff>().notNull(),
    parentId: text('parent_id'),
    /** The commit whose spec this one restores, for rollbacks. */
    rollbackOf: text('rollback_of'),
    // No foreign keys to users: history outlives its authors.
    authorId: text('author_id'),
    authorEmail: text('author_email'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [uniqueIndex('commits_environment_number_idx').on(t.environmentId, t.number)],
);

export const DEPLOYMENT_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];
export const DEPLOYMENT_TRIGGERS = ['commit', 'rollback', 'redeploy'] as const;
export type DeploymentTrigger = (typeof DEPLOYMENT_TRIGGERS)[number];

// A request to make a commit the environment's desired state. The reconciler
// deploys the newest deployment that was not cancelled.
export const deployments = sqliteTable(
  'deployments',
  {
    id: text('id').primaryKey(),
    environmentId: text('environment_id')
      .notNull()
      .references(() => environments.id, { onDelete: 'cascade' }),
    commitId: text('commit_id')
      .notNull()
      .references(() => commits.id, { onDelete: 'cascade' }),
    trigger: text('trigger', { enum: DEPLOYMENT_TRIGGERS }).notNull(),
    status: text('status', { enum: DEPLOYMENT_STATUSES }).notNull(),
    /** Why it failed or was cancelled. */
    reason: text('reason'),
    createdById: text('created_by_id'),
    createdByEmail: text('created_by_email'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    startedAt: integer('started_at', { mode: 'timestamp_ms' }),
    finishedAt: integer('finished_at', { mode: 'timestamp_ms' }),
  },
  (t) => [index('deployments_environment_idx').on(t.environmentId, t.createdAt)],
);

// What the reconciler did, step by step. Steps taken outside a deployment
// (drift correction, a lost node) have no deployment id.
export const deploymentEvents = sqliteTable(
  'deployment_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    environmentId: text('environment_id')
      .notNull()
      .references(() => environments.id, { onDelete: 'cascade' }),
    deploymentId: text('deployment_id').references(() => deployments.id, { onDelete: 'cascade' }),
    serviceId: text('service_id'),
    /** e.g. `status`, `step.started`, `step.succeeded`, `step.failed`, `progress`. */
    type: text('type').notNull(),
    message: text('message').notNull(),
    details: text('details', { mode: 'json' }).$type<Record<string, unknown>>(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    index('deployment_events_deployment_idx').on(t.deploymentId, t.id),
    index('deployment_events_environment_idx').on(t.environmentId, t.id),
  ],
);
