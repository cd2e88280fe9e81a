import { blob, index, integer, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { users } from './auth';
import { projects } from './projects';

// Alerts (server/alerts/): rules per project, the alerts they open, where
// notifications go (channels) and each notification sent (deliveries).

export type AlertChannelType = 'email' | 'webhook';

// Where notifications go. A webhook's signing secret is kept encrypted
// (AES-256-GCM with the server's key; it must be read back to sign).
export const alertChannels = sqliteTable(
  'alert_channels',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    type: text('type', { enum: ['email', 'webhook'] }).notNull(),
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
    /** email: team roles whose members receive it. */
    roles: text('roles', { mode: 'json' }).$type<string[]>().notNull(),
    /** email: extra addresses. */
    addresses: text('addresses', { mode: 'json' }).$type<string[]>().notNull(),
    /** webhook: the target URL. */
    url: text('url'),
    secretSealed: blob('secret_sealed', { mode: 'buffer' }),
    secretPrefix: text('secret_prefix'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('alert_channels_project_idx').on(t.projectId)],
);

// A condition to watch (zod-checked JSON, see server/alerts/schemas.ts) and who to tell.
export const alertRules = sqliteTable(
  'alert_rules',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
    severity: text('severity', { enum: ['info', 'warning', 'critical'] }).notNull(),
    /** null: every environment of the project (no foreign key: a deleted environment's rule just matches nothing). */
    environmentId: text('environment_id'),
    /** A canvas service id; null: every service. */
    serviceId: text('service_id'),
    condition: text('condition', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    channelIds: text('channel_ids', { mode: 'json' }).$type<string[]>().notNull(),
    escalation: text('escalation', { mode: 'json' }).$type<{ afterS: number; channelIds: string[] } | null>(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('alert_rules_project_idx').on(t.projectId)],
);

export const ALERT_STATES = ['firing', 'acknowledged', 'resolved'] as const;

// One occurrence of a rule's condition, from firing to resolved. `key` names
// what it is about (rule, environment, service, node): one open alert per key.
export const alerts = sqliteTable(
  'alerts',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    environmentId: text('environment_id').notNull(),
    ruleId: text('rule_id').references(() => alertRules.id, { onDelete: 'set null' }),
    ruleName: text('rule_name').notNull(),
    key: text('key').notNull(),
    serviceId: text('service_id'),
    nodeId: text('node_id'),
    kind: text('kind').notNull(),
    title: text('title').notNull(),
    message: text('message').notNull(),
    severity: text('severity', { enum: ['info', 'warning', 'critical'] }).notNull(),
    state: text('state', { enum: ALERT_STATES }).notNull(),
    value: real('value'),
    threshold: real('threshold'),
    occurrences: integer('occurrences').notNull().default(1),
    firedAt: integer('fired_at', { mode: 'timestamp_ms' }).notNull(),
    lastSeenAt: integer('last_seen_at', { mode: 'timestamp_ms' }).notNull(),
    acknowledgedAt: integer('acknowledged_at', { mode: 'timestamp_ms' }),
    // No foreign key: the history keeps who acknowledged after they leave.
    acknowledgedById: text('acknowledged_by_id'),
    acknowledgedByName: text('acknowledged_by_name'),
    acknowledgedByEmail: text('acknowledged_by_email'),
    resolvedAt: integer('resolved_at', { mode: 'timestamp_ms' }),
    /** When the escalation channels are due (null: no escalation); re-armed at start. */
    escalateAt: integer('escalate_at', { mode: 'timestamp_ms' }),
    escalatedAt: integer('escalated_at', { mode: 'timestamp_ms' }),
  },
  (t) => [
    index('alerts_project_fired_idx').on(t.projectId, t.firedAt),
    index('alerts_key_state_idx').on(t.key, t.state),
    index('alerts_environment_state_idx').on(t.environmentId, t.state),
    index('alerts_escalate_idx').on(t.state, t.escalateAt),
  ],
);

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;

// One notification of one alert to one channel, with its last attempt.
export const alertDeliveries = sqliteTable(
  'alert_deliveries',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    /** null: a channel test. */
    alertId: text('alert_id').references(() => alerts.id, { onDelete: 'cascade' }),
    channelId: text('channel_id')
      .notNull()
      .references(() => alertChannels.id, { onDelete: 'cascade' }),
    type: text('type', { enum: ['email', 'webhook'] }).notNull(),
    reason: text('reason', { enum: ['fired', 'resolved', 'escalated', 'test'] }).notNull(),
    target: text('target').notNull(),
    /** The webhook body as sent (the same bytes on every attempt, so a receiver can deduplicate). */
    payload: text('payload').notNull(),
    status: text('status', { enum: DELIVERY_STATUSES }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    statusCode: integer('status_code'),
    error: text('error'),
    durationMs: integer('duration_ms'),
    nextAttemptAt: integer('next_attempt_at', { mode: 'timestamp_ms' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    index('alert_deliveries_channel_idx').on(t.channelId, t.createdAt),
    index('alert_deliveries_alert_idx').on(t.alertId),
    index('alert_deliveries_pending_idx').on(t.status, t.nextAttemptAt),
  ],
);

// Per user: alerts fired after this are unread (the bell).
export const alertSeen = sqliteTable('alert_seen', {
  userId: text('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  seenAt: integer('seen_at', { mode: 'timestamp_ms' }).notNull(),
});
