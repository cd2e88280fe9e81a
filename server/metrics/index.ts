// Container metrics: agents' samples in (checked, stored raw, rates computed),
// one `metrics` message per tick to the environment's /live room with each
// service's containers added up, history over HTTP (raw or rollups by range),
// and the rollup and retention job.
import type { Db } from '../../db/client';
import type { AgentEvents, AgentStats, ContainerSample, LiveMetrics, ServiceMetrics } from '../../sync/events';
import type { Actor } from '../audit/service';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import { RoomBatcher, type Publish } from './batcher';
import type { Sender, Sources } from './sources';
import { createMetricStore, MINUTE_MS, type MetricPoint, type SampleRow } from './store';

export type MetricsOptions = {
  rawRetentionMs: number;
  rollupRetentionMs: number;
  /** A minute is rolled up this long after it ends (samples still on their way). */
  rollupGraceMs: number;
  /** A container's newest sample counts as current for this long (live and /metrics). */
  freshMs: number;
  relayDelayMs: number;
  relayIntervalMs: number;
};

export const DEFAULT_METRICS_OPTIONS: MetricsOptions = {
  rawRetentionMs: 24 * 60 * 60 * 1000,
  rollupRetentionMs: 30 * 24 * 60 * 60 * 1000,
  rollupGraceMs: 5_000,
  freshMs: 5_000,
  relayDelayMs: 50,
  relayIntervalMs: 1_000,
};

/** An environment's services with fresh samples, their containers added up (a service without any is absent). */
export type ServicesListener = (environmentId: string, services: ServiceMetrics[]) => void;

export type MetricsQuery = { environmentId?: string; from?: number; to?: number; stepMs?: number };

export type MetricsHistory = {
  environmentId: string;
  serviceId: string;
  from: number;
  to: number;
  stepS: number;
  /** `raw`: from per-second samples; `1m`: from one-minute rollups. */
  resolution: 'raw' | '1m';
  /** Buckets with samples, oldest first (a gap in the data is a missing bucket). */
  points: MetricPoint[];
};

/** A container's newest sample with its rates. */
export type Current = ContainerSample & {
  projectId: string;
  netRxBytesPerS: number | null;
  netTxBytesPerS: number | null;
  blockReadBytesPerS: number | null;
  blockWriteBytesPerS: number | null;
};

