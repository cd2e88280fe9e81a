import { blob, index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { environments } from './projects';

// The canvas Y.Doc of each environment, stored as Yjs updates (see server/sync/store.ts).
// Every update is appended before the server applies or relays it; compaction
// folds the rows up to `last_update_id` into one snapshot.
export const documentUpdates = sqliteTable(
  'document_updates',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    environmentId: text('environment_id')
      .notNull()
      .references(() => environments.id, { onDelete: 'cascade' }),
    data: blob('data', { mode: 'buffer' }).notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('document_updates_environment_idx').on(t.environmentId, t.id)],
);

export const documentSnapshots = sqliteTable('document_snapshots', {
  environmentId: text('environment_id')
    .primaryKey()
    .references(() => environments.id, { onDelete: 'cascade' }),
  // Y.encodeStateAsUpdate of the document once every update up to last_update_id was applied.
  state: blob('state', { mode: 'buffer' }).notNull(),
  lastUpdateId: integer('last_update_id').notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});
