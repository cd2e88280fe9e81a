// Logs and metrics put together: the sink the agent hub hands agents'
// `logs`, `stats` and `event` batches to, the relay to /live rooms, the
// maintenance job (rollups and retention, every minute) and /metrics.
import type { Server as SocketServer } from 'socket.io';
import type { Db } from '../../db/client';
import type { ContainerEvent } from '../../sync/events';
import type { NodeInfo, TelemetrySink } from '../agents/types';
import type { Clock } from '../clock';
import type { Env } from '../env';
import { LIVE_NAMESPACE, publisher } from '../live';
import type { Logger } from '../logger';
import { createLogs, type LogsOptions } from '../logs';
import type { Projects } from '../projects/service';
import type { Publish } from './batcher';
import { createMetrics, type MetricsOptions } from './index';
import { createPrometheus, prometheusHandler } from './prometheus';
import { createSources } from './sources';

/** A container event an agent was allowed to send; `projectId` is the environment's. */
export type CheckedEvent = ContainerEvent;

export type TelemetryOptions = { logs?: Partial<LogsOptions>; metrics?: Partial<MetricsOptions>; maintenanceEveryMs?: number };

const DAY_MS = 24 * 60 * 60 * 1000;

export function createTelemetry(deps: {
  db: Db;
  env: Pick<Env, 'telemetry'>;
  clock: Clock;
  logger: Logger;
  projects: Pick<Projects, 'environmentAccess'>;
  isInstanceAdmin: (userId: string) => boolean;
  /** The hub's nodes (inventories say which containers run), asked lazily. */
  nodes: () => NodeInfo[];
  options?: TelemetryOptions;
}) {
  const { db, env, clock, logger } = deps;
  const options = deps.options ?? {};
  const sources = createSources({ db, clock, projects: deps.projects });
  const logs = createLogs({
    db,
    clock,
    sources,
    logger: logger.child({ module: 'logs' }),
    options: {
      retentionMs: env.telemetry.logRetentionDays * DAY_MS,
      maxBytesPerService: env.telemetry.logMaxMbPerService * 1024 * 1024,
      ...options.logs,
    },
  });
  const metrics = createMetrics({ db, clock, sources, logger: logger.child({ module: 'metrics' }), options: options.metrics });
  const render = createPrometheus({ db, metrics, logCounters: logs.counters, nodes: deps.nodes });
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  /** Told the engine events agents may send (checked like the logs'): alert evaluation. */
  const eventListeners: ((events: CheckedEvent[]) => void)[] = [];

  const sink: TelemetrySink = {
    logs: (sender, batch) => logs.ingest(sender, batch),
    stats: (sender, batch) => metrics.ingest(sender, batch),
    events(sender, batch) {
      logs.ingestEvents(sender, batch);
      metrics.ingestEvents(sender, batch);
      if (eventListeners.length === 0) return;
      const checked: CheckedEvent[] = [];
      for (const event of batch.events) {
        const source = sources.check(sender, event);
        if (source.ok) checked.push({ ...event, projectId: source.projectId });
      }
      if (checked.length > 0) for (const listener of eventListeners) listener(checked);
    },
  };

  /** One pass of rollups and retention; a pass still running is waited for, not doubled. */
  function maintain(now?: number): Promise<void> {
    running ??= (async () => {
      try {
        await metrics.maintain(now);
        await logs.enforceRetention(now);
      } catch (error) {
        logger.error({ err: error }, 'telemetry maintenance failed; retrying on the next pass');
      } finally {
        running = null;
      }
    })();
    return running;
  }

  return {
    logs,
    metrics,
    sink,
    maintain,
    /** Calls `listener` with each batch of container events from agents (the project from the database, not the labels). */
    onEvents(listener: (events: CheckedEvent[]) => void): void {
      eventListeners.push(listener);
    },
    /** GET /metrics. */
    prometheus: prometheusHandler({ render, metricsToken: env.telemetry.metricsToken, isInstanceAdmin: deps.isInstanceAdmin }),

    /** Relays to the /live rooms of `io` and starts the maintenance job. */
    attach(io: SocketServer): void {
      const publish: Publish = publisher(io.of(LIVE_NAMESPACE));
      logs.attach(publish);
      metrics.attach(publish);
      timer = setInterval(() => void maintain(), options.maintenanceEveryMs ?? 60_000);
      timer.unref();
    },

    async close(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
      logs.close();
      metrics.close();
    },
  };
}

export type Telemetry = ReturnType<typeof createTelemetry>;
