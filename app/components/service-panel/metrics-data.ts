/**
 * Shaping the Metrics tab's data: which step each range asks the history API for, and the
 * points the charts draw: the history answer, with the live samples of the last minutes
 * bucketed the way the server buckets (epoch-aligned steps, min/avg/max) and laid over its
 * newest buckets, so a chart moves every second without asking the server again.
 */
import type { ServiceMetrics } from '../../../sync';

export type RangeKey = '15m' | '1h' | '24h' | '7d' | '30d';

export interface MetricsRange {
  key: RangeKey;
  label: string;
  ms: number;
  /** The bucket the history API is asked for; about 200–360 points per range. */
  stepMs: number;
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

export const RANGES: MetricsRange[] = [
  { key: '15m', label: '15 m', ms: 15 * MIN, stepMs: 5_000 },
  { key: '1h', label: '1 h', ms: HOUR, stepMs: 15_000 },
  { key: '24h', label: '24 h', ms: DAY, stepMs: 5 * MIN },
  { key: '7d', label: '7 d', ms: 7 * DAY, stepMs: 30 * MIN },
  { key: '30d', label: '30 d', ms: 30 * DAY, stepMs: 2 * HOUR },
];

export function rangeOf(key: RangeKey): MetricsRange {
  return RANGES.find((r) => r.key === key) ?? RANGES[0];
}

/** The step for a range of `ms`: the first of RANGES's that keeps it within `maxPoints` (the server's cap is 2,000). */
export function stepFor(ms: number, maxPoints = 400): number {
  const known = RANGES.find((r) => r.ms === ms);
  if (known) return known.stepMs;
  const steps = [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400].map((s) => s * 1000);
  return steps.find((s) => ms / s <= maxPoints) ?? steps[steps.length - 1];
}

/** How often a range's history is asked for again (live samples fill in between). */
export function refreshEvery(range: MetricsRange): number {
  return range.ms <= HOUR ? 5 * MIN : MIN;
}

/** One point of `GET /api/services/:id/metrics`. */
export interface MetricPoint {
  ts: number;
  seconds: number;
  containers: number;
  cpuPercent: { min: number; avg: number; max: number };
  memoryBytes: { min: number; avg: number; max: number };
  memoryLimitBytes: number | null;
  netRxBytesPerS: number;
  netTxBytesPerS: number;
  blockReadBytesPerS: number;
  blockWriteBytesPerS: number;
}

export interface MetricsHistory {
  environmentId: string;
  serviceId: string;
  from: number;
  to: number;
  stepS: number;
  resolution: 'raw' | '1m';
  points: MetricPoint[];
}

/** Live samples bucketed like the server: `ts` is the bucket's start, one sample a second. */
export function bucketSamples(samples: readonly ServiceMetrics[], stepMs: number): MetricPoint[] {
  const buckets = new Map<number, ServiceMetrics[]>();
  for (const sample of samples) {
    const ts = Math.floor(sample.ts / stepMs) * stepMs;
    let list = buckets.get(ts);
    if (!list) buckets.set(ts, (list = []));
    list.push(sample);
  }
  return [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([ts, list]) => {
      const avg = (pick: (s: ServiceMetrics) => number) => list.reduce((sum, s) => sum + pick(s), 0) / list.length;
      const stats = (pick: (s: ServiceMetrics) => number) => {
        const values = list.map(pick);
        return { min: Math.min(...values), avg: avg(pick), max: Math.max(...values) };
      };
      const limits = list.map((s) => s.memoryLimitBytes);
      return {
        ts,
        seconds: list.length,
        containers: Math.max(...list.map((s) => s.containers)),
        cpuPercent: stats((s) => s.cpuPercent),
        memoryBytes: stats((s) => s.memoryBytes),
        memoryLimitBytes: limits.some((l) => l === null) ? null : Math.max(...(limits as number[])),
        netRxBytesPerS: avg((s) => s.netRxBytesPerS),
        netTxBytesPerS: avg((s) => s.netTxBytesPerS),
        blockReadBytesPerS: avg((s) => s.blockReadBytesPerS),
        blockWriteBytesPerS: avg((s) => s.blockWriteBytesPerS),
      };
    });
}

/**
 * History points in [from, to], with live samples laid over them: per bucket, whichever
 * source saw more seconds wins (rollups lag a minute and an answer ages, so the newest
 * buckets are the live ones; a bucket the live samples only began in stays history's).
 */
export function mergePoints(history: readonly MetricPoint[], live: readonly ServiceMetrics[], window: { from: number; to: number; stepMs: number }): MetricPoint[] {
  const { from, to, stepMs } = window;
  const byTs = new Map<number, MetricPoint>();
  for (const point of history) byTs.set(point.ts, point);
  for (const point of bucketSamples(live, stepMs)) {
    const stored = byTs.get(point.ts);
    if (!stored || point.seconds >= stored.seconds) byTs.set(point.ts, point);
  }
  return [...byTs.values()].filter((p) => p.ts + stepMs > from && p.ts <= to).sort((a, b) => a.ts - b.ts);
}

/** A point drawn at its bucket's middle; null where a gap (no containers ran) breaks the line. */
export interface ChartPoint {
  t: number;
  point: MetricPoint | null;
}

/** Buckets are left out when nothing ran: more than 1.5 steps apart, the line breaks. */
export function withGaps(points: readonly MetricPoint[], stepMs: number): ChartPoint[] {
  const out: ChartPoint[] = [];
  let previous: MetricPoint | null = null;
  for (const point of points) {
    if (previous && point.ts - previous.ts > 1.5 * stepMs) out.push({ t: previous.ts + stepMs, point: null });
    out.push({ t: point.ts + stepMs / 2, point });
    previous = point;
  }
  return out;
}

/** Whether the band (min…max) says more than the line: buckets of several samples that vary. */
export function hasSpread(points: readonly MetricPoint[], pick: (p: MetricPoint) => { min: number; max: number }): boolean {
  return points.some((p) => p.seconds > 1 && pick(p).max > pick(p).min);
}

export interface Summary {
  min: number;
  avg: number;
  max: number;
  last: number;
}

/** Min, average (weighted by seconds) and max over the window, and the newest value. */
export function summarize(points: readonly MetricPoint[], pick: (p: MetricPoint) => number): Summary | null {
  if (points.length === 0) return null;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let weight = 0;
  for (const p of points) {
    const v = pick(p);
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v * Math.max(1, p.seconds);
    weight += Math.max(1, p.seconds);
  }
  return { min, avg: sum / weight, max, last: pick(points[points.length - 1]) };
}

/** A y-axis top with headroom that reads well: 1, 2, 2.5, 5 × 10^n. */
export function niceMax(value: number, floor = 1): number {
  const v = Math.max(value, floor) * 1.1;
  const exponent = Math.floor(Math.log10(v));
  const base = 10 ** exponent;
  const nice = [1, 2, 2.5, 5, 10].find((m) => m * base >= v) ?? 10;
  return nice * base;
}

/** Powers of 1024 for a byte axis: a top that is 1, 2, 4, 5, 8 × KiB/MiB/GiB. */
export function niceBytesMax(value: number, floor = 1024): number {
  const v = Math.max(value, floor) * 1.1;
  const unit = 1024 ** Math.max(0, Math.floor(Math.log(v) / Math.log(1024)));
  const n = v / unit;
  const nice = [1, 2, 4, 5, 8, 10, 16, 20, 25, 32, 40, 50, 64, 80, 100, 128, 256, 512, 1024].find((m) => m >= n) ?? 1024;
  return nice * unit;
}

export function formatPercent(v: number): string {
  if (v === 0) return '0 %';
  if (v < 0.1) return '<0.1 %';
  return `${v < 10 ? trim(v.toFixed(1)) : Math.round(v)} %`;
}

export function formatBytes(v: number): string {
  if (v < 1024) return `${Math.round(v)} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let n = v / 1024;
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n < 10 ? trim(n.toFixed(1)) : Math.round(n)} ${units[i]}`;
}

/** `2.0` → `2`: round axis ticks read better without the zero. */
function trim(fixed: string): string {
  return fixed.endsWith('.0') ? fixed.slice(0, -2) : fixed;
}

export function formatRate(v: number): string {
  return `${formatBytes(v)}/s`;
}

/** A tick or tooltip time for a range: clock time for short ranges, day and time for long. */
export function formatTime(ms: number, rangeMs: number, withSeconds = false): string {
  const d = new Date(ms);
  if (rangeMs <= DAY) {
    return d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', ...(withSeconds ? { second: '2-digit' } : {}) });
  }
  return d.toLocaleString('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}
