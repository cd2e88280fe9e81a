// Sends mail: through Resend when RESEND_API_KEY is set, else into the
// `outbox` table, where the instance admin reads it (/outbox).
import { desc, eq, lt, sql } from 'drizzle-orm';
import { Resend } from 'resend';
import type { Db } from '../../db/client';
import { outbox } from '../../db/schema';
import { systemClock, type Clock } from '../clock';
import type { Env } from '../env';
import { newId } from '../ids';
import type { Logger } from '../logger';

export type Mail = { to: string; subject: string; html: string; text: string };
export type Transport = 'resend' | 'outbox';
export type OutboxMail = typeof outbox.$inferSelect;

export class MailError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MailError';
  }
}

const SEND_TIMEOUT_MS = 10_000;

export function createMailer({
  env,
  db,
  logger,
  clock = systemClock,
}: {
  env: Pick<Env, 'resendApiKey' | 'resendBaseUrl' | 'mailFrom'>;
  db: Db;
  logger: Logger;
  clock?: Clock;
}) {
  const resend = env.resendApiKey
    ? new Resend(env.resendApiKey, env.resendBaseUrl ? { baseUrl: env.resendBaseUrl.replace(/\/+$/, '') } : undefined)
    : null;
  const transport: Transport = resend ? 'resend' : 'outbox';

  async function send(mail: Mail): Promise<{ id: string; transport: Transport }> {
    const id = newId();
    if (!resend) {
      db.insert(outbox)
        .values({ id, from: env.mailFrom, ...mail, createdAt: new Date(clock.now()) })
        .run();
      return { id, transport };
    }
    const { data, error } = await resend.emails.send(
      { from: env.mailFrom, to: mail.to, subject: mail.subject, html: mail.html, text: mail.text },
      { idempotencyKey: id, signal: AbortSignal.timeout(SEND_TIMEOUT_MS) },
    );
    if (error || !data) throw new MailError(`Resend refused the message: ${error?.message ?? 'no answer'}`);
    return { id: data.id, transport };
  }

  return {
    transport,
    send,

    /**
     * Sends without making the caller wait: used where the answer must not
     * depend on whether (or how slowly) a mail goes out, as in password reset.
     * A failure is logged with the mail's purpose; it never crashes the server.
     */
    queue(mail: Mail, purpose: string): void {
      send(mail).catch((error: unknown) => logger.error({ err: error, purpose }, 'sending mail failed'));
    },

    /** Outbox mails, newest first; `before` is the createdAt cursor (ms) of the last one seen. */
    list(opts: { limit?: number; before?: number } = {}): OutboxMail[] {
      return db
        .select()
        .from(outbox)
        .where(opts.before ? lt(outbox.createdAt, new Date(opts.before)) : undefined)
        // rowid breaks ties within a millisecond: insertion order.
        .orderBy(desc(outbox.createdAt), desc(sql`rowid`))
        .limit(opts.limit ?? 100)
        .all();
    },

    get(id: string): OutboxMail | undefined {
      return db.select().from(outbox).where(eq(outbox.id, id)).get();
    },
  };
}

export type Mailer = ReturnType<typeof createMailer>;
