/**
 * The alerts routes of the JSON API as the browser calls them (docs/api.md, "Alerts").
 * Wire shapes are written here because client code never imports `server/`; the request
 * schemas' types come from the pure zod module they are validated with.
 */
import { api } from '../deploy/api';
import type { AlertCondition, AlertSeverity, AlertState, ChannelInput, ChannelPatch, RuleInput, RulePatch } from '../../../server/alerts/schemas';

export type { AlertCondition, AlertSeverity, AlertState };
export type Role = 'owner' | 'admin' | 'developer' | 'viewer';

export interface AlertRule {
  id: string;
  projectId: string;
  name: string;
  enabled: boolean;
  severity: AlertSeverity;
  environmentId: string | null;
  serviceId: string | null;
  condition: AlertCondition;
  channelIds: string[];
  escalation: { afterS: number; channelIds: string[] } | null;
  createdAt: string;
  updatedAt: string;
}

export interface Alert {
  id: string;
  projectId: string;
  environmentId: string;
  ruleId: string | null;
  ruleName: string | null;
  serviceId: string | null;
  nodeId: string | null;
  kind: string;
  title: string;
  message: string;
  severity: AlertSeverity;
  state: AlertState;
  value: number | null;
  threshold: number | null;
  occurrences: number;
  firedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: { userId: string | null; name: string | null; email: string | null } | null;
  resolvedAt: string | null;
  escalatedAt: string | null;
  lastSeenAt: string | null;
}

export interface AlertChannel {
  id: string;
  projectId: string;
  name: string;
  type: 'email' | 'webhook';
  enabled: boolean;
  roles: Role[];
  addresses: string[];
  url: string | null;
  secretPrefix: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Delivery {
  id: string;
  alertId: string | null;
  channelId: string;
  channelName: string;
  type: 'email' | 'webhook';
  reason: 'fired' | 'resolved' | 'escalated' | 'test';
  target: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number | null;
  nextAttemptAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Unread {
  unread: number;
  firing: number;
  seenAt: string | null;
}

export interface AlertFilters {
  state?: AlertState | 'open';
  environmentId?: string;
  serviceId?: string;
  ruleId?: string;
  severity?: AlertSeverity;
  from?: number;
  to?: number;
  before?: string;
  limit?: number;
}

/** Rule bodies as the form sends them (defaults applied by the server). */
export type RuleBody = Partial<RuleInput> & Pick<RuleInput, 'name' | 'condition'>;

function query(params: object): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export const alertsApi = {
  rules: (projectId: string, scope: { environmentId?: string; serviceId?: string } = {}, signal?: AbortSignal) =>
    api<{ rules: AlertRule[] }>(`/projects/${projectId}/alert-rules${query(scope)}`, { signal }),
  createRule: (projectId: string, body: RuleBody) => api<{ rule: AlertRule }>(`/projects/${projectId}/alert-rules`, { method: 'POST', body }),
  updateRule: (ruleId: string, body: RulePatch) => api<{ rule: AlertRule }>(`/alert-rules/${ruleId}`, { method: 'PATCH', body }),
  deleteRule: (ruleId: string) => api<void>(`/alert-rules/${ruleId}`, { method: 'DELETE' }),

  alerts: (projectId: string, filters: AlertFilters = {}, signal?: AbortSignal) =>
    api<{ alerts: Alert[]; nextCursor: string | null }>(`/projects/${projectId}/alerts${query(filters)}`, { signal }),
  alert: (alertId: string) => api<{ alert: Alert; deliveries: Delivery[] }>(`/alerts/${alertId}`),
  acknowledge: (alertId: string) => api<{ alert: Alert }>(`/alerts/${alertId}/ack`, { method: 'POST' }),
  unread: (signal?: AbortSignal) => api<Unread>('/alerts/unread', { signal }),
  seen: (at?: number) => api<{ seenAt: string }>('/alerts/seen', { method: 'POST', body: at === undefined ? {} : { at } }),

  channels: (projectId: string, signal?: AbortSignal) => api<{ channels: AlertChannel[] }>(`/projects/${projectId}/alert-channels`, { signal }),
  createChannel: (projectId: string, body: Partial<ChannelInput> & { type: ChannelInput['type'] }) =>
    api<{ channel: AlertChannel; secret: string | null }>(`/projects/${projectId}/alert-channels`, { method: 'POST', body }),
  updateChannel: (channelId: string, body: ChannelPatch) => api<{ channel: AlertChannel }>(`/alert-channels/${channelId}`, { method: 'PATCH', body }),
  rotateSecret: (channelId: string) => api<{ channel: AlertChannel; secret: string }>(`/alert-channels/${channelId}/rotate-secret`, { method: 'POST' }),
  testChannel: (channelId: string) => api<{ delivery: Delivery | null }>(`/alert-channels/${channelId}/test`, { method: 'POST' }),
  deleteChannel: (channelId: string) => api<void>(`/alert-channels/${channelId}`, { method: 'DELETE' }),
  deliveries: (channelId: string, page: { before?: string; limit?: number } = {}) =>
    api<{ deliveries: Delivery[]; nextCursor: string | null }>(`/alert-channels/${channelId}/deliveries${query(page)}`),
};
