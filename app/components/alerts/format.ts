/** Words and figures of the alerts UI: what a rule watches, in a sentence; units of the metrics. */
import type { AlertCondition, AlertSeverity, AlertState } from './api';

export const METRICS = [
  { id: 'cpuPercent', label: 'CPU', unit: '%', hint: '% of one core, summed over the service’s containers' },
  { id: 'memoryPercent', label: 'Memory', unit: '%', hint: 'of the memory limit (needs a limit)' },
  { id: 'restarts', label: 'Restarts', unit: '', hint: 'crashes in the trailing window' },
  { id: 'netRxBytesPerS', label: 'Network in', unit: 'B/s', hint: 'bytes received per second' },
  { id: 'netTxBytesPerS', label: 'Network out', unit: 'B/s', hint: 'bytes sent per second' },
  { id: 'blockReadBytesPerS', label: 'Disk reads', unit: 'B/s', hint: 'bytes read per second' },
  { id: 'blockWriteBytesPerS', label: 'Disk writes', unit: 'B/s', hint: 'bytes written per second' },
] as const;
export type MetricId = (typeof METRICS)[number]['id'];

export const OPERATORS = ['>', '>=', '<', '<='] as const;

/** Conditions a rule can have, as the form offers them (metric first). */
export const CONDITIONS = [
  { type: 'metric', label: 'Metric threshold', serviceScoped: true },
  { type: 'crashed', label: 'Container crashed', serviceScoped: true },
  { type: 'oom', label: 'Out of memory (OOM-killed)', serviceScoped: true },
  { type: 'crash_loop', label: 'Crash loop', serviceScoped: true },
  { type: 'health_failing', label: 'Health check failing', serviceScoped: true },
  { type: 'deployment_failed', label: 'Deployment failed', serviceScoped: false },
  { type: 'node_lost', label: 'Node lost', serviceScoped: false },
] as const;
export type ConditionType = (typeof CONDITIONS)[number]['type'];

export const SEVERITIES: AlertSeverity[] = ['critical', 'warning', 'info'];

export function metricOf(id: string) {
  return METRICS.find((m) => m.id === id) ?? METRICS[0];
}

export function conditionLabel(type: string): string {
  return CONDITIONS.find((c) => c.type === type)?.label ?? type;
}

/** 1536 → "1.5 KB"; bytes per second for the network and disk metrics. */
export function formatBytes(value: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = Math.abs(value);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const text = i === 0 ? String(Math.round(v)) : v >= 100 ? v.toFixed(0) : v.toFixed(1).replace(/\.0$/, '');
  return `${value < 0 ? '-' : ''}${text} ${units[i]}`;
}

/** A metric's value with its unit: "82 %", "1.5 MB/s", "3". */
export function formatMetricValue(metric: string, value: number): string {
  const { unit } = metricOf(metric);
  if (unit === 'B/s') return `${formatBytes(value)}/s`;
  const rounded = Number.isInteger(value) ? String(value) : value.toFixed(1).replace(/\.0$/, '');
  return unit ? `${rounded} ${unit}` : rounded;
}

/** 90 → "90 s", 120 → "2 min", 3600 → "1 h", 5400 → "90 min". */
export function formatSeconds(s: number): string {
  if (s < 60 || s % 60 !== 0) return `${s} s`;
  const min = s / 60;
  if (min < 60 || min % 60 !== 0) return `${min} min`;
  return `${min / 60} h`;
}

/** What the rule watches, in one line: "CPU > 50 % for 5 s", "Crash loop: 3 crashes in 5 min". */
export function describeCondition(condition: AlertCondition): string {
  switch (condition.type) {
    case 'metric': {
      const metric = metricOf(condition.metric);
      const forS = condition.forS ?? 60;
      const base = `${metric.label} ${condition.operator} ${formatMetricValue(condition.metric, condition.threshold)}`;
      const window = condition.metric === 'restarts' ? ` in ${formatSeconds(condition.windowS ?? 300)}` : '';
      return forS > 0 ? `${base}${window} for ${formatSeconds(forS)}` : `${base}${window}`;
    }
    case 'crash_loop':
      return `Crash loop: ${condition.restarts ?? 3} crashes in ${formatSeconds(condition.windowS ?? 300)}`;
    case 'health_failing':
      return condition.forS ? `Health check failing for ${formatSeconds(condition.forS)}` : 'Health check failing';
    default:
      return conditionLabel(condition.type);
  }
}

export const STATE_LABEL: Record<AlertState, string> = { firing: 'Firing', acknowledged: 'Acknowledged', resolved: 'Resolved' };
export const SEVERITY_LABEL: Record<AlertSeverity, string> = { critical: 'Critical', warning: 'Warning', info: 'Info' };

/** "3 Nov, 14:05:09" (this year) or with the year; the local time zone. */
export function formatTime(iso: string, now = Date.now()): string {
  const date = new Date(iso);
  const sameYear = date.getFullYear() === new Date(now).getFullYear();
  return date.toLocaleString('en-GB', {
    day: 'numeric',
    month: 'short',
    ...(sameYear ? {} : { year: 'numeric' }),
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** How long an alert was (or has been) open: "4 min", "2 h 5 min". */
export function formatDuration(fromIso: string, toIso: string | null, now = Date.now()): string {
  const ms = (toIso ? Date.parse(toIso) : now) - Date.parse(fromIso);
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

/** Issues of a 422 answer by form field: `condition.threshold` → `threshold` for the condition's inputs. */
export function issuesByField(issues: Array<{ path: string; message: string }>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of issues) {
    const key = issue.path.replace(/^condition\./, '') || 'form';
    out[key] ??= issue.message;
  }
  return out;
}
