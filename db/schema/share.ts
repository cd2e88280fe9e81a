import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { environments } from './projects';

// Read-only links to one environment's canvas (server/share/). The token is
// shown once; only its SHA-256 is stored. Rows stay after revocation or expiry
// so a dead link answers "expired or revoked" rather than "unknown".
export const shareLinks = sqliteTable(
  'share_links',
  {
    id: text('id').primaryKey(),
    environmentId: text('environment_id')
      .notNull()
      .references(() => environments.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull().unique(),
    // No foreign key: the list keeps showing who made a link after they left.
    createdById: text('created_by_id'),
    createdByEmail: text('created_by_email'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
    lastOpenedAt: integer('last_opened_at', { mode: 'timestamp_ms' }),
    opens: integer('opens').notNull().default(0),
  },
  (t) => [index('share_links_environment_idx').on(t.environmentId, t.createdAt)],
);
