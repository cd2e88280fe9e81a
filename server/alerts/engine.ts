// Evaluation on the incoming stream: each environment's per-service figures
// as samples arrive (metrics), container events (crashes, OOM, health),
// deployments that fail or succeed, nodes lost and back. One track per rule,
// environment, service (and node) holds a threshold machine (evaluate.ts);
// a timer per track decides when nothing new arrives (hold times, windows).
import type { ContainerEvent, LiveDeployment, ServiceMetrics } from '../../sync/events';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import { crashWindowMs, deadline, OK, pruneWindow, step, thresholdOf, windowDeadline, type Machine, type Threshold } from './evaluate';
import type { AlertMetric } from './schemas';
import type { Rule } from './store';

export type Target = { projectId: string; environmentId: string; serviceId: string | null; nodeId: string | null };
export type FireDetail = { title: string; message: string; value: number | null; threshold: number | null };

export type Lifecycle = {
  /** Opens an alert for the key (or counts one more occurrence of the open one). */
  fire(rule: Rule, target: Target, detail: FireDetail): void;
  /** Resolves the open alert of the key, if any. */
  resolve(key: string): void;
  /** Whether an alert of the key is open (a track created after a restart starts as firing). */
  isOpen(key: string): boolean;
};

export type EngineDeps = {
  clock: Clock;
  logger: Logger;
  lifecycle: Lifecycle;
  /** Enabled rules of a project. */
  rules: (projectId: string) => Rule[];
  projectOf: (environmentId: string) => string | null;
  environmentName: (environmentId: string) => string;
  serviceName: (environmentId: string, serviceId: string) => string | null;
  /** A container exit Containr caused (a stop or remove it dispatched), not a crash. */
  isExpectedExit: (event: ContainerEvent) => boolean;
  /** Environments with containers on a node (its last inventory), and its name. */
  nodeEnvironments: (nodeId: string) => { name: string; environmentIds: string[] };
};

type Track = {
  key: string;
  rule: Rule;
  target: Target;
  threshold: Threshold;
  machine: Machine;
  lastValue: number;
  /** Crash times in the window (crash_loop, restarts). */
  crashes: number[];
  timer: NodeJS.Timeout | null;
};

export const alertKey = (ruleId: string, t: Pick<Target, 'environmentId' | 'serviceId' | 'nodeId'>) =>
  `${ruleId}|${t.environmentId}|${t.serviceId ?? ''}|${t.nodeId ?? ''}`;

const METRIC_LABELS: Record<AlertMetric, { label: string; unit: string }> = {
  cpuPercent: { label: 'CPU', unit: '%' },
  memoryPercent: { label: 'memory', unit: '%' },
  restarts: { label: 'restarts', unit: '' },
  netRxBytesPerS: { label: 'network in', unit: ' B/s' },
  netTxBytesPerS: { label: 'network out', unit: ' B/s' },
  blockReadBytesPerS: { label: 'disk read', unit: ' B/s' },
  blockWriteBytesPerS: { label: 'disk write', unit: ' B/s' },
};

const round = (n: number) => Math.round(n * 10) / 10;

/** A service's figure for a metric; null when it has none (memory % without a limit). Absent service: nothing runs, 0. */
export function metricValue(metric: Exclude<AlertMetric, 'restarts'>, s: ServiceMetrics | undefined): number | null {
  if (!s) return 0;
  switch (metric) {
    case 'cpuPercent':
      return s.cpuPercent;
    case 'memoryPercent':
      return s.memoryLimitBytes ? (s.memoryBytes / s.memoryLimitBytes) * 100 : null;
    default:
      return s[metric];
  }
}

