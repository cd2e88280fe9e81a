// Alerts put together: rules and channels (permissions, validation, audit),
// the lifecycle of alerts (fire → acknowledge → resolve, escalation timers
// re-armed from the database at start), the evaluation engine fed by the
// telemetry, reconciler and hub hooks wired in services.ts, notifications,
// and the `alerts` messages to /live.
import { and, count, eq, gt, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { alertChannels, alertRules, alerts, alertSeen, environments, projects, users } from '../../db/schema';
import type { ContainerEvent, LiveAlerts, LiveDeployment, ServiceMetrics } from '../../sync/events';
import type { Actor, Audit } from '../audit/service';
import type { Clock } from '../clock';
import type { Env } from '../env';
import { conflict, DomainError, invalid, notFound, type Issue } from '../errors';
import { newId } from '../ids';
import type { Logger } from '../logger';
import type { Mail } from '../mail/mailer';
import type { Projects } from '../projects/service';
import { alertKey, createEngine, type FireDetail, type Target } from './engine';
import { createNotifier } from './notifier';
import {
  ENVIRONMENT_CONDITIONS,
  type AlertsQuery,
  type ChannelInput,
  type ChannelPatch,
  type RuleInput,
  type RulePatch,
} from './schemas';
import { ackToken, newWebhookSecret, verifyAckToken } from './signing';
import { alertView, channelView, createAlertStore, liveAlert, type AlertRow, type AlertView, type ChannelRow, type ChannelView, type Rule } from './store';
import { webhookUrlProblem, type OwnAddress } from './url';

export type LivePort = {
  publish(environmentId: string, event: string, payload: unknown): void;
  onSubscribe(snapshot: (environmentId: string, socket: { emit(event: string, payload: unknown): unknown }) => void): void;
};

export type AlertsDeps = {
  db: Db;
  env: Pick<Env, 'alerts' | 'port' | 'host' | 'publicUrl'>;
  clock: Clock;
  logger: Logger;
  audit: Audit;
  projects: Pick<Projects, 'access' | 'list'>;
  sendMail: (mail: Mail) => Promise<unknown>;
  /** Encrypts webhook secrets at rest. */
  secretKey: Buffer;
  /** Signs acknowledge links. */
  ackKey: Buffer;
  baseUrl: () => string;
  serviceName: (environmentId: string, serviceId: string) => string | null;
  /** A node's name and, from its last inventory, its containers (id, name, environment). */
  nodeContainers: (nodeId: string) => { name: string; containers: { id: string; name: string; environmentId: string | null }[] } | null;
};

/** How long a dispatched stop or remove explains a container's exit. */
const EXPECTED_EXIT_MS = 10 * 60 * 1000;
const DEFAULT_CHANNEL_NAME = 'Team email';
const ENV_CACHE_MS = 30_000;

export function createAlerts(deps: AlertsDeps) {
  const { db, clock, logger, audit } = deps;
  const store = createAlertStore(db);
  let live: LivePort | null = null;
  let ownPort = () => deps.env.port;
  const ownAddress = (): OwnAddress => ({ port: ownPort(), host: deps.env.host, publicUrl: deps.env.publicUrl });
  const notifier = createNotifier({
    db,
    clock,
    logger: logger.child({ module: 'alerts' }),
    store,
    options: deps.env.alerts,
    secretKey: deps.secretKey,
    ackKey: deps.ackKey,
    sendMail: deps.sendMail,
    baseUrl: deps.baseUrl,
    ownAddress,
    serviceName: deps.serviceName,
  });
  const escalations = new Map<string, NodeJS.Timeout>();
  /** `nodeId/containerName` → when Containr asked to stop or remove it. */
  const expectedExits = new Map<string, number>();
  const rulesCache = new Map<string, Rule[]>();
  /** Environments' projects and names, for up to ENV_CACHE_MS (a rename shows in titles soon after). */
  const envCache = new Map<string, { row: { projectId: string; name: string } | null; at: number }>();
  let closed = false;

  // ── lookups ────────────────────────────────────────────────────────────────
  function environment(id: string) {
    const now = clock.now();
    const hit = envCache.get(id);
    if (hit && now - hit.at < ENV_CACHE_MS) return hit.row;
    if (envCache.size > 10_000) envCache.clear();
    const row = db.select({ projectId: environments.projectId, name: environments.name }).from(environments).where(eq(environments.id, id)).get() ?? null;
    envCache.set(id, { row, at: now });
    return row;
  }

  function rulesOf(projectId: string): Rule[] {
    let rules = rulesCache.get(projectId);
    if (!rules) {
      rules = store.rulesOfProject(projectId);
      rulesCache.set(projectId, rules);
    }
    return rules;
  }

  function teamOf(projectId: string): string | null {
    return db.select({ teamId: projects.teamId }).from(projects).where(eq(projects.id, projectId)).get()?.teamId ?? null;
  }

  // ── lifecycle ──────────────────────────────────────────────────────────────
  function publish(row: AlertRow) {
    const message: LiveAlerts = { environmentId: row.environmentId, alerts: [liveAlert(row)] };
    live?.publish(row.environmentId, 'alerts', message);
  }

  function armEscalation(row: AlertRow) {
    const existing = escalations.get(row.id);
    if (existing) clearTimeout(existing);
    escalations.delete(row.id);
    if (closed || row.state !== 'firing' || !row.escalateAt || row.escalatedAt) return;
    const timer = setTimeout(() => {
      escalations.delete(row.id);
      escalate(row.id);
    }, Math.max(0, row.escalateAt.getTime() - clock.now()));
    timer.unref();
    escalations.set(row.id, timer);
  }

  function cancelEscalation(alertId: string) {
    const timer = escalations.get(alertId);
    if (timer) clearTimeout(timer);
    escalations.delete(alertId);
  }

  function escalate(alertId: string) {
    const row = store.alert(alertId);
    if (!row || row.state !== 'firing' || row.escalatedAt) return;
    const rule = row.ruleId ? store.rule(row.ruleId) : null;
    const now = new Date(clock.now());
    db.update(alerts).set({ escalatedAt: now }).where(eq(alerts.id, alertId)).run();
    if (rule?.escalation) notifier.notify({ ...row, escalatedAt: now }, rule.escalation.channelIds, 'escalated');
  }

  function fire(rule: Rule, target: Target, detail: FireDetail) {
    const key = alertKey(rule.id, target);
    const now = new Date(clock.now());
    const open = store.openAlert(key);
    if (open) {
      db.update(alerts)
        .set({ occurrences: open.occurrences + 1, lastSeenAt: now, ...(detail.value !== null ? { value: detail.value } : {}) })
        .where(eq(alerts.id, open.id))
        .run();
      return;
    }
    const row: AlertRow = {
      id: newId(),
      projectId: target.projectId,
      environmentId: target.environmentId,
      ruleId: rule.id,
      ruleName: rule.name,
      key,
      serviceId: target.serviceId,
      nodeId: target.nodeId,
      kind: rule.condition.type,
      title: detail.title.slice(0, 200),
      message: detail.message.slice(0, 2_000),
      severity: rule.severity,
      state: 'firing',
      value: detail.value,
      threshold: detail.threshold,
      occurrences: 1,
      firedAt: now,
      lastSeenAt: now,
      acknowledgedAt: null,
      acknowledgedById: null,
      acknowledgedByName: null,
      acknowledgedByEmail: null,
      resolvedAt: null,
      escalateAt: rule.escalation ? new Date(now.getTime() + rule.escalation.afterS * 1000) : null,
      escalatedAt: null,
    };
    db.insert(alerts).values(row).run();
    publish(row);
    notifier.notify(row, rule.channelIds, 'fired');
    armEscalation(row);
  }

  function resolveRow(open: AlertRow) {
    const now = new Date(clock.now());
    db.update(alerts).set({ state: 'resolved', resolvedAt: now }).where(eq(alerts.id, open.id)).run();
    cancelEscalation(open.id);
    const resolved: AlertRow = { ...open, state: 'resolved', resolvedAt: now };
    publish(resolved);
    const rule = open.ruleId ? store.rule(open.ruleId) : null;
    if (rule) notifier.notify(resolved, rule.channelIds, 'resolved');
  }

  function resolve(key: string) {
    const open = store.openAlert(key);
    if (open) resolveRow(open);
  }

  function acknowledgeRow(row: AlertRow, by: { userId: string | null; name: string | null; email: string | null }): AlertRow {
    const now = new Date(clock.now());
    db.update(alerts)
      .set({ state: 'acknowledged', acknowledgedAt: now, acknowledgedById: by.userId, acknowledgedByName: by.name, acknowledgedByEmail: by.email })
      .where(and(eq(alerts.id, row.id), eq(alerts.state, 'firing')))
      .run();
    cancelEscalation(row.id);
    const acked: AlertRow = { ...row, state: 'acknowledged', acknowledgedAt: now, acknowledgedById: by.userId, acknowledgedByName: by.name, acknowledgedByEmail: by.email };
    publish(acked);
    return acked;
  }

  const engine = createEngine({
    clock,
    logger: logger.child({ module: 'alerts' }),
    lifecycle: { fire, resolve, isOpen: (key) => store.openAlert(key) !== null },
    rules: (projectId) => rulesOf(projectId).filter((r) => r.enabled),
    projectOf: (id) => environment(id)?.projectId ?? null,
    environmentName: (id) => environment(id)?.name ?? id,
    serviceName: deps.serviceName,
    isExpectedExit(event: ContainerEvent) {
      const node = deps.nodeContainers(event.nodeId);
      const name = node?.containers.find((c) => c.id === event.containerId)?.name;
      if (!name) return false;
      const at = expectedExits.get(`${event.nodeId}/${name}`);
      return at !== undefined && clock.now() - at < EXPECTED_EXIT_MS;
    },
    nodeEnvironments(nodeId) {
      const node = deps.nodeContainers(nodeId);
      const ids = new Set(node?.containers.map((c) => c.environmentId).filter((id): id is string => !!id));
      return { name: node?.name ?? nodeId, environmentIds: [...ids] };
    },
  });

  // ── validation ─────────────────────────────────────────────────────────────
  function checkRule(projectId: string, rule: Pick<Rule, 'environmentId' | 'serviceId' | 'condition' | 'channelIds' | 'escalation'>) {
    const issues: Issue[] = [];
    if (rule.environmentId && environment(rule.environmentId)?.projectId !== projectId) {
      issues.push({ path: 'environmentId', message: 'no such environment in this project' });
    }
    if (rule.serviceId && ENVIRONMENT_CONDITIONS.includes(rule.condition.type)) {
      issues.push({ path: 'serviceId', message: `a ${rule.condition.type} rule is about a whole environment: leave serviceId null` });
    }
    const channels = new Set(store.channelsOfProject(projectId).map((c) => c.id));
    rule.channelIds.forEach((id, i) => {
      if (!channels.has(id)) issues.push({ path: `channelIds.${i}`, message: 'no such channel in this project' });
    });
    rule.escalation?.channelIds.forEach((id, i) => {
      if (!channels.has(id)) issues.push({ path: `escalation.channelIds.${i}`, message: 'no such channel in this project' });
    });
    if (issues.length > 0) throw invalid('the rule is not valid', issues);
  }

  function checkUrl(url: string) {
    const problem = webhookUrlProblem(url, ownAddress());
    if (problem) throw invalid('the webhook URL is not allowed', [{ path: 'url', message: problem }]);
  }

  function ruleAccess(actor: Actor, ruleId: string, action: 'alert:read' | 'alert:manage') {
    const rule = store.rule(ruleId);
    if (!rule) throw notFound('alert rule');
    try {
      return { rule, ...deps.projects.access(actor, rule.projectId, action) };
    } catch (error) {
      if (error instanceof DomainError && error.code === 'NOT_FOUND') throw notFound('alert rule');
      throw error;
    }
  }

  function channelAccess(actor: Actor, channelId: string, action: 'alert:read' | 'alert:manage') {
    const channel = store.channel(channelId);
    if (!channel) throw notFound('alert channel');
    try {
      return { channel, ...deps.projects.access(actor, channel.projectId, action) };
    } catch (error) {
      if (error instanceof DomainError && error.code === 'NOT_FOUND') throw notFound('alert channel');
      throw error;
    }
  }

  function alertAccess(actor: Actor, alertId: string, action: 'alert:read' | 'alert:acknowledge') {
    const row = store.alert(alertId);
    if (!row) throw notFound('alert');
    try {
      return { row, ...deps.projects.access(actor, row.projectId, action) };
    } catch (error) {
      if (error instanceof DomainError && error.code === 'NOT_FOUND') throw notFound('alert');
      throw error;
    }
  }

  function openAckLink(token: string): { row: AlertRow; email: string } {
    const check = verifyAckToken(deps.ackKey, token, clock.now());
    if (!check.ok) throw check.reason === 'EXPIRED' ? new DomainError('GONE', 'this link has expired') : notFound('link');
    const row = store.alert(check.alertId);
    if (!row) throw notFound('alert');
    return { row, email: check.email };
  }

  function ruleChanged(projectId: string, ruleId: string) {
    rulesCache.delete(projectId);
    engine.forgetRule(ruleId);
  }

  function insertChannel(projectId: string, input: ChannelInput): { row: ChannelRow; secret: string | null } {
    const now = new Date(clock.now());
    const id = newId();
    const secret = input.type === 'webhook' ? newWebhookSecret() : null;
    const row: ChannelRow = {
      id,
      projectId,
      name: input.name,
      type: input.type,
      enabled: input.enabled,
      roles: input.type === 'email' ? input.roles : [],
      addresses: input.type === 'email' ? input.addresses.map((a) => a.toLowerCase()) : [],
      url: input.type === 'webhook' ? input.url : null,
      secretSealed: secret ? notifier.sealSecret(id, secret) : null,
      secretPrefix: secret ? secret.slice(0, 10) : null,
      createdAt: now,
      updatedAt: now,
    };
    db.insert(alertChannels).values(row).run();
    return { row, secret };
  }

  function insertRule(projectId: string, input: RuleInput): Rule {
    const now = new Date(clock.now());
    const row = {
      id: newId(),
      projectId,
      name: input.name,
      enabled: input.enabled,
      severity: input.severity,
      environmentId: input.environmentId,
      serviceId: input.serviceId,
      condition: input.condition as Record<string, unknown>,
      channelIds: input.channelIds,
      escalation: input.escalation,
      createdAt: now,
      updatedAt: now,
    };
    db.insert(alertRules).values(row).run();
    rulesCache.delete(projectId);
    return store.rule(row.id) as Rule;
  }

  return {
    store,
    engine,

    // ── wiring ─────────────────────────────────────────────────────────────
    /** What exists only once the server does: /live, and the port it listens on (webhooks may not point at it). */
    attach(parts: { live?: LivePort; ownPort?: () => number }) {
      if (parts.ownPort) ownPort = parts.ownPort;
      if (parts.live) {
        live = parts.live;
        live.onSubscribe((environmentId, socket) => {
          const message: LiveAlerts = { environmentId, alerts: store.openAlertsOfEnvironment(environmentId).map(liveAlert) };
          socket.emit('alerts', message);
        });
      }
    },

    /** Re-arms escalations and resumes pending deliveries from the database. */
    start() {
      for (const row of store.pendingEscalations()) armEscalation(row);
      notifier.resume();
    },

    /**
     * Escalates every firing, unacknowledged alert due by `at`: what the
     * escalation timers do, as one explicit tick (tests move time with it
     * instead of waiting). Returns the ids escalated.
     */
    escalateDue(at: number = clock.now()): string[] {
      const due = store.pendingEscalations().filter((row) => row.escalateAt !== null && row.escalateAt.getTime() <= at);
      for (const row of due) {
        cancelEscalation(row.id);
        escalate(row.id);
      }
      return due.map((row) => row.id);
    },

    /** Whether a timer is set to escalate the alert. */
    escalationArmed: (alertId: string): boolean => escalations.has(alertId),

    async close() {
      closed = true;
      engine.close();
      for (const timer of escalations.values()) clearTimeout(timer);
      escalations.clear();
      await notifier.close();
    },

    // Hooks (services.ts): telemetry, reconciler, hub.
    onServices: (environmentId: string, services: ServiceMetrics[]) => engine.onServices(environmentId, services),
    onEvents: (events: ContainerEvent[]) => engine.onEvents(events),
    onDeployment: (message: LiveDeployment) => engine.onDeployment(message),
    onNodeLost: (nodeId: string) => engine.onNodeLost(nodeId),
    onNodeReady(nodeId: string) {
      const open = db
        .select()
        .from(alerts)
        .where(and(eq(alerts.nodeId, nodeId), eq(alerts.kind, 'node_lost'), inArray(alerts.state, ['firing', 'acknowledged'])))
        .all();
      for (const row of open) resolveRow(row);
    },
    /** Containr is stopping or removing this container: its exit is no crash. */
    expectExit(nodeId: string, containerName: string) {
      const now = clock.now();
      if (expectedExits.size > 10_000) {
        for (const [k, at] of expectedExits) if (now - at > EXPECTED_EXIT_MS) expectedExits.delete(k);
      }
      expectedExits.set(`${nodeId}/${containerName}`, now);
    },
    /** Every new project: a channel mailing owners and admins, and rules for crashes, failed deployments and lost nodes. */
    createDefaults(projectId: string) {
      const { row: channel } = insertChannel(projectId, { type: 'email', name: DEFAULT_CHANNEL_NAME, enabled: true, roles: ['owner', 'admin'], addresses: [] });
      const base = { enabled: true, severity: 'critical' as const, environmentId: null, serviceId: null, channelIds: [channel.id], escalation: null };
      insertRule(projectId, { ...base, name: 'Container crashed', condition: { type: 'crashed' } });
      insertRule(projectId, { ...base, name: 'Deployment failed', condition: { type: 'deployment_failed' } });
      insertRule(projectId, { ...base, name: 'Node lost', condition: { type: 'node_lost' } });
    },

    // ── rules ──────────────────────────────────────────────────────────────
    listRules(actor: Actor, projectId: string, filter: { environmentId?: string; serviceId?: string } = {}): Rule[] {
      deps.projects.access(actor, projectId, 'alert:read');
      return store
        .rulesOfProject(projectId)
        .filter((r) => !filter.environmentId || r.environmentId === null || r.environmentId === filter.environmentId)
        .filter((r) => !filter.serviceId || r.serviceId === null || r.serviceId === filter.serviceId);
    },

    getRule: (actor: Actor, ruleId: string): Rule => ruleAccess(actor, ruleId, 'alert:read').rule,

    createRule(actor: Actor, projectId: string, input: RuleInput): Rule {
      const { project } = deps.projects.access(actor, projectId, 'alert:manage');
      checkRule(projectId, input);
      const rule = insertRule(projectId, input);
      audit.record({ actor, action: 'alert.rule.create', target: { type: 'alert-rule', id: rule.id }, teamId: project.teamId, projectId, details: { name: rule.name, condition: rule.condition } });
      return rule;
    },

    updateRule(actor: Actor, ruleId: string, patch: RulePatch): Rule {
      const { rule, project } = ruleAccess(actor, ruleId, 'alert:manage');
      const next = { ...rule, ...patch };
      checkRule(rule.projectId, next);
      db.update(alertRules)
        .set({ ...patch, ...(patch.condition ? { condition: patch.condition as Record<string, unknown> } : {}), updatedAt: new Date(clock.now()) })
        .where(eq(alertRules.id, ruleId))
        .run();
      ruleChanged(rule.projectId, ruleId);
      // A disabled rule's open alerts resolve: nothing watches them any more.
      if (patch.enabled === false) for (const open of store.openAlertsOfRule(ruleId)) resolveRow(open);
      audit.record({ actor, action: 'alert.rule.update', target: { type: 'alert-rule', id: ruleId }, teamId: project.teamId, projectId: rule.projectId, details: { name: rule.name, changes: patch } });
      return store.rule(ruleId) as Rule;
    },

    deleteRule(actor: Actor, ruleId: string): void {
      const { rule, project } = ruleAccess(actor, ruleId, 'alert:manage');
      for (const open of store.openAlertsOfRule(ruleId)) resolveRow(open);
      db.delete(alertRules).where(eq(alertRules.id, ruleId)).run();
      ruleChanged(rule.projectId, ruleId);
      audit.record({ actor, action: 'alert.rule.delete', target: { type: 'alert-rule', id: ruleId }, teamId: project.teamId, projectId: rule.projectId, details: { name: rule.name } });
    },

    // ── alerts ─────────────────────────────────────────────────────────────
    listAlerts(actor: Actor, projectId: string, query: AlertsQuery) {
      deps.projects.access(actor, projectId, 'alert:read');
      return store.listAlerts(projectId, query);
    },

    getAlert(actor: Actor, alertId: string) {
      const { row } = alertAccess(actor, alertId, 'alert:read');
      return { alert: alertView(row), deliveries: store.deliveriesOfAlert(row.id) };
    },

    acknowledge(actor: Actor, alertId: string): AlertView {
      const { row, project } = alertAccess(actor, alertId, 'alert:acknowledge');
      if (row.state === 'resolved') throw conflict('this alert has already resolved');
      if (row.state === 'acknowledged') return alertView(row);
      const name = db.select({ name: users.name }).from(users).where(eq(users.id, actor.userId)).get()?.name ?? null;
      const acked = acknowledgeRow(row, { userId: actor.userId, name, email: actor.email });
      audit.record({ actor, action: 'alert.acknowledge', target: { type: 'alert', id: row.id }, teamId: project.teamId, projectId: row.projectId, details: { title: row.title } });
      return alertView(acked);
    },

    /** A mailed acknowledge link for `email` (what alert mails carry). */
    ackUrl(alertId: string, email: string): string {
      return `${deps.baseUrl()}/alerts/ack/${ackToken(deps.ackKey, alertId, email, clock.now() + deps.env.alerts.ackLinkTtlMs)}`;
    },

    /** The alert a mailed link names, for its confirmation page (throws GONE for an expired link, NOT_FOUND for a bad one). */
    peekAckLink(token: string): { alert: AlertView; email: string } {
      const { row, email } = openAckLink(token);
      return { alert: alertView(row), email };
    },

    /** Acknowledges through a mailed link, as the address it was sent to. */
    acknowledgeByLink(token: string, ip: string | null): AlertView {
      const { row, email } = openAckLink(token);
      if (row.state === 'resolved') throw conflict('this alert has already resolved');
      if (row.state === 'acknowledged') return alertView(row);
      const user = db.select({ id: users.id, name: users.name }).from(users).where(eq(users.email, email)).get();
      const acked = acknowledgeRow(row, { userId: user?.id ?? null, name: user?.name ?? null, email });
      audit.record({
        actor: user ? { userId: user.id, email, ip } : null,
        ip,
        action: 'alert.acknowledge',
        target: { type: 'alert', id: row.id },
        teamId: teamOf(row.projectId),
        projectId: row.projectId,
        details: { title: row.title, via: 'email-link', email },
      });
      return alertView(acked);
    },

    unread(actor: Actor): { unread: number; firing: number; seenAt: Date | null } {
      const projectIds = deps.projects.list(actor).map((p) => p.id);
      const seenAt = db.select({ seenAt: alertSeen.seenAt }).from(alertSeen).where(eq(alertSeen.userId, actor.userId)).get()?.seenAt ?? null;
      if (projectIds.length === 0) return { unread: 0, firing: 0, seenAt };
      const inProjects = inArray(alerts.projectId, projectIds);
      const unread = db
        .select({ n: count() })
        .from(alerts)
        .where(seenAt ? and(inProjects, gt(alerts.firedAt, seenAt)) : inProjects)
        .get()?.n ?? 0;
      const firing = db.select({ n: count() }).from(alerts).where(and(inProjects, eq(alerts.state, 'firing'))).get()?.n ?? 0;
      return { unread, firing, seenAt };
    },

    markSeen(actor: Actor, at?: number): { seenAt: Date } {
      const wanted = new Date(Math.min(at ?? clock.now(), clock.now()));
      const current = db.select({ seenAt: alertSeen.seenAt }).from(alertSeen).where(eq(alertSeen.userId, actor.userId)).get()?.seenAt;
      if (current && current >= wanted) return { seenAt: current };
      db.insert(alertSeen).values({ userId: actor.userId, seenAt: wanted }).onConflictDoUpdate({ target: alertSeen.userId, set: { seenAt: wanted } }).run();
      return { seenAt: wanted };
    },

    // ── channels ───────────────────────────────────────────────────────────
    listChannels(actor: Actor, projectId: string): ChannelView[] {
      deps.projects.access(actor, projectId, 'alert:read');
      return store.channelsOfProject(projectId).map(channelView);
    },

    createChannel(actor: Actor, projectId: string, input: ChannelInput): { channel: ChannelView; secret: string | null } {
      const { project } = deps.projects.access(actor, projectId, 'alert:manage');
      if (input.type === 'webhook') checkUrl(input.url);
      const { row, secret } = insertChannel(projectId, input);
      audit.record({ actor, action: 'alert.channel.create', target: { type: 'alert-channel', id: row.id }, teamId: project.teamId, projectId, details: { name: row.name, type: row.type, url: row.url, roles: row.roles, addresses: row.addresses } });
      return { channel: channelView(row), secret };
    },

    updateChannel(actor: Actor, channelId: string, patch: ChannelPatch): ChannelView {
      const { channel, project } = channelAccess(actor, channelId, 'alert:manage');
      const issues: Issue[] = [];
      if (channel.type === 'email' && patch.url !== undefined) issues.push({ path: 'url', message: 'an email channel has no URL' });
      if (channel.type === 'webhook' && (patch.roles !== undefined || patch.addresses !== undefined)) {
        issues.push({ path: patch.roles !== undefined ? 'roles' : 'addresses', message: 'a webhook channel has no recipients' });
      }
      if (issues.length > 0) throw invalid('the channel is not valid', issues);
      if (patch.url !== undefined) checkUrl(patch.url);
      const next = { ...channel, ...patch, addresses: patch.addresses?.map((a) => a.toLowerCase()) ?? channel.addresses };
      if (next.type === 'email' && next.roles.length + next.addresses.length === 0) {
        throw invalid('the channel is not valid', [{ path: 'addresses', message: 'name at least one role or address' }]);
      }
      db.update(alertChannels)
        .set({ name: next.name, enabled: next.enabled, roles: next.roles, addresses: next.addresses, url: next.url, updatedAt: new Date(clock.now()) })
        .where(eq(alertChannels.id, channelId))
        .run();
      audit.record({ actor, action: 'alert.channel.update', target: { type: 'alert-channel', id: channelId }, teamId: project.teamId, projectId: channel.projectId, details: { name: channel.name, changes: patch } });
      return channelView(store.channel(channelId) as ChannelRow);
    },

    rotateSecret(actor: Actor, channelId: string): { channel: ChannelView; secret: string } {
      const { channel, project } = channelAccess(actor, channelId, 'alert:manage');
      if (channel.type !== 'webhook') throw invalid('only webhooks have a secret', [{ path: 'type', message: 'only webhooks have a secret' }]);
      const secret = newWebhookSecret();
      db.update(alertChannels)
        .set({ secretSealed: notifier.sealSecret(channelId, secret), secretPrefix: secret.slice(0, 10), updatedAt: new Date(clock.now()) })
        .where(eq(alertChannels.id, channelId))
        .run();
      audit.record({ actor, action: 'alert.channel.rotate-secret', target: { type: 'alert-channel', id: channelId }, teamId: project.teamId, projectId: channel.projectId, details: { name: channel.name } });
      return { channel: channelView(store.channel(channelId) as ChannelRow), secret };
    },

    testChannel(actor: Actor, channelId: string) {
      const { channel } = channelAccess(actor, channelId, 'alert:manage');
      const row = notifier.test(channel);
      return store.deliveriesOfChannel(channelId, { limit: 200 }).deliveries.find((d) => d.id === row.id) ?? null;
    },

    deleteChannel(actor: Actor, channelId: string): void {
      const { channel, project } = channelAccess(actor, channelId, 'alert:manage');
      db.transaction((tx) => {
        for (const rule of store.rulesOfProject(channel.projectId)) {
          const channelIds = rule.channelIds.filter((id) => id !== channelId);
          const escalationIds = rule.escalation?.channelIds.filter((id) => id !== channelId) ?? [];
          const escalation = rule.escalation && escalationIds.length > 0 ? { ...rule.escalation, channelIds: escalationIds } : null;
          if (channelIds.length !== rule.channelIds.length || (rule.escalation && escalationIds.length !== rule.escalation.channelIds.length)) {
            tx.update(alertRules).set({ channelIds, escalation, updatedAt: new Date(clock.now()) }).where(eq(alertRules.id, rule.id)).run();
          }
        }
        tx.delete(alertChannels).where(eq(alertChannels.id, channelId)).run();
      });
      rulesCache.delete(channel.projectId);
      audit.record({ actor, action: 'alert.channel.delete', target: { type: 'alert-channel', id: channelId }, teamId: project.teamId, projectId: channel.projectId, details: { name: channel.name, type: channel.type } });
    },

    deliveries(actor: Actor, channelId: string, query: { before?: string; limit: number }) {
      channelAccess(actor, channelId, 'alert:read');
      return store.deliveriesOfChannel(channelId, query);
    },
  };
}

export type Alerts = ReturnType<typeof createAlerts>;
