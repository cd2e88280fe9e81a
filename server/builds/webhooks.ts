// Per-project webhook secrets (created or rotated, shown once, encrypted at
// rest), signature checks for GitHub (HMAC-SHA256 of the raw body) and GitLab
// (the token header), and the delivery log, which also refuses replays.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { and, desc, eq, lt } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { webhookDeliveries, webhookSecrets, type DeliveryOutcome, type WebhookProvider } from '../../db/schema';
import type { Actor, Audit } from '../audit/service';
import type { Clock } from '../clock';
import { notFound } from '../errors';
import { newSecret } from '../ids';
import type { Projects } from '../projects/service';
import { decrypt, encrypt } from '../secrets/crypto';

export type Delivery = typeof webhookDeliveries.$inferSelect;
export type WebhookSecretInfo = {
  configured: boolean;
  createdAt: Date | null;
  rotatedAt: Date | null;
  /** Webhooks act as this member (with their permissions at the time of each delivery). */
  actsAs: { id: string; email: string } | null;
  urls: { github: string; gitlab: string };
};

/** GitHub's `X-Hub-Signature-256`: `sha256=` and the hex HMAC of the raw body. */
export function githubSignature(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Compares in constant time whatever the lengths (both sides hashed first). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

export function verifySignature(
  provider: WebhookProvider,
  secret: string,
  headers: Record<string, string | undefined>,
  body: Buffer,
): boolean {
  if (provider === 'github') {
    const given = headers['x-hub-signature-256'];
    return typeof given === 'string' && safeEqual(given, githubSignature(secret, body));
  }
  const token = headers['x-gitlab-token'];
  return typeof token === 'string' && safeEqual(token, secret);
}

export function createWebhooks(deps: { db: Db; clock: Clock; audit: Audit; projects: Projects; key: Buffer; baseUrl: () => string }) {
  const { db, clock, audit, projects, key } = deps;
  const keyId = createHash('sha256').update(key).digest('hex').slice(0, 16);
  const aad = (projectId: string) => `webhook/${projectId}`;
  const urls = (projectId: string) => ({
    github: `${deps.baseUrl()}/api/hooks/github?project=${projectId}`,
    gitlab: `${deps.baseUrl()}/api/hooks/gitlab?project=${projectId}`,
  });

  function row(projectId: string) {
    return db.select().from(webhookSecrets).where(eq(webhookSecrets.projectId, projectId)).get();
  }

  return {
    urls,

    /** Creates the project's secret, or replaces it (the old one stops working at once). Shown only in this answer. */
    rotate(actor: Actor, projectId: string): { secret: string; urls: WebhookSecretInfo['urls'] } {
      const { project } = projects.access(actor, projectId, 'webhook:manage');
      const secret = newSecret('whsec');
      const now = new Date(clock.now());
      const existing = row(projectId);
      const value = encrypt(key, secret, aad(projectId));
      if (existing) {
        db.update(webhookSecrets)
          .set({ value, keyId, createdById: actor.userId, createdByEmail: actor.email, rotatedAt: now })
          .where(eq(webhookSecrets.projectId, projectId))
          .run();
      } else {
        db.insert(webhookSecrets)
          .values({ projectId, value, keyId, createdById: actor.userId, createdByEmail: actor.email, createdAt: now, rotatedAt: null })
          .run();
      }
      audit.record({
        actor,
        action: existing ? 'webhook.secret.rotate' : 'webhook.secret.create',
        target: { type: 'project', id: projectId },
        teamId: project.teamId,
        projectId,
      });
      return { secret, urls: urls(projectId) };
    },

    info(actor: Actor, projectId: string): WebhookSecretInfo {
      projects.access(actor, projectId, 'webhook:read');
      const r = row(projectId);
      return {
        configured: !!r,
        createdAt: r?.createdAt ?? null,
        rotatedAt: r?.rotatedAt ?? null,
        actsAs: r ? { id: r.createdById, email: r.createdByEmail } : null,
        urls: urls(projectId),
      };
    },

    remove(actor: Actor, projectId: string): void {
      const { project } = projects.access(actor, projectId, 'webhook:manage');
      if (!row(projectId)) throw notFound('webhook secret');
      db.delete(webhookSecrets).where(eq(webhookSecrets.projectId, projectId)).run();
      audit.record({
        actor,
        action: 'webhook.secret.delete',
        target: { type: 'project', id: projectId },
        teamId: project.teamId,
        projectId,
      });
    },

    /** The secret and whom the project's webhooks act as; null when none is set (or the key changed). */
    secretOf(projectId: string): { secret: string; actor: Actor } | null {
      const r = row(projectId);
      if (!r || r.keyId !== keyId) return null;
      return { secret: decrypt(key, r.value, aad(projectId)), actor: { userId: r.createdById, email: r.createdByEmail, ip: null } };
    },

    /**
     * Records a delivery. With `seen`, claims its delivery id first: false when
     * that id was seen before (a replay), and then nothing is recorded.
     */
    record(input: {
      projectId: string | null;
      provider: WebhookProvider;
      deliveryId: string | null;
      seen?: boolean;
      event: string;
      outcome: DeliveryOutcome;
      httpStatus: number;
      reason?: string | null;
      summary?: Record<string, unknown> | null;
    }): Delivery | null {
      const seenKey = input.seen && input.deliveryId ? `${input.provider}:${input.deliveryId}` : null;
      if (seenKey && db.select({ id: webhookDeliveries.id }).from(webhookDeliveries).where(eq(webhookDeliveries.seenKey, seenKey)).get())
        return null;
      try {
        return db
          .insert(webhookDeliveries)
          .values({
            projectId: input.projectId,
            provider: input.provider,
            deliveryId: input.deliveryId?.slice(0, 128) ?? null,
            seenKey,
            event: input.event.slice(0, 64),
            outcome: input.outcome,
            httpStatus: input.httpStatus,
            reason: input.reason?.slice(0, 2000) ?? null,
            summary: input.summary ?? null,
            createdAt: new Date(clock.now()),
          })
          .returning()
          .get();
      } catch (error) {
        // Two copies of one delivery at once: the unique index lets one in.
        if (seenKey && String((error as { code?: string }).code).startsWith('SQLITE_CONSTRAINT')) return null;
        throw error;
      }
    },

    /** What handling a delivery came to. */
    finish(
      id: number,
      result: { outcome: DeliveryOutcome; httpStatus: number; reason?: string | null; summary?: Record<string, unknown> | null },
    ): void {
      db.update(webhookDeliveries)
        .set({ outcome: result.outcome, httpStatus: result.httpStatus, reason: result.reason ?? null, summary: result.summary ?? null })
        .where(eq(webhookDeliveries.id, id))
        .run();
    },

    deliveries(actor: Actor, projectId: string, opts: { limit?: number; before?: number } = {}): Delivery[] {
      projects.access(actor, projectId, 'webhook:read');
      const where = opts.before
        ? and(eq(webhookDeliveries.projectId, projectId), lt(webhookDeliveries.id, opts.before))
        : eq(webhookDeliveries.projectId, projectId);
      return db
        .select()
        .from(webhookDeliveries)
        .where(where)
        .orderBy(desc(webhookDeliveries.id))
        .limit(opts.limit ?? 50)
        .all();
    },
  };
}

export type Webhooks = ReturnType<typeof createWebhooks>;
