import { integer, sqliteTable, text, index } from 'drizzle-orm/sqlite-core';

// Append-only: rows outlive the users, teams and projects they mention, so
// there are deliberately no foreign keys here.
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    teamId: text('team_id'),
    projectId: text('project_id'),
    actorId: text('actor_id'),
    actorEmail: text('actor_email'),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id'),
    ip: text('ip'),
    details: text('details', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    index('audit_team_time_idx').on(t.teamId, t.createdAt),
    index('audit_project_idx').on(t.projectId),
  ],
);