const STEPS_S = [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
/** Default resolution: about this many points over the range. */
const TARGET_POINTS = 360;
/** A step finer than range / this is coarsened. */
const MAX_POINTS = 2_000;
/** Raw samples answer ranges up to this long (within raw retention); rollups answer the rest. */
const RAW_RANGE_MS = 6 * 60 * 60 * 1000;
/** A container silent this long is forgotten (the next minute job). */
const STALE_MS = 60_000;

export function createMetrics(deps: { db: Db; clock: Clock; logger: Logger; sources: Sources; options?: Partial<MetricsOptions> }) {
  const { clock, logger, sources } = deps;
  const o = { ...DEFAULT_METRICS_OPTIONS, ...deps.options };
  const store = createMetricStore(deps.db);
  let publish: Publish | null = null;
  const counters = { samples: 0, duplicates: 0, rejected: 0, agentDropped: 0 };
  /** By environment, by container: the newest sample. */
  const current = new Map<string, Map<string, Current>>();
  /** Minutes already rolled up that got late samples: rolled again on the next pass. */
  const dirtyMinutes = new Set<number>();
  let rolledUntil: number | null = null;
  /** Told each environment's services (fresh containers added up) as samples arrive: alert evaluation. */
  const serviceListeners: ServicesListener[] = [];
  const tellListeners = (environmentId: string) => {
    if (serviceListeners.length === 0) return;
    const services = servicesOf(environmentId);
    for (const listener of serviceListeners) listener(environmentId, services);
  };

  const relay = new RoomBatcher<true>({
    delayMs: o.relayDelayMs,
    minIntervalMs: o.relayIntervalMs,
    maxItems: 1,
    flush(environmentId) {
      const message: LiveMetrics = { environmentId, services: servicesOf(environmentId) };
      publish?.(environmentId, 'metrics', message);
    },
  });

  function rate(now: number, before: number, dtMs: number): number | null {
    return now >= before && dtMs > 0 ? Math.round(((now - before) * 1000) / dtMs) : null;
  }

  /** Each service's fresh containers added up. */
  function servicesOf(environmentId: string): ServiceMetrics[] {
    const containers = current.get(environmentId);
    if (!containers) return [];
    const now = clock.now();
    const byService = new Map<string, ServiceMetrics>();
    for (const c of containers.values()) {
      if (now - c.ts > o.freshMs) continue;
      let s = byService.get(c.serviceId);
      if (!s) {
        s = {
          serviceId: c.serviceId,
          ts: 0,
          containers: 0,
          cpuPercent: 0,
          memoryBytes: 0,
          memoryLimitBytes: 0,
          netRxBytesPerS: 0,
          netTxBytesPerS: 0,
          blockReadBytesPerS: 0,
          blockWriteBytesPerS: 0,
        };
        byService.set(c.serviceId, s);
      }
      s.ts = Math.max(s.ts, c.ts);
      s.containers++;
      s.cpuPercent = Math.round((s.cpuPercent + c.cpuPercent) * 100) / 100;
      s.memoryBytes += c.memoryBytes;
      s.memoryLimitBytes = s.memoryLimitBytes === null || c.memoryLimitBytes === null ? null : s.memoryLimitBytes + c.memoryLimitBytes;
      s.netRxBytesPerS += c.netRxBytesPerS ?? 0;
      s.netTxBytesPerS += c.netTxBytesPerS ?? 0;
      s.blockReadBytesPerS += c.blockReadBytesPerS ?? 0;
      s.blockWriteBytesPerS += c.blockWriteBytesPerS ?? 0;
    }
    return [...byService.values()].sort((a, b) => a.serviceId.localeCompare(b.serviceId));
  }

  /**
   * Forgets containers silent for a minute. Only the minute job does this: reading
   * the services must not, or a backlog of old samples would lose its rates.
   */
  function forgetStale(now: number): void {
    for (const [environmentId, containers] of current) {
      for (const [id, c] of containers) if (now - c.ts > STALE_MS) containers.delete(id);
      if (containers.size === 0) current.delete(environmentId);
    }
  }

  function pickStep(rangeMs: number, requestedMs: number | undefined): number {
    const floor = Math.ceil(rangeMs / MAX_POINTS / 1000);
    if (requestedMs !== undefined) return Math.max(1, Math.ceil(requestedMs / 1000), floor) * 1000;
    const wanted = rangeMs / TARGET_POINTS / 1000;
    return (STEPS_S.find((s) => s >= wanted && s >= floor) ?? STEPS_S[STEPS_S.length - 1]) * 1000;
  }

  /** The history of a service in an environment the caller may already read (a share link's). */
  function historyIn(environmentId: string, serviceId: string, query: MetricsQuery): MetricsHistory {
    const now = clock.now();
    const to = query.to ?? now;
    const from = Math.min(query.from ?? to - 60 * 60 * 1000, to);
    let stepMs = pickStep(to - from, query.stepMs);
    const raw = from >= now - o.rawRetentionMs && to - from <= RAW_RANGE_MS && stepMs < MINUTE_MS;
    let points: MetricPoint[];
    if (raw) points = store.rawPoints(store.keysOf(environmentId, serviceId), from, to, stepMs);
    else {
      stepMs = Math.ceil(stepMs / MINUTE_MS) * MINUTE_MS;
      points = store.rollupPoints(environmentId, serviceId, from, to, stepMs);
    }
    return { environmentId, serviceId, from, to, stepS: stepMs / 1000, resolution: raw ? 'raw' : '1m', points };
  }

  return {
    attach(p: Publish) {
      publish = p;
    },

    /** An agent's `stats` batch. Throws only when storing fails (the agent then sends it again). */
    ingest(sender: Sender, batch: AgentStats): void {
      if (batch.dropped) {
        counters.agentDropped += batch.dropped;
        logger.warn({ nodeId: sender.nodeId, dropped: batch.dropped }, 'an agent dropped samples while the server was unreachable');
      }
      const rows: SampleRow[] = [];
      const touched = new Set<string>();
      const ordered = [...batch.samples].sort((a, b) => a.ts - b.ts);
      for (const sample of ordered) {
        const checked = sources.check(sender, sample);
        if (!checked.ok) {
          counters.rejected++;
          continue;
        }
        let containers = current.get(sample.environmentId);
        if (!containers) current.set(sample.environmentId, (containers = new Map()));
        const previous = containers.get(sample.containerId);
        const dt = previous ? sample.ts - previous.ts : 0;
        const entry: Current = {
          ...sample,
          projectId: checked.projectId,
          netRxBytesPerS: previous ? rate(sample.netRxBytes, previous.netRxBytes, dt) : null,
          netTxBytesPerS: previous ? rate(sample.netTxBytes, previous.netTxBytes, dt) : null,
          blockReadBytesPerS: previous ? rate(sample.blockReadBytes, previous.blockReadBytes, dt) : null,
          blockWriteBytesPerS: previous ? rate(sample.blockWriteBytes, previous.blockWriteBytes, dt) : null,
        };
        if (!previous || sample.ts > previous.ts) containers.set(sample.containerId, entry);
        rows.push({
          containerKey: store.containerKey(sample, checked.projectId, sample.ts),
          ts: sample.ts,
          cpu: Math.round(sample.cpuPercent * 100),
          memory: sample.memoryBytes,
          memoryLimit: sample.memoryLimitBytes,
          netRx: entry.netRxBytesPerS,
          netTx: entry.netTxBytesPerS,
          blockRead: entry.blockReadBytesPerS,
          blockWrite: entry.blockWriteBytesPerS,
        });
        if (rolledUntil !== null && sample.ts < rolledUntil) dirtyMinutes.add(Math.floor(sample.ts / MINUTE_MS) * MINUTE_MS);
        touched.add(sample.environmentId);
      }
      const inserted = store.insert(rows);
      counters.samples += inserted;
      counters.duplicates += rows.length - inserted;
      for (const environmentId of touched) {
        relay.add(environmentId, [true]);
        tellListeners(environmentId);
      }
    },

    /** A container that died stops counting at once, not when its last sample gets old. */
    ingestEvents(sender: Sender, batch: AgentEvents): void {
      for (const event of batch.events) {
        if (event.type !== 'die' || !sources.check(sender, event).ok) continue;
        if (current.get(event.environmentId)?.delete(event.containerId)) {
          relay.add(event.environmentId, [true]);
          tellListeners(event.environmentId);
        }
      }
    },

    historyIn,

    history(actor: Actor, serviceId: string, query: MetricsQuery): MetricsHistory {
      return historyIn(sources.serviceEnvironment(actor, serviceId, query.environmentId), serviceId, query);
    },


    /** Rolls up every complete minute not yet rolled (and late-touched ones), an hour per step, then prunes. */
    async maintain(now = clock.now()): Promise<{ rolled: number; pruned: { samples: number; rollups: number } }> {
      const complete = Math.floor((now - o.rollupGraceMs) / MINUTE_MS) * MINUTE_MS;
      rolledUntil ??= store.rolledUntil() ?? (() => {
        const oldest = store.oldestSample();
        return oldest === null ? complete : Math.floor(oldest / MINUTE_MS) * MINUTE_MS;
      })();
      let rolled = 0;
      for (const minute of dirtyMinutes) if (minute < rolledUntil) rolled += store.rollup(minute, minute + MINUTE_MS);
      dirtyMinutes.clear();
      // Older than raw retention there is nothing left to roll up.
      const start = Math.max(rolledUntil, Math.floor((now - o.rawRetentionMs) / MINUTE_MS) * MINUTE_MS);
      for (let from = start; from < complete; from += 60 * MINUTE_MS) {
        rolled += store.rollup(from, Math.min(complete, from + 60 * MINUTE_MS));
        rolledUntil = Math.max(rolledUntil, Math.min(complete, from + 60 * MINUTE_MS));
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      rolledUntil = Math.max(rolledUntil, complete);
      forgetStale(now);
      const pruned = store.prune(now - o.rawRetentionMs, now - o.rollupRetentionMs);
      return { rolled, pruned };
    },

    /** Fresh containers by environment, for /metrics. */
    current(): Map<string, Current[]> {
      const now = clock.now();
      const out = new Map<string, Current[]>();
      for (const [environmentId, containers] of current) {
        const fresh = [...containers.values()].filter((c) => now - c.ts <= o.freshMs);
        if (fresh.length > 0) out.set(environmentId, fresh);
      }
      return out;
    },

    /** Calls `listener` with an environment's services each time samples of it arrive or a container of it dies. */
    onServices(listener: ServicesListener): void {
      serviceListeners.push(listener);
    },

    flushRelay: () => relay.flushAll(),
    counters: () => ({ ...counters }),
    close: () => relay.close(),
    store,
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
