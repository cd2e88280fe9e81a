import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { users } from './auth';
import { teams } from './teams';

export const NODE_STATUSES = ['ready', 'lost'] as const;
export type NodeStatus = (typeof NODE_STATUSES)[number];

// Docker hosts running an agent. A node without a team is shared by the whole
// instance (the server's own local agent is one).
export const nodes = sqliteTable(
  'nodes',
  {
    id: text('id').primaryKey(),
    teamId: text('team_id').references(() => teams.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    // SHA-256 of the node token the agent authenticates with; the token is given to the agent once.
    tokenHash: text('token_hash').notNull().unique(),
    status: text('status', { enum: NODE_STATUSES }).notNull(),
    engineVersion: text('engine_version'),
    cpus: integer('cpus'),
    memoryBytes: integer('memory_bytes'),
    lastHeartbeatAt: integer('last_heartbeat_at', { mode: 'timestamp_ms' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('nodes_team_idx').on(t.teamId)]
);

// One-use secrets that let a new agent join; exchanged for a node token.
export const joinTokens = sqliteTable(
  'join_tokens',
  {
    id: text('id').primaryKey(),
    teamId: text('team_id').references(() => teams.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull().unique(),
    createdBy: text('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    usedAt: integer('used_at', { mode: 'timestamp_ms' }),
    revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
  },
  (t) => [index('join_tokens_team_idx').on(t.teamId)]
);
