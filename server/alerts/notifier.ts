// Notifications: one delivery row per alert event and channel, sent by a
// queue of its own (never awaited by evaluation) with a lane per channel, so
// a slow or dead target delays only its own channel (delivery-queue.ts),
// retried with exponential backoff, every attempt's outcome kept on the row
// (the delivery log). Pending deliveries survive a restart: `resume` picks
// them up again.
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { alertDeliveries, environments, projects, teamMembers, users } from '../../db/schema';
import type { Clock } from '../clock';
import type { Env } from '../env';
import { newId } from '../ids';
import type { Logger } from '../logger';
import type { Mail } from '../mail/mailer';
import { decrypt, encrypt } from '../secrets/crypto';
import { hiddenProjectIds } from '../teams/project-access';
import { createDeliveryQueue, DELIVERY_LIMITS, type DeliveryLimits } from './delivery-queue';
import { backoffMs } from './evaluate';
import { alertMail } from './mail';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, ackToken, signBody } from './signing';
import { alertView, type AlertRow, type AlertStore, type ChannelRow, type DeliveryRow } from './store';
import { resolvedUrlProblem, type OwnAddress } from './url';

export type DeliveryReason = DeliveryRow['reason'];

export type NotifierDeps = {
  db: Db;
  clock: Clock;
  logger: Logger;
  store: AlertStore;
  options: Env['alerts'];
  /** Encrypts webhook secrets at rest. */
  secretKey: Buffer;
  /** Signs acknowledge links. */
  ackKey: Buffer;
  sendMail: (mail: Mail) => Promise<unknown>;
  baseUrl: () => string;
  ownAddress: () => OwnAddress;
  serviceName: (environmentId: string, serviceId: string) => string | null;
  /** Attempts in flight (per channel, in all, for failing channels); DELIVERY_LIMITS unless a test says otherwise. */
  limits?: DeliveryLimits;
};

const MAX_ERROR = 500;

