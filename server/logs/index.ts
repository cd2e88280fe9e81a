// Container logs: agents' batches in (checked, deduplicated, stored in one
// transaction each), one `logs` message per tick out to the environment's /live
// room, history over HTTP, and retention by age and size per service.
import type { Db } from '../../db/client';
import type { AgentEvents, AgentLogs, ContainerEvent, LiveEvents, LiveLogs, LogLine } from '../../sync/events';
import type { Actor } from '../audit/service';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import { RoomBatcher, type Publish } from '../metrics/batcher';
import type { Sender, Sources } from '../metrics/sources';
import { createLogStore, LINE_OVERHEAD_BYTES, type GroupInput } from './store';

export type LogsOptions = {
  retentionMs: number;
  maxBytesPerService: number;
  /** Relay to /live: the first line waits this long for company… */
  relayDelayMs: number;
  /** …a room gets at most one `logs` message per this… */
  relayIntervalMs: number;
  /** …with at most this many lines (the newest; the rest are counted in `skipped`). */
  relayMaxLines: number;
};

export const DEFAULT_LOGS_OPTIONS: LogsOptions = {
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  maxBytesPerService: 50 * 1024 * 1024,
  relayDelayMs: 25,
  relayIntervalMs: 100,
  relayMaxLines: 1_000,
};

export type LogHistoryQuery = {
  environmentId?: string;
  since?: number;
  until?: number;
  q?: string;
  limit: number;
  stream?: LogLine['stream'];
  deploymentId?: string;
  /** From a previous answer: lines older than the ones it returned. */
  cursor?: string;
};

export type LogHistory = {
  environmentId: string;
  serviceId: string;
  /** Oldest first. */
  lines: LogLine[];
  /** Older lines match too: pass `cursor` for the next page back. */
  hasMore: boolean;
  cursor: string | null;
};

const CHUNK = 5_000;
const yieldToEvents = () => new Promise<void>((resolve) => setImmediate(resolve));

