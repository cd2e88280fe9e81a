import { blob, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { environments } from './projects';

// Secret values of an environment, AES-256-GCM encrypted (see server/secrets/).
// The plaintext is never stored, logged or written to the canvas document.
export const secrets = sqliteTable(
  'secrets',
  {
    environmentId: text('environment_id')
      .notNull()
      .references(() => environments.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** Version byte, 12-byte IV, 16-byte tag, then the ciphertext. */
    value: blob('value', { mode: 'buffer' }).notNull(),
    /** Fingerprint of the key that encrypted the value, to name the problem when the key changed. */
    keyId: text('key_id').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
    updatedById: text('updated_by_id'),
  },
  (t) => [primaryKey({ columns: [t.environmentId, t.name] })],
);
