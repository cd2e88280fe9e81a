import { integer, primaryKey, real, sqliteTable, text, index } from 'drizzle-orm/sqlite-core';
import { users } from './auth';

export const ROLES = ['owner', 'admin', 'developer', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const teams = sqliteTable('teams', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  // The team created at sign-up; it cannot be left by its owner.
  personal: integer('personal', { mode: 'boolean' }).notNull().default(false),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
});

export const teamMembers = sqliteTable(
  'team_members',
  {
    teamId: text('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ROLES }).notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.userId] }), index('team_members_user_idx').on(t.userId)],
);

// Per-team limits; a null column means "the instance default" (CONTAINR_QUOTA_*).
export const teamQuotas = sqliteTable('team_quotas', {
  teamId: text('team_id')
    .primaryKey()
    .references(() => teams.id, { onDelete: 'cascade' }),
  maxProjects: integer('max_projects'),
  maxServices: integer('max_services'),
  maxCpu: real('max_cpu'),
  maxMemoryMb: integer('max_memory_mb'),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});