export function createLogs(deps: { db: Db; clock: Clock; logger: Logger; sources: Sources; options?: Partial<LogsOptions> }) {
  const { clock, logger, sources } = deps;
  const o = { ...DEFAULT_LOGS_OPTIONS, ...deps.options };
  const store = createLogStore(deps.db);
  let publish: Publish | null = null;
  const counters = { stored: 0, duplicates: 0, rejected: 0, deleted: 0, skippedLive: 0 };
  const warned = new Set<string>();
  // Bytes stored per service since its size was last checked: a flood is trimmed before the next minute's pass.
  const sinceCheck = new Map<string, number>();
  const enforcing = new Set<string>();

  const relay = new RoomBatcher<LogLine>({
    delayMs: o.relayDelayMs,
    minIntervalMs: o.relayIntervalMs,
    maxItems: o.relayMaxLines,
    flush(environmentId, lines, skipped) {
      counters.skippedLive += skipped;
      const message: LiveLogs = { environmentId, lines, skipped };
      publish?.(environmentId, 'logs', message);
    },
  });

  const eventRelay = new RoomBatcher<LiveEvents['events'][number]>({
    delayMs: 0,
    minIntervalMs: o.relayIntervalMs,
    maxItems: 500,
    flush(environmentId, events) {
      const message: LiveEvents = { environmentId, events };
      publish?.(environmentId, 'events', message);
    },
  });

  function reject(sender: Sender, reason: string, environmentId: string, lines: number) {
    counters.rejected += lines;
    const key = `${sender.nodeId}/${reason}/${environmentId}`;
    if (warned.has(key)) return;
    warned.add(key);
    logger.warn({ nodeId: sender.nodeId, reason, environmentId }, 'ignored telemetry an agent may not send');
  }

  /** Stores groups and relays what was new; returns the stored lines. */
  function storeAndRelay(groups: (GroupInput & { projectId: string })[]) {
    if (groups.length === 0) return;
    const { stored, duplicates } = store.insert(groups, clock.now());
    counters.stored += stored.length;
    counters.duplicates += duplicates;
    // A container id stands for one environment and service.
    const environmentOf = new Map(groups.map((g) => [g.containerId, g.environmentId]));
    const byEnvironment = new Map<string, LogLine[]>();
    for (const line of stored) {
      const environmentId = environmentOf.get(line.containerId) as string;
      let list = byEnvironment.get(environmentId);
      if (!list) byEnvironment.set(environmentId, (list = []));
      list.push(line);
    }
    for (const [environmentId, lines] of byEnvironment) {
      relay.add(environmentId, lines);
      noteGrowth(environmentId, lines);
    }
  }

  function noteGrowth(environmentId: string, lines: LogLine[]) {
    const grown = new Map<string, number>();
    for (const line of lines) grown.set(line.serviceId, (grown.get(line.serviceId) ?? 0) + line.text.length + LINE_OVERHEAD_BYTES);
    for (const [serviceId, added] of grown) {
      const key = `${environmentId}\u0000${serviceId}`;
      const bytes = (sinceCheck.get(key) ?? 0) + added;
      sinceCheck.set(key, bytes);
      if (bytes < o.maxBytesPerService / 10 || enforcing.has(key)) continue;
      sinceCheck.set(key, 0);
      enforcing.add(key);
      void enforceService(environmentId, serviceId, clock.now())
        .catch((error: unknown) => logger.error({ err: error, environmentId, serviceId }, 'log retention failed'))
        .finally(() => enforcing.delete(key));
    }
  }

  /** Age first, then size: the oldest lines go until the service is under 90 % of its cap. */
  async function enforceService(environmentId: string, serviceId: string, now: number) {
    const row = store.usage().find((u) => u.environmentId === environmentId && u.serviceId === serviceId);
    if (!row) return;
    let { bytes, lines } = row;
    const environmentGone = sources.environment(environmentId) === null;
    const cutoff = environmentGone ? Infinity : now - o.retentionMs;
    for (;;) {
      const deleted = store.deleteOldest(environmentId, serviceId, CHUNK, cutoff);
      bytes -= deleted.bytes;
      lines -= deleted.lines;
      counters.deleted += deleted.lines;
      if (deleted.lines < CHUNK) break;
      await yieldToEvents();
    }
    if (bytes <= o.maxBytesPerService) return;
    const target = o.maxBytesPerService * 0.9;
    while (bytes > target) {
      const average = lines > 0 ? bytes / lines : 1;
      const deleted = store.deleteOldest(environmentId, serviceId, Math.min(CHUNK, Math.max(1, Math.ceil((bytes - target) / average))));
      if (deleted.lines === 0) break;
      bytes -= deleted.bytes;
      lines -= deleted.lines;
      counters.deleted += deleted.lines;
      await yieldToEvents();
    }
  }

  function eventText(event: ContainerEvent): string {
    switch (event.type) {
      case 'start':
        return 'container started';
      case 'die':
        return event.exitCode === null || event.exitCode === undefined ? 'container exited' : `container exited with code ${event.exitCode}`;
      case 'oom':
        return 'container ran out of memory (OOM)';
      case 'health':
        return `health check: ${event.health ?? 'unknown'}`;
    }
  }

  const seenEvents = new Set<string>();
  const eventKey = (e: ContainerEvent) => `${e.containerId}/${e.type}/${e.ts}/${e.health ?? ''}`;

  /** The history of a service in an environment the caller may already read (a share link's). */
  function historyIn(environmentId: string, serviceId: string, query: LogHistoryQuery): LogHistory {
    const before = query.cursor ? parseCursor(query.cursor) : undefined;
    const { lines, hasMore } = store.query({
      environmentId,
      serviceId,
      since: query.since,
      until: query.until,
      q: query.q,
      stream: query.stream,
      deploymentId: query.deploymentId,
      limit: query.limit,
      before,
    });
    return {
      environmentId,
      serviceId,
      lines,
      hasMore,
      cursor: hasMore && lines.length > 0 ? `${lines[0].ts}.${lines[0].id}` : null,
    };
  }

  return {
    attach(p: Publish) {
      publish = p;
    },

    /** An agent's `logs` batch. Throws only when storing fails (the agent then sends it again). */
    ingest(sender: Sender, batch: AgentLogs): void {
      const groups: (GroupInput & { projectId: string })[] = [];
      for (const c of batch.containers) {
        const checked = sources.check(sender, c);
        if (!checked.ok) {
          reject(sender, checked.reason, c.environmentId, c.lines.length);
          continue;
        }
        groups.push({
          projectId: checked.projectId,
          environmentId: c.environmentId,
          serviceId: c.serviceId,
          deploymentId: c.deploymentId,
          containerId: c.containerId,
          lines: c.lines.map((l) => ({ stream: l.stream, ts: Math.floor(l.tsUs / 1000), text: l.text, tsUs: l.tsUs, seq: l.seq })),
        });
      }
      storeAndRelay(groups);
    },

    /** Engine events become `system` lines, so the log view shows a crash where it happened. */
    ingestEvents(sender: Sender, batch: AgentEvents): void {
      const groups: (GroupInput & { projectId: string })[] = [];
      const fresh: ContainerEvent[] = [];
      for (const event of batch.events) {
        const checked = sources.check(sender, event);
        if (!checked.ok) {
          reject(sender, checked.reason, event.environmentId, 1);
          continue;
        }
        // A batch sent again after a lost acknowledgement: its events are already here.
        if (seenEvents.has(eventKey(event))) continue;
        fresh.push(event);
        groups.push({
          projectId: checked.projectId,
          environmentId: event.environmentId,
          serviceId: event.serviceId,
          deploymentId: event.deploymentId,
          containerId: event.containerId,
          lines: [{ stream: 'system', ts: event.ts, text: eventText(event) }],
        });
      }
      storeAndRelay(groups);
      for (const event of fresh) {
        if (seenEvents.size > 10_000) seenEvents.clear();
        seenEvents.add(eventKey(event));
        const { nodeId: _node, projectId: _project, environmentId, ...relayed } = event;
        eventRelay.add(environmentId, [relayed]);
      }
    },

    historyIn,

    history(actor: Actor, serviceId: string, query: LogHistoryQuery): LogHistory {
      return historyIn(sources.serviceEnvironment(actor, serviceId, query.environmentId), serviceId, query);
    },


    /** One retention pass over every service (the maintenance job runs it every minute). */
    async enforceRetention(now = clock.now()): Promise<void> {
      warned.clear();
      for (const { environmentId, serviceId } of store.usage()) {
        const key = `${environmentId}\u0000${serviceId}`;
        if (enforcing.has(key)) continue;
        enforcing.add(key);
        try {
          await enforceService(environmentId, serviceId, now);
        } finally {
          enforcing.delete(key);
        }
        await yieldToEvents();
      }
      store.pruneCursors(now - o.retentionMs - 24 * 60 * 60 * 1000);
    },

    /** Sends what waits for the rooms now (tests, shutdown). */
    flushRelay() {
      relay.flushAll();
      eventRelay.flushAll();
    },
    counters: () => ({ ...counters }),
    close() {
      relay.close();
      eventRelay.close();
    },
    store,
  };
}

export type Logs = ReturnType<typeof createLogs>;

function parseCursor(cursor: string): { ts: number; id: number } | undefined {
  const [ts, id] = cursor.split('.').map(Number);
  return Number.isSafeInteger(ts) && Number.isSafeInteger(id) ? { ts, id } : undefined;
}
