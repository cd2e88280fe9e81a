// Rows of the alert tables and their API views. No permissions here: the
// service checks them, the engine and notifier act for the system.
import { and, desc, eq, inArray, isNotNull, lt, or, type SQL, gte, lte } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { alertChannels, alertDeliveries, alertRules, alerts } from '../../db/schema';
import type { LiveAlert } from '../../sync/events';
import { alertCondition, type AlertCondition, type AlertSeverity, type AlertsQuery } from './schemas';

export type RuleRow = typeof alertRules.$inferSelect;
export type ChannelRow = typeof alertChannels.$inferSelect;
export type AlertRow = typeof alerts.$inferSelect;
export type DeliveryRow = typeof alertDeliveries.$inferSelect;

export type Rule = Omit<RuleRow, 'condition' | 'severity'> & { condition: AlertCondition; severity: AlertSeverity };

export type ChannelView = {
  id: string;
  projectId: string;
  name: string;
  type: 'email' | 'webhook';
  enabled: boolean;
  roles: string[];
  addresses: string[];
  url: string | null;
  secretPrefix: string | null;
  createdAt: Date;
  updatedAt: Date;
};

export type AlertView = {
  id: string;
  projectId: string;
  environmentId: string;
  ruleId: string | null;
  ruleName: string;
  serviceId: string | null;
  nodeId: string | null;
  kind: string;
  title: string;
  message: string;
  severity: AlertSeverity;
  state: AlertRow['state'];
  value: number | null;
  threshold: number | null;
  occurrences: number;
  firedAt: Date;
  lastSeenAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: { userId: string | null; name: string | null; email: string | null } | null;
  resolvedAt: Date | null;
  escalatedAt: Date | null;
};

export type DeliveryView = Omit<DeliveryRow, 'payload' | 'projectId'> & { channelName: string | null };

export function toRule(row: RuleRow): Rule {
  // Stored rows were validated on the way in; a row that no longer parses (an older format) is kept disabled.
  const parsed = alertCondition.safeParse(row.condition);
  return {
    ...row,
    enabled: row.enabled && parsed.success,
    severity: row.severity,
    condition: parsed.success ? parsed.data : ({ type: 'deployment_failed' } as AlertCondition),
  };
}

