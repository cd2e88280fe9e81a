import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { users } from './auth';
import { teams } from './teams';

export const projects = sqliteTable(
  'projects',
  {
    id: text('id').primaryKey(),
    teamId: text('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    // DNS label used in service hostnames; unique across the instance.
    slug: text('slug').notNull().unique(),
    description: text('description').notNull().default(''),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [uniqueIndex('projects_team_name_idx').on(t.teamId, t.name)],
);

export const ENVIRONMENT_KINDS = ['standard', 'preview'] as const;
export type EnvironmentKind = (typeof ENVIRONMENT_KINDS)[number];

export const environments = sqliteTable(
  'environments',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    // A preview is a (usually forked) environment that is deleted once `expires_at` passes.
    kind: text('kind', { enum: ENVIRONMENT_KINDS }).notNull().default('standard'),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }),
    // The environment whose canvas (and maybe secrets) this one started from; no foreign key: it may be deleted since.
    forkedFrom: text('forked_from'),
    // Image per service name, replacing the committed image when deploying (e.g. `{ web: 'myapp:pr-42' }`).
    imageOverrides: text('image_overrides', { mode: 'json' }).$type<Record<string, string>>(),
    // Who created it: told by mail when a preview expires. No foreign key (SQLite cannot add
    // one with ON DELETE to an existing table); a deleted owner simply gets no mail.
    ownerId: text('owner_id'),
  },
  (t) => [uniqueIndex('environments_project_name_idx').on(t.projectId, t.name), index('environments_expiry_idx').on(t.kind, t.expiresAt)],
);

/** The new columns' values for an environment created without any of them. */
export const STANDARD_ENVIRONMENT = { kind: 'standard', expiresAt: null, forkedFrom: null, imageOverrides: null, ownerId: null } as const;

// Project-level access: when a project has any rows here, only those team
// members (plus the team's owners and admins) see it. No rows: the whole team.
export const projectMembers = sqliteTable(
  'project_members',
  {
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.userId] }), index('project_members_user_idx').on(t.userId)],
);