export function createNotifier(deps: NotifierDeps) {
  const { db, clock, logger, store, options } = deps;
  const timers = new Map<string, NodeJS.Timeout>();
  const queue = createDeliveryQueue(deps.limits ?? DELIVERY_LIMITS, attempt, (error, id) =>
    logger.error({ err: error, deliveryId: id }, 'alert delivery failed unexpectedly'),
  );
  let closed = false;

  const aad = (channelId: string) => `alert-channel:${channelId}`;

  function schedule(id: string, channelId: string, at: number) {
    if (closed) return;
    const existing = timers.get(id);
    if (existing) clearTimeout(existing);
    const timer = setTimeout(() => {
      timers.delete(id);
      queue.push(channelId, id);
    }, Math.max(0, at - clock.now()));
    timer.unref();
    timers.set(id, timer);
  }

  function describe(alert: AlertRow) {
    const row = db
      .select({ projectName: projects.name, environmentName: environments.name })
      .from(environments)
      .innerJoin(projects, eq(projects.id, environments.projectId))
      .where(eq(environments.id, alert.environmentId))
      .get();
    const serviceName = alert.serviceId ? (deps.serviceName(alert.environmentId, alert.serviceId) ?? alert.serviceId) : null;
    return { projectName: row?.projectName ?? alert.projectId, environmentName: row?.environmentName ?? alert.environmentId, serviceName };
  }

  const alertUrl = (alert: { projectId: string; id: string }) => `${deps.baseUrl()}/projects/${alert.projectId}/alerts?alert=${alert.id}`;

  function webhookBody(deliveryId: string, reason: DeliveryReason, alert: AlertRow | null, channel: ChannelRow, createdAt: Date): string {
    const event = reason === 'test' ? 'test' : `alert.${reason}`;
    if (!alert) {
      return JSON.stringify({ id: deliveryId, event, createdAt: createdAt.toISOString(), project: { id: channel.projectId }, alert: null });
    }
    const v = alertView(alert);
    const d = describe(alert);
    return JSON.stringify({
      id: deliveryId,
      event,
      createdAt: createdAt.toISOString(),
      alert: {
        id: v.id,
        kind: v.kind,
        title: v.title,
        message: v.message,
        severity: v.severity,
        state: v.state,
        value: v.value,
        threshold: v.threshold,
        occurrences: v.occurrences,
        firedAt: v.firedAt.toISOString(),
        acknowledgedAt: v.acknowledgedAt?.toISOString() ?? null,
        acknowledgedBy: v.acknowledgedBy,
        resolvedAt: v.resolvedAt?.toISOString() ?? null,
        url: alertUrl(alert),
      },
      rule: alert.ruleId ? { id: alert.ruleId, name: alert.ruleName } : null,
      project: { id: alert.projectId, name: d.projectName },
      environment: { id: alert.environmentId, name: d.environmentName },
      service: alert.serviceId ? { id: alert.serviceId, name: d.serviceName } : null,
      nodeId: alert.nodeId,
    });
  }

  /** Team members with one of the roles (who can see the project), plus the addresses. */
  function recipients(channel: ChannelRow): string[] {
    const out = new Set(channel.addresses.map((a) => a.toLowerCase()));
    if (channel.roles.length > 0) {
      const project = db.select({ teamId: projects.teamId }).from(projects).where(eq(projects.id, channel.projectId)).get();
      if (project) {
        const members = db
          .select({ userId: teamMembers.userId, role: teamMembers.role, email: users.email })
          .from(teamMembers)
          .innerJoin(users, eq(users.id, teamMembers.userId))
          .where(and(eq(teamMembers.teamId, project.teamId), inArray(teamMembers.role, channel.roles as ('owner' | 'admin' | 'developer' | 'viewer')[])))
          .all();
        for (const m of members) {
          const seesAll = m.role === 'owner' || m.role === 'admin';
          if (seesAll || hiddenProjectIds(db, m.userId, [channel.projectId]).size === 0) out.add(m.email.toLowerCase());
        }
      }
    }
    return [...out].sort();
  }

  function enqueue(channel: ChannelRow, alert: AlertRow | null, reason: DeliveryReason): DeliveryRow {
    const now = new Date(clock.now());
    const id = newId();
    const row: DeliveryRow = {
      id,
      projectId: channel.projectId,
      alertId: alert?.id ?? null,
      channelId: channel.id,
      type: channel.type,
      reason,
      target: channel.type === 'webhook' ? (channel.url ?? '') : recipients(channel).join(', '),
      payload: channel.type === 'webhook' ? webhookBody(id, reason, alert, channel, now) : '',
      status: 'pending',
      attempts: 0,
      statusCode: null,
      error: null,
      durationMs: null,
      nextAttemptAt: now,
      createdAt: now,
      updatedAt: now,
    };
    db.insert(alertDeliveries).values(row).run();
    schedule(id, channel.id, now.getTime());
    return row;
  }

  /** Records an attempt's outcome on the row (and schedules the next one); returns whether it succeeded. */
  function finish(row: DeliveryRow, outcome: { ok: boolean; statusCode: number | null; error: string | null; durationMs: number }): boolean {
    const attempts = row.attempts + 1;
    const now = clock.now();
    const retry = !outcome.ok && attempts < options.webhookAttempts;
    const nextAttemptAt = retry ? now + backoffMs(attempts, options.retryBaseMs, options.retryMaxMs) : null;
    db.update(alertDeliveries)
      .set({
        attempts,
        status: outcome.ok ? 'succeeded' : retry ? 'pending' : 'failed',
        statusCode: outcome.statusCode,
        error: outcome.error?.slice(0, MAX_ERROR) ?? null,
        durationMs: outcome.durationMs,
        nextAttemptAt: nextAttemptAt === null ? null : new Date(nextAttemptAt),
        updatedAt: new Date(now),
      })
      .where(eq(alertDeliveries.id, row.id))
      .run();
    if (nextAttemptAt !== null) schedule(row.id, row.channelId, nextAttemptAt);
    return outcome.ok;
  }

  async function attempt(id: string): Promise<boolean | null> {
    const row = db.select().from(alertDeliveries).where(eq(alertDeliveries.id, id)).get();
    if (!row || row.status !== 'pending') return null;
    const channel = store.channel(row.channelId);
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    if (!channel || !channel.enabled) {
      return finish({ ...row, attempts: options.webhookAttempts }, { ok: false, statusCode: null, error: 'the channel was disabled', durationMs: 0 });
    }
    if (channel.type === 'webhook') {
      const url = channel.url ?? '';
      const problem = await resolvedUrlProblem(url, deps.ownAddress());
      if (problem) return finish({ ...row, attempts: options.webhookAttempts }, { ok: false, statusCode: null, error: problem, durationMs: 0 });
      const secret = channel.secretSealed ? decrypt(deps.secretKey, channel.secretSealed, aad(channel.id)) : '';
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Containr-Alerts/1',
            [SIGNATURE_HEADER]: signBody(secret, row.payload),
            [TIMESTAMP_HEADER]: String(Math.floor(clock.now() / 1000)),
            [DELIVERY_HEADER]: row.id,
            [EVENT_HEADER]: row.reason === 'test' ? 'test' : `alert.${row.reason}`,
          },
          body: row.payload,
          // A redirect could lead anywhere (this server included): not followed, it counts as a failure.
          redirect: 'manual',
          signal: AbortSignal.timeout(options.webhookTimeoutMs),
        });
        // Read (a little of) the answer so the connection is released.
        await res.arrayBuffer().catch(() => undefined);
        const ok = res.status >= 200 && res.status < 300;
        return finish(row, { ok, statusCode: res.status, error: ok ? null : `the receiver answered ${res.status}`, durationMs: elapsed() });
      } catch (error) {
        const timeout = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
        const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
        const message = timeout ? `no answer within ${options.webhookTimeoutMs} ms` : `${error instanceof Error ? error.message : String(error)}${cause}`;
        return finish(row, { ok: false, statusCode: null, error: message, durationMs: elapsed() });
      }
    }
    // Email: one mail per recipient, each with its own acknowledge link.
    const alert = row.alertId ? store.alert(row.alertId) : null;
    const to = recipients(channel);
    if (to.length === 0) return finish({ ...row, attempts: options.webhookAttempts }, { ok: false, statusCode: null, error: 'no recipients', durationMs: 0 });
    const d = alert ? describe(alert) : null;
    try {
      for (const address of to) {
        const ackUrl =
          alert && row.reason !== 'resolved' && alert.state === 'firing'
            ? `${deps.baseUrl()}/alerts/ack/${ackToken(deps.ackKey, alert.id, address, clock.now() + options.ackLinkTtlMs)}`
            : null;
        await deps.sendMail(
          alertMail({
            to: address,
            reason: row.reason,
            title: alert?.title ?? 'Test notification from Containr',
            message: alert?.message ?? `The channel "${channel.name}" works.`,
            severity: alert?.severity ?? 'info',
            where: d ? [d.projectName, d.environmentName, d.serviceName].filter(Boolean).join(' / ') : channel.name,
            firedAt: alert?.firedAt ?? null,
            resolvedAt: alert?.resolvedAt ?? null,
            alertUrl: alert ? alertUrl(alert) : null,
            ackUrl,
          }),
        );
      }
      return finish(row, { ok: true, statusCode: null, error: null, durationMs: elapsed() });
    } catch (error) {
      return finish(row, { ok: false, statusCode: null, error: error instanceof Error ? error.message : String(error), durationMs: elapsed() });
    }
  }

  return {
    sealSecret: (channelId: string, secret: string) => encrypt(deps.secretKey, secret, aad(channelId)),

    /** Queues a notification of `alert` to each enabled channel of `channelIds` (of the alert's project). */
    notify(alert: AlertRow, channelIds: readonly string[], reason: DeliveryReason): void {
      if (channelIds.length === 0) return;
      const wanted = new Set(channelIds);
      for (const channel of store.channelsOfProject(alert.projectId)) {
        if (wanted.has(channel.id) && channel.enabled) enqueue(channel, alert, reason);
      }
    },

    test(channel: ChannelRow): DeliveryRow {
      return enqueue(channel, null, 'test');
    },

    /** Picks up deliveries left pending by an earlier run. */
    resume(): void {
      const pending = db
        .select({ id: alertDeliveries.id, channelId: alertDeliveries.channelId, at: alertDeliveries.nextAttemptAt })
        .from(alertDeliveries)
        .where(eq(alertDeliveries.status, 'pending'))
        .all();
      for (const p of pending) schedule(p.id, p.channelId, p.at?.getTime() ?? clock.now());
    },

    /** Stops scheduling; attempts in flight finish (each is bounded by the timeout). */
    async close(): Promise<void> {
      closed = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      await queue.close();
    },
  };
}

export type Notifier = ReturnType<typeof createNotifier>;
