import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

// Mail that was not handed to a provider: without RESEND_API_KEY every message
// lands here, and the instance admin reads it on the /outbox page.
export const outbox = sqliteTable(
  'outbox',
  {
    id: text('id').primaryKey(),
    to: text('to').notNull(),
    from: text('from').notNull(),
    subject: text('subject').notNull(),
    html: text('html').notNull(),
    text: text('text').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('outbox_time_idx').on(t.createdAt)],
);