export function channelView(row: ChannelRow): ChannelView {
  return {
    id: row.id,
    projectId: row.projectId,
    name: row.name,
    type: row.type,
    enabled: row.enabled,
    roles: row.roles,
    addresses: row.addresses,
    url: row.url,
    secretPrefix: row.secretPrefix,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function alertView(row: AlertRow): AlertView {
  const acked = row.acknowledgedAt !== null;
  return {
    id: row.id,
    projectId: row.projectId,
    environmentId: row.environmentId,
    ruleId: row.ruleId,
    ruleName: row.ruleName,
    serviceId: row.serviceId,
    nodeId: row.nodeId,
    kind: row.kind,
    title: row.title,
    message: row.message,
    severity: row.severity,
    state: row.state,
    value: row.value,
    threshold: row.threshold,
    occurrences: row.occurrences,
    firedAt: row.firedAt,
    lastSeenAt: row.lastSeenAt,
    acknowledgedAt: row.acknowledgedAt,
    acknowledgedBy: acked ? { userId: row.acknowledgedById, name: row.acknowledgedByName, email: row.acknowledgedByEmail } : null,
    resolvedAt: row.resolvedAt,
    escalatedAt: row.escalatedAt,
  };
}

export function liveAlert(row: AlertRow): LiveAlert {
  const v = alertView(row);
  return {
    id: v.id,
    ruleId: v.ruleId,
    serviceId: v.serviceId,
    kind: v.kind,
    title: v.title,
    severity: v.severity,
    state: v.state,
    firedAt: v.firedAt.toISOString(),
    acknowledgedAt: v.acknowledgedAt?.toISOString() ?? null,
    acknowledgedBy: v.acknowledgedBy,
    resolvedAt: v.resolvedAt?.toISOString() ?? null,
  };
}

/** Cursor of a page: `<epoch ms>.<id>` of the last row. */
export const cursorOf = (at: Date, id: string) => `${at.getTime()}.${id}`;
function parseCursor(cursor: string): { at: number; id: string } {
  const dot = cursor.indexOf('.');
  return { at: Number(cursor.slice(0, dot)), id: cursor.slice(dot + 1) };
}

export function createAlertStore(db: Db) {
  return {
    rulesOfProject(projectId: string): Rule[] {
      return db.select().from(alertRules).where(eq(alertRules.projectId, projectId)).orderBy(alertRules.createdAt).all().map(toRule);
    },
    rule(id: string): Rule | null {
      const row = db.select().from(alertRules).where(eq(alertRules.id, id)).get();
      return row ? toRule(row) : null;
    },
    channelsOfProject(projectId: string): ChannelRow[] {
      return db.select().from(alertChannels).where(eq(alertChannels.projectId, projectId)).orderBy(alertChannels.createdAt).all();
    },
    channel(id: string): ChannelRow | null {
      return db.select().from(alertChannels).where(eq(alertChannels.id, id)).get() ?? null;
    },
    alert(id: string): AlertRow | null {
      return db.select().from(alerts).where(eq(alerts.id, id)).get() ?? null;
    },
    openAlert(key: string): AlertRow | null {
      return (
        db
          .select()
          .from(alerts)
          .where(and(eq(alerts.key, key), inArray(alerts.state, ['firing', 'acknowledged'])))
          .get() ?? null
      );
    },
    openAlertsOfEnvironment(environmentId: string): AlertRow[] {
      return db
        .select()
        .from(alerts)
        .where(and(eq(alerts.environmentId, environmentId), inArray(alerts.state, ['firing', 'acknowledged'])))
        .orderBy(desc(alerts.firedAt))
        .all();
    },
    openAlertsOfRule(ruleId: string): AlertRow[] {
      return db
        .select()
        .from(alerts)
        .where(and(eq(alerts.ruleId, ruleId), inArray(alerts.state, ['firing', 'acknowledged'])))
        .all();
    },
    /** Firing alerts with an escalation still to come: re-armed at start. */
    pendingEscalations(): AlertRow[] {
      return db
        .select()
        .from(alerts)
        .where(and(eq(alerts.state, 'firing'), isNotNull(alerts.escalateAt)))
        .all()
        .filter((a) => a.escalatedAt === null);
    },
    listAlerts(projectId: string, q: AlertsQuery): { alerts: AlertView[]; nextCursor: string | null } {
      const conditions: SQL[] = [eq(alerts.projectId, projectId)];
      if (q.state === 'open') conditions.push(inArray(alerts.state, ['firing', 'acknowledged']));
      else if (q.state) conditions.push(eq(alerts.state, q.state));
      if (q.environmentId) conditions.push(eq(alerts.environmentId, q.environmentId));
      if (q.serviceId) conditions.push(eq(alerts.serviceId, q.serviceId));
      if (q.ruleId) conditions.push(eq(alerts.ruleId, q.ruleId));
      if (q.severity) conditions.push(eq(alerts.severity, q.severity));
      if (q.from !== undefined) conditions.push(gte(alerts.firedAt, new Date(q.from)));
      if (q.to !== undefined) conditions.push(lte(alerts.firedAt, new Date(q.to)));
      if (q.before) {
        const c = parseCursor(q.before);
        const at = new Date(c.at);
        conditions.push(or(lt(alerts.firedAt, at), and(eq(alerts.firedAt, at), lt(alerts.id, c.id))) as SQL);
      }
      const rows = db
        .select()
        .from(alerts)
        .where(and(...conditions))
        .orderBy(desc(alerts.firedAt), desc(alerts.id))
        .limit(q.limit + 1)
        .all();
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return { alerts: page.map(alertView), nextCursor: rows.length > q.limit && last ? cursorOf(last.firedAt, last.id) : null };
    },
    deliveriesOfAlert(alertId: string): DeliveryView[] {
      return db
        .select({ d: alertDeliveries, channelName: alertChannels.name })
        .from(alertDeliveries)
        .leftJoin(alertChannels, eq(alertChannels.id, alertDeliveries.channelId))
        .where(eq(alertDeliveries.alertId, alertId))
        .orderBy(desc(alertDeliveries.createdAt))
        .all()
        .map(({ d, channelName }) => deliveryView(d, channelName));
    },
    deliveriesOfChannel(channelId: string, q: { before?: string; limit: number }): { deliveries: DeliveryView[]; nextCursor: string | null } {
      const conditions: SQL[] = [eq(alertDeliveries.channelId, channelId)];
      if (q.before) {
        const c = parseCursor(q.before);
        const at = new Date(c.at);
        conditions.push(or(lt(alertDeliveries.createdAt, at), and(eq(alertDeliveries.createdAt, at), lt(alertDeliveries.id, c.id))) as SQL);
      }
      const rows = db
        .select({ d: alertDeliveries, channelName: alertChannels.name })
        .from(alertDeliveries)
        .leftJoin(alertChannels, eq(alertChannels.id, alertDeliveries.channelId))
        .where(and(...conditions))
        .orderBy(desc(alertDeliveries.createdAt), desc(alertDeliveries.id))
        .limit(q.limit + 1)
        .all();
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return {
        deliveries: page.map(({ d, channelName }) => deliveryView(d, channelName)),
        nextCursor: rows.length > q.limit && last ? cursorOf(last.d.createdAt, last.d.id) : null,
      };
    },
  };
}

export function deliveryView(row: DeliveryRow, channelName: string | null): DeliveryView {
  const { payload: _payload, projectId: _projectId, ...rest } = row;
  return { ...rest, channelName };
}

export type AlertStore = ReturnType<typeof createAlertStore>;