export function createEngine(deps: EngineDeps) {
  const { clock, logger, lifecycle } = deps;
  const tracks = new Map<string, Track>();
  let closed = false;

  function rulesFor(environmentId: string): Rule[] {
    const projectId = deps.projectOf(environmentId);
    if (!projectId) return [];
    return deps.rules(projectId).filter((r) => r.enabled && (r.environmentId === null || r.environmentId === environmentId));
  }

  function trackOf(rule: Rule, target: Target): Track | null {
    const key = alertKey(rule.id, target);
    const existing = tracks.get(key);
    // A rule changed since: start its track over (its open alert stays open until it clears).
    if (existing && existing.rule.updatedAt.getTime() === rule.updatedAt.getTime()) return existing;
    if (existing?.timer) clearTimeout(existing.timer);
    const threshold = thresholdOf(rule.condition);
    if (!threshold) return null;
    const machine: Machine = lifecycle.isOpen(key) ? { phase: 'firing', since: clock.now() } : OK;
    const track: Track = { key, rule, target, threshold, machine, lastValue: 0, crashes: existing?.crashes ?? [], timer: null };
    tracks.set(key, track);
    return track;
  }

  function describe(track: Track, value: number): FireDetail {
    const { rule, target } = track;
    const c = rule.condition;
    const subject = target.serviceId
      ? (deps.serviceName(target.environmentId, target.serviceId) ?? target.serviceId)
      : deps.environmentName(target.environmentId);
    const where = deps.environmentName(target.environmentId);
    const title = `${subject}: ${rule.name}`;
    switch (c.type) {
      case 'metric': {
        const { label, unit } = METRIC_LABELS[c.metric];
        const held = c.forS > 0 ? ` for ${c.forS} s` : '';
        return {
          title,
          message: `${label} is ${round(value)}${unit} (rule: ${label} ${c.operator} ${c.threshold}${unit}${held}) in ${where}.`,
          value,
          threshold: c.threshold,
        };
      }
      case 'crashed':
        return { title, message: `A container of ${subject} exited with an error in ${where}.`, value: null, threshold: null };
      case 'oom':
        return { title, message: `A container of ${subject} ran out of memory and was killed in ${where}.`, value: null, threshold: null };
      case 'crash_loop':
        return { title, message: `${subject} crashed ${value} times within ${c.windowS} s in ${where}.`, value, threshold: c.restarts };
      case 'health_failing':
        return { title, message: `The health check of ${subject} reports unhealthy in ${where}.`, value: null, threshold: null };
      default:
        return { title, message: title, value: null, threshold: null };
    }
  }

  function crashMessage(track: Track, exitCode: number | null): string {
    const { environmentId, serviceId } = track.target;
    const subject = serviceId ? (deps.serviceName(environmentId, serviceId) ?? serviceId) : 'a service';
    return `A container of ${subject} exited with code ${exitCode} in ${deps.environmentName(environmentId)}.`;
  }

  /** Feeds one value; fires or resolves on a transition; re-arms the track's timer. */
  function feed(track: Track, value: number, ts: number, detail?: Partial<FireDetail>) {
    track.lastValue = value;
    const { machine, transition } = step(track.machine, track.threshold, value, Math.max(ts, track.machine.since));
    track.machine = machine;
    try {
      if (transition === 'fire') lifecycle.fire(track.rule, track.target, { ...describe(track, value), ...detail });
      else if (transition === 'resolve') lifecycle.resolve(track.key);
    } catch (error) {
      logger.error({ err: error, ruleId: track.rule.id, key: track.key }, 'alert transition failed');
    }
    arm(track);
  }

  function arm(track: Track) {
    if (track.timer) clearTimeout(track.timer);
    track.timer = null;
    const windowMs = crashWindowMs(track.rule.condition);
    const candidates = [deadline(track.machine, track.threshold), windowMs ? windowDeadline(track.crashes, windowMs) : null].filter(
      (d): d is number => d !== null,
    );
    if (closed || candidates.length === 0) return;
    const at = Math.min(...candidates);
    track.timer = setTimeout(() => {
      track.timer = null;
      if (tracks.get(track.key) !== track) return;
      const now = clock.now();
      const value = windowMs ? pruneWindow(track.crashes, now, windowMs).length : track.lastValue;
      feed(track, value, now);
    }, Math.max(0, at - clock.now()) + 1);
    track.timer.unref();
  }

  function guarded<A extends unknown[]>(what: string, fn: (...args: A) => void) {
    return (...args: A) => {
      if (closed) return;
      try {
        fn(...args);
      } catch (error) {
        logger.error({ err: error }, `alert evaluation failed: ${what}`);
      }
    };
  }

  function crashRulesFor(event: ContainerEvent): Rule[] {
    return rulesFor(event.environmentId).filter((r) => r.serviceId === null || r.serviceId === event.serviceId);
  }

  return {
    /** An environment's services with fresh samples (metrics ingest). */
    onServices: guarded('metrics', (environmentId: string, services: ServiceMetrics[]) => {
      const rules = rulesFor(environmentId).filter((r) => r.condition.type === 'metric' && r.condition.metric !== 'restarts');
      if (rules.length === 0) return;
      const projectId = deps.projectOf(environmentId) as string;
      const byService = new Map(services.map((s) => [s.serviceId, s]));
      const now = clock.now();
      for (const rule of rules) {
        if (rule.condition.type !== 'metric' || rule.condition.metric === 'restarts') continue;
        const metric = rule.condition.metric;
        const serviceIds = new Set(rule.serviceId ? [rule.serviceId] : byService.keys());
        // Services of this rule not in the list: nothing of them runs any more (their value is 0).
        if (!rule.serviceId) {
          for (const t of tracks.values()) {
            if (t.rule.id === rule.id && t.target.environmentId === environmentId && t.target.serviceId) serviceIds.add(t.target.serviceId);
          }
        }
        for (const serviceId of serviceIds) {
          const s = byService.get(serviceId);
          const value = metricValue(metric, s);
          if (value === null) continue;
          const existing = tracks.get(alertKey(rule.id, { environmentId, serviceId, nodeId: null }));
          // An idle service nobody tracks needs no track.
          if (!s && !existing) continue;
          const track = trackOf(rule, { projectId, environmentId, serviceId, nodeId: null });
          if (!track) continue;
          feed(track, value, s ? Math.min(s.ts, now) : now);
          // Gone and quiet: forget it (a service that comes back starts a new track).
          if (!s && track.machine.phase === 'ok') tracks.delete(track.key);
        }
      }
    }),

    /** Container events of agents (start, die, oom, health). */
    onEvents: guarded('events', (events: ContainerEvent[]) => {
      for (const event of events) {
        const target: Target = { projectId: event.projectId, environmentId: event.environmentId, serviceId: event.serviceId, nodeId: null };
        const rules = crashRulesFor(event);
        if (rules.length === 0) continue;
        const crashed = event.type === 'die' && typeof event.exitCode === 'number' && event.exitCode !== 0 && !deps.isExpectedExit(event);
        for (const rule of rules) {
          const c = rule.condition;
          if (c.type === 'crashed' || c.type === 'oom') {
            const hit = (c.type === 'crashed' && crashed) || (c.type === 'oom' && event.type === 'oom');
            if (hit) {
              const track = trackOf(rule, target);
              if (track) feed(track, 1, event.ts, c.type === 'crashed' ? { message: crashMessage(track, event.exitCode ?? null) } : undefined);
            } else if (event.type === 'start') {
              const track = tracks.get(alertKey(rule.id, target));
              if (track) feed(track, 0, event.ts);
            }
          } else if (c.type === 'crash_loop' || (c.type === 'metric' && c.metric === 'restarts')) {
            if (!crashed) continue;
            const track = trackOf(rule, target);
            if (!track) continue;
            track.crashes.push(event.ts);
            const windowMs = crashWindowMs(c) as number;
            feed(track, pruneWindow(track.crashes, Math.max(event.ts, clock.now()), windowMs).length, event.ts);
          } else if (c.type === 'health_failing' && event.type === 'health' && event.health !== 'starting') {
            const unhealthy = event.health === 'unhealthy';
            const track = unhealthy ? trackOf(rule, target) : tracks.get(alertKey(rule.id, target));
            if (track) feed(track, unhealthy ? 1 : 0, event.ts);
          }
        }
      }
    }),

    /** The reconciler's deployment messages: a failure opens, the next success resolves. */
    onDeployment: guarded('deployment', (message: LiveDeployment) => {
      if (message.status !== 'failed' && message.status !== 'succeeded') return;
      const { environmentId } = message;
      const projectId = deps.projectOf(environmentId);
      if (!projectId) return;
      for (const rule of rulesFor(environmentId)) {
        if (rule.condition.type !== 'deployment_failed') continue;
        const target: Target = { projectId, environmentId, serviceId: null, nodeId: null };
        if (message.status === 'succeeded') {
          lifecycle.resolve(alertKey(rule.id, target));
          continue;
        }
        const where = deps.environmentName(environmentId);
        lifecycle.fire(rule, target, {
          title: `${where}: ${rule.name}`,
          message: `A deployment of ${where} failed${message.reason ? `: ${message.reason}` : '.'}`,
          value: null,
          threshold: null,
        });
      }
    }),

    /** A node missed its heartbeats: every environment it ran containers of. */
    onNodeLost: guarded('node lost', (nodeId: string) => {
      const { name, environmentIds } = deps.nodeEnvironments(nodeId);
      for (const environmentId of environmentIds) {
        const projectId = deps.projectOf(environmentId);
        if (!projectId) continue;
        for (const rule of rulesFor(environmentId)) {
          if (rule.condition.type !== 'node_lost') continue;
          lifecycle.fire(
            rule,
            { projectId, environmentId, serviceId: null, nodeId },
            {
              title: `${name}: ${rule.name}`,
              message: `The node ${name} stopped sending heartbeats; its services in ${deps.environmentName(environmentId)} are being moved to other nodes.`,
              value: null,
              threshold: null,
            },
          );
        }
      }
    }),

    /** Tracks of a rule start over (changed or deleted). */
    forgetRule(ruleId: string): void {
      for (const [key, t] of tracks) {
        if (t.rule.id !== ruleId) continue;
        if (t.timer) clearTimeout(t.timer);
        tracks.delete(key);
      }
    },

    trackCount: () => tracks.size,

    close(): void {
      closed = true;
      for (const t of tracks.values()) if (t.timer) clearTimeout(t.timer);
      tracks.clear();
    },
  };
}

export type Engine = ReturnType<typeof createEngine>;
