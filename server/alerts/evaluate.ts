// The pure part of evaluation: a condition as a threshold machine with a
// duration window and hysteresis, fed one value at a time. Every rule kind
// that can fire and clear on its own is expressed as one (a crash is the value
// 1 until a container starts again; unhealthy is 1, healthy 0; a crash loop is
// the number of crashes in its window).
import type { AlertCondition, AlertOperator, MetricCondition } from './schemas';

export type Machine = {
  /** `pending`: breaching, not for long enough yet; `resolving`: firing, clear, not for long enough yet. */
  phase: 'ok' | 'pending' | 'firing' | 'resolving';
  /** When the current pending or resolving stretch began (ms). */
  since: number;
};

export type Threshold = {
  operator: AlertOperator;
  threshold: number;
  /** Clear means past `threshold ∓ margin` on the safe side. */
  margin: number;
  forMs: number;
  resolveForMs: number;
};

export type Transition = 'fire' | 'resolve' | null;

export const OK: Machine = { phase: 'ok', since: 0 };

export function compare(value: number, operator: AlertOperator, threshold: number): boolean {
  switch (operator) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
  }
}

/** The breach condition moved by the margin towards the safe side: clear is its negation. */
export function isClear(value: number, t: Threshold): boolean {
  const above = t.operator === '>' || t.operator === '>=';
  return !compare(value, t.operator, above ? t.threshold - t.margin : t.threshold + t.margin);
}

/**
 * One value at time `ts`. Fires once the breach has held for `forMs` (at once
 * with 0); resolves once the value has been clear for `resolveForMs`. Between
 * breach and clear (inside the margin) a firing machine stays firing, and a
 * value breaching again while resolving goes back to firing without a new
 * fire: a flapping value neither resolves nor fires again.
 */
export function step(m: Machine, t: Threshold, value: number, ts: number): { machine: Machine; transition: Transition } {
  const breach = compare(value, t.operator, t.threshold);
  switch (m.phase) {
    case 'ok':
      if (!breach) return { machine: m, transition: null };
      if (t.forMs <= 0) return { machine: { phase: 'firing', since: ts }, transition: 'fire' };
      return { machine: { phase: 'pending', since: ts }, transition: null };
    case 'pending':
      if (!breach) return { machine: OK, transition: null };
      if (ts - m.since >= t.forMs) return { machine: { phase: 'firing', since: ts }, transition: 'fire' };
      return { machine: m, transition: null };
    case 'firing':
      if (!isClear(value, t)) return { machine: m, transition: null };
      if (t.resolveForMs <= 0) return { machine: OK, transition: 'resolve' };
      return { machine: { phase: 'resolving', since: ts }, transition: null };
    case 'resolving':
      if (!isClear(value, t)) return { machine: { phase: 'firing', since: m.since }, transition: null };
      if (ts - m.since >= t.resolveForMs) return { machine: OK, transition: 'resolve' };
      return { machine: m, transition: null };
  }
}

/** When the machine decides next if nothing new arrives (the value stays as it was), or null. */
export function deadline(m: Machine, t: Threshold): number | null {
  if (m.phase === 'pending') return m.since + t.forMs;
  if (m.phase === 'resolving') return m.since + t.resolveForMs;
  return null;
}

const DEFAULT_EVENT_RESOLVE_S = 60;

/** The threshold machine of a condition, or null for the ones that are opened and closed by events (deployments, nodes). */
export function thresholdOf(c: AlertCondition): Threshold | null {
  switch (c.type) {
    case 'metric':
      return metricThreshold(c);
    case 'crashed':
    case 'oom':
      // 1 from the crash until a container starts again.
      return { operator: '>=', threshold: 1, margin: 0, forMs: 0, resolveForMs: (c.resolveForS ?? DEFAULT_EVENT_RESOLVE_S) * 1000 };
    case 'crash_loop':
      // The number of crashes in the window; clear only when none is left in it.
      return { operator: '>=', threshold: c.restarts, margin: c.restarts - 1, forMs: 0, resolveForMs: (c.resolveForS ?? 0) * 1000 };
    case 'health_failing':
      return { operator: '>=', threshold: 1, margin: 0, forMs: c.forS * 1000, resolveForMs: (c.resolveForS ?? 10) * 1000 };
    case 'deployment_failed':
    case 'node_lost':
      return null;
  }
}

export function metricThreshold(c: MetricCondition): Threshold {
  const forMs = c.forS * 1000;
  return {
    operator: c.operator,
    threshold: c.threshold,
    margin: c.resolveMargin ?? Math.abs(c.threshold) * 0.1,
    forMs,
    resolveForMs: (c.resolveForS ?? Math.max(c.forS, 10)) * 1000,
  };
}

/** Times within the trailing window ending at `now`, oldest first (drops the older ones in place). */
export function pruneWindow(times: number[], now: number, windowMs: number): number[] {
  let drop = 0;
  while (drop < times.length && times[drop] <= now - windowMs) drop++;
  if (drop > 0) times.splice(0, drop);
  return times;
}

/** When the oldest time leaves the window (the count drops), or null when empty. */
export function windowDeadline(times: readonly number[], windowMs: number): number | null {
  return times.length > 0 ? times[0] + windowMs : null;
}

/** The window of a condition counting crashes, or null. */
export function crashWindowMs(c: AlertCondition): number | null {
  if (c.type === 'crash_loop') return c.windowS * 1000;
  if (c.type === 'metric' && c.metric === 'restarts') return (c.windowS ?? 300) * 1000;
  return null;
}

/** Exponential backoff with jitter: attempt 1 waits about `baseMs`, each next one twice as long, at most `maxMs`. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exact = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  // ±20 %, so retries of many deliveries that failed together spread out.
  return Math.round(Math.min(maxMs, exact * (0.8 + 0.4 * random())));
}
