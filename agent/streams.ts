// What the agent streams besides its inventory: each managed container's log
// lines (`logs`), a resource sample per container per tick (`stats`) and engine
// events (`event`), batched and acknowledged (see outbox.ts). Logs are never
// dropped: when a container writes faster than the server takes, its engine
// stream is paused (the engine keeps the lines on disk) and resumed as batches
// are acknowledged; a restarted agent resumes from the acknowledged cursors.
import type Docker from 'dockerode';
import {
  LABELS,
  type AgentEvents,
  type AgentLogs,
  type AgentStats,
  type ContainerEvent,
  type ContainerRef,
  type ContainerSample,
} from '../sync/events';
import { DEFAULT_KERNEL_PATHS, type KernelPaths, type RawStats } from './cgroup';
import { engineMessage, isManaged, isNotFound } from './docker';
import type { AgentLogger } from './log';
import { LogCursors } from './log-cursors';
import { followLogs, type FollowedLine, type Follower, type StreamCursors } from './log-follower';
import { managedLabelFilter, type EngineEvent } from './observe';
import { Outbox, type Transport } from './outbox';
import { CpuMeter, openProbe, type Probe } from './stats';

export type StreamsOptions = {
  /** A log line waits at most this long for company before it is sent. */
  logDelayMs: number;
  statsEveryMs: number;
  maxLinesPerBatch: number;
  /** Characters of log text per batch. */
  maxBatchChars: number;
  /** Unacknowledged lines (or characters ×1000) of one container above which its engine stream is paused. */
  highWaterLines: number;
  /** Samples kept while the server is unreachable (then the oldest go, counted). */
  maxBufferedSamples: number;
  maxBufferedEvents: number;
  /** A container with no cursor (new, or never seen by this agent) is read from this far back. */
  backfillMs: number;
  ackTimeoutMs: number;
  retryMs: number;
  kernel: KernelPaths;
};

export const DEFAULT_STREAMS_OPTIONS: StreamsOptions = {
  logDelayMs: 100,
  statsEveryMs: 1_000,
  maxLinesPerBatch: 2_000,
  maxBatchChars: 400_000,
  highWaterLines: 5_000,
  maxBufferedSamples: 100_000,
  maxBufferedEvents: 10_000,
  backfillMs: 24 * 60 * 60 * 1000,
  ackTimeoutMs: 15_000,
  retryMs: 500,
  kernel: DEFAULT_KERNEL_PATHS,
};

export type StreamCounters = {
  containers: number;
  followers: number;
  /** Log lines waiting for an acknowledgement. */
  queuedLines: number;
  sentLines: number;
  /** Times a container's engine stream was paused for backpressure. */
  pauses: number;
  sentSamples: number;
  droppedSamples: number;
  droppedEvents: number;
  probes: { cgroup: number; api: number };
};

export type Streams = {
  /** Looks at the engine's containers again (coalesced). */
  refresh(): void;
  /** An engine event from `watchManaged` (undefined: the event stream was reopened). */
  onEngineEvent(event?: EngineEvent): void;
  /** The connection is ready again: send what waits. */
  kick(): void;
  counters(): StreamCounters;
  close(): Promise<void>;
};

type Tracked = {
  ref: ContainerRef;
  running: boolean;
  follower: Follower | null;
  starting: boolean;
  /** Its stream ended while it was stopped: nothing more to read until it starts again. */
  drained: boolean;
  /** Its logging driver keeps nothing to read (syslog, none…): never followed. */
  unreadable: boolean;
  /** The last line queued per stream (ahead of the acknowledged cursors). */
  readCursor: StreamCursors | null;
  queuedLines: number;
  queuedChars: number;
  paused: boolean;
  probe: Probe | null;
  probing: boolean;
  pid: number;
  cpu: CpuMeter;
};

type QueuedLine = { c: Tracked; line: FollowedLine };

const REFRESH_DEBOUNCE_MS = 100;

/** The ids a container's labels carry, or null for a managed container that is not a service's. */
export function refOf(containerId: string, labels: Record<string, string>): ContainerRef | null {
  const nodeId = labels[LABELS.node];
  const projectId = labels[LABELS.project];
  const environmentId = labels[LABELS.environment];
  const serviceId = labels[LABELS.service];
  if (!nodeId || !projectId || !environmentId || !serviceId) return null;
  return { containerId, nodeId, projectId, environmentId, serviceId, deploymentId: labels[LABELS.deployment] || null };
}

export function startStreams(deps: {
  docker: Docker;
  nodeId: string;
  stateDir: string | null;
  transport: Transport;
  logger: AgentLogger;
  options?: Partial<StreamsOptions>;
}): Streams {
  const { docker, nodeId, transport, logger } = deps;
  const o = { ...DEFAULT_STREAMS_OPTIONS, ...deps.options };
  const cursors = new LogCursors(deps.stateDir, logger);
  const tracked = new Map<string, Tracked>();
  let closed = false;
  let pauses = 0;
  let refreshTimer: NodeJS.Timeout | null = null;
  let refreshing = false;
  let refreshAgain = false;
  let collecting = false;

  const logs = new Outbox<QueuedLine>({
    event: 'logs',
    transport,
    delayMs: o.logDelayMs,
    maxItems: o.maxLinesPerBatch,
    maxChars: o.maxBatchChars,
    sizeOf: (q) => q.line.text.length + 40,
    toPayload: toLogsPayload,
    capacity: Infinity, // backpressure instead: see onLine
    onAcked: onLinesAcked,
    ackTimeoutMs: o.ackTimeoutMs,
    retryMs: o.retryMs,
    logger,
  });
  const stats = new Outbox<ContainerSample>({
    event: 'stats',
    transport,
    delayMs: 0,
    maxItems: 5_000,
    maxChars: 600_000,
    sizeOf: () => 300,
    toPayload: (samples, dropped): AgentStats => ({ samples, ...(dropped ? { dropped } : {}) }),
    capacity: o.maxBufferedSamples,
    ackTimeoutMs: o.ackTimeoutMs,
    retryMs: o.retryMs,
    logger,
  });
  const events = new Outbox<ContainerEvent>({
    event: 'event',
    transport,
    delayMs: 0,
    maxItems: 500,
    maxChars: 300_000,
    sizeOf: () => 300,
    toPayload: (list, dropped): AgentEvents => ({ events: list, ...(dropped ? { dropped } : {}) }),
    capacity: o.maxBufferedEvents,
    ackTimeoutMs: o.ackTimeoutMs,
    retryMs: o.retryMs,
    logger,
  });

  const statsTimer = setInterval(() => void collect(), o.statsEveryMs);
  scheduleRefresh(0);

  // ── logs ──────────────────────────────────────────────────────────────────
  function toLogsPayload(items: QueuedLine[]): AgentLogs {
    const groups = new Map<Tracked, AgentLogs['containers'][number]>();
    for (const { c, line } of items) {
      let group = groups.get(c);
      if (!group) groups.set(c, (group = { ...c.ref, lines: [] }));
      group.lines.push(line);
    }
    return { containers: [...groups.values()] };
  }

  function onLine(c: Tracked, line: FollowedLine) {
    c.readCursor = { ...c.readCursor, [line.stream]: { tsUs: line.tsUs, seq: line.seq } };
    c.queuedLines++;
    c.queuedChars += line.text.length;
    logs.push({ c, line });
    if (!c.paused && (c.queuedLines >= o.highWaterLines || c.queuedChars >= o.highWaterLines * 1000)) {
      c.paused = true;
      pauses++;
      c.follower?.pause();
    }
  }

  function onLinesAcked(items: QueuedLine[]) {
    const last = new Map<Tracked, Partial<Record<FollowedLine['stream'], FollowedLine>>>();
    for (const { c, line } of items) {
      c.queuedLines--;
      c.queuedChars -= line.text.length;
      last.set(c, { ...last.get(c), [line.stream]: line });
    }
    for (const [c, lines] of last) {
      for (const line of Object.values(lines)) cursors.advance(c.ref.containerId, line.stream, line);
      if (c.paused && c.queuedLines <= o.highWaterLines / 2 && c.queuedChars <= (o.highWaterLines * 1000) / 2) {
        c.paused = false;
        c.follower?.resume();
      }
    }
  }

  async function startFollower(c: Tracked) {
    const id = c.ref.containerId;
    c.starting = true;
    try {
      const info = await docker.getContainer(id).inspect();
      const follower = await followLogs(
        docker,
        id,
        { tty: info.Config.Tty, after: { ...cursors.get(id), ...c.readCursor }, fromUs: (Date.now() - o.backfillMs) * 1000 },
        (line) => onLine(c, line)
      );
      if (closed || tracked.get(id) !== c) return follower.stop();
      c.follower = follower;
      c.drained = false;
      if (c.paused) follower.pause();
      void follower.done.then(() => {
        if (c.follower !== follower) return;
        c.follower = null;
        c.drained = true;
        // Running again already (a restart), or stopped for good: a fresh look decides.
        scheduleRefresh();
      });
    } catch (error) {
      if (/does not support reading/.test(engineMessage(error))) {
        c.unreadable = true;
        logger.info({ containerId: id }, "the container's logging driver keeps no logs to read; not following them");
      } else if (!isNotFound(error)) logger.warn({ containerId: id, err: message(error) }, 'cannot follow the logs of a container');
      c.drained = true;
    } finally {
      c.starting = false;
    }
  }

  // ── stats ─────────────────────────────────────────────────────────────────
  async function openProbeFor(c: Tracked) {
    c.probing = true;
    try {
      const info = await docker.getContainer(c.ref.containerId).inspect();
      if (closed || tracked.get(c.ref.containerId) !== c || !info.State.Running) return;
      c.pid = info.State.Pid;
      const probe = openProbe(docker, c.ref.containerId, c.pid, o.kernel);
      c.probe = probe;
      c.cpu = new CpuMeter();
      try {
        sampleOf(c, await probe.read(), Date.now()); // the first reading: CPU needs two
      } catch (error) {
        probeFailed(c, probe, error);
      }
    } catch (error) {
      if (!isNotFound(error)) logger.warn({ containerId: c.ref.containerId, err: message(error) }, 'cannot read the stats of a container');
    } finally {
      c.probing = false;
    }
  }

  function closeProbe(c: Tracked) {
    c.probe?.close();
    c.probe = null;
  }

  function sampleOf(c: Tracked, raw: RawStats, ts: number): ContainerSample | null {
    const cpuPercent = c.cpu.next(raw.cpuNs, Number(process.hrtime.bigint()));
    if (cpuPercent === null) return null;
    // Spelled out, not spread: spreading `raw` into the literal made V8 build a new hidden class for every
    // sample (old-space garbage, a full GC every few seconds); one fixed shape costs nothing.
    const { ref } = c;
    return {
      containerId: ref.containerId,
      nodeId: ref.nodeId,
      projectId: ref.projectId,
      environmentId: ref.environmentId,
      serviceId: ref.serviceId,
      deploymentId: ref.deploymentId,
      ts,
      cpuPercent: Math.round(cpuPercent * 100) / 100,
      memoryBytes: raw.memoryBytes,
      memoryLimitBytes: raw.memoryLimitBytes,
      blockReadBytes: raw.blockReadBytes,
      blockWriteBytes: raw.blockWriteBytes,
      netRxBytes: raw.netRxBytes,
      netTxBytes: raw.netTxBytes,
    };
  }

  function probeFailed(c: Tracked, probe: Probe, error: unknown) {
    // The container stopped or restarted (new pid, new cgroup): open again on the next look.
    if (c.probe === probe) closeProbe(c);
    if (!isNotFound(error)) logger.debug({ containerId: c.ref.containerId, err: message(error) }, 'stats probe failed');
    scheduleRefresh();
  }

  /** One sample per container: cgroup probes answer at once, the engine API's (the fallback) when they answer. */
  async function collect() {
    if (collecting || closed) return;
    collecting = true;
    try {
      const ts = Date.now();
      const waiting: Promise<void>[] = [];
      const record = (c: Tracked, raw: RawStats) => {
        const sample = sampleOf(c, raw, ts);
        if (sample) stats.push(sample);
      };
      for (const c of tracked.values()) {
        const probe = c.probe;
        if (!probe) continue;
        try {
          const raw = probe.read();
          if (raw instanceof Promise) waiting.push(raw.then((r) => record(c, r), (error) => probeFailed(c, probe, error)));
          else record(c, raw);
        } catch (error) {
          probeFailed(c, probe, error);
        }
      }
      await Promise.all(waiting);
    } finally {
      collecting = false;
    }
  }

  // ── engine events ─────────────────────────────────────────────────────────
  function onEngineEvent(event?: EngineEvent) {
    if (!event) return scheduleRefresh();
    const { Action: action, Actor: actor } = event;
    const ref = isManaged(actor.Attributes) ? refOf(actor.ID, actor.Attributes) : null;
    const ts = event.timeNano ? Math.floor(event.timeNano / 1e6) : event.time * 1000;
    let out: ContainerEvent | null = null;
    if (action === 'start') out = ref && { ...ref, ts, type: 'start' };
    else if (action === 'die') {
      const code = Number.parseInt(actor.Attributes.exitCode ?? '', 10);
      out = ref && { ...ref, ts, type: 'die', exitCode: Number.isInteger(code) ? code : null };
    } else if (action === 'oom') out = ref && { ...ref, ts, type: 'oom' };
    else if (action.startsWith('health_status: ')) {
      const health = action.slice('health_status: '.length);
      if (health === 'healthy' || health === 'unhealthy' || health === 'starting') out = ref && { ...ref, ts, type: 'health', health };
    }
    if (out && ref?.nodeId === nodeId) events.push(out);
    if (action === 'start' || action === 'die' || action === 'destroy' || action === 'create') {
      const c = tracked.get(actor.ID);
      if (c && action === 'start') c.drained = false;
      scheduleRefresh();
    }
  }

  // ── following the engine's containers ─────────────────────────────────────
  function scheduleRefresh(delay = REFRESH_DEBOUNCE_MS) {
    if (closed || refreshTimer) return;
    refreshTimer = setTimeout(() => {
      refreshTimer = null;
      void refresh();
    }, delay);
  }

  async function refresh() {
    if (refreshing) return void (refreshAgain = true);
    refreshing = true;
    try {
      const list = await docker.listContainers({ all: true, filters: { label: managedLabelFilter(nodeId) } });
      if (closed) return;
      const seen = new Set<string>();
      for (const summary of list) {
        const ref = isManaged(summary.Labels) ? refOf(summary.Id, summary.Labels) : null;
        if (!ref || ref.nodeId !== nodeId) continue;
        seen.add(summary.Id);
        let c = tracked.get(summary.Id);
        if (!c) {
          c = {
            ref,
            running: false,
            follower: null,
            starting: false,
            drained: false,
            unreadable: false,
            readCursor: null,
            queuedLines: 0,
            queuedChars: 0,
            paused: false,
            probe: null,
            probing: false,
            pid: 0,
            cpu: new CpuMeter(),
          };
          tracked.set(summary.Id, c);
        }
        c.ref = ref;
        c.running = summary.State === 'running';
        if (!c.follower && !c.starting && !c.unreadable && (c.running || !c.drained)) void startFollower(c);
        if (c.running && !c.probe && !c.probing) void openProbeFor(c);
        if (!c.running && c.probe) closeProbe(c);
      }
      for (const [id, c] of tracked) {
        if (seen.has(id)) continue;
        c.follower?.stop();
        c.follower = null;
        closeProbe(c);
        tracked.delete(id);
      }
      // A removed container's cursor goes once nothing of it waits to be sent.
      const keep = new Set(seen);
      for (const [id, c] of tracked) if (c.queuedLines > 0) keep.add(id);
      cursors.retain(keep);
    } catch (error) {
      logger.warn({ err: message(error) }, 'cannot list containers for log and stats streams; retrying');
      refreshAgain = true;
    } finally {
      refreshing = false;
      if (refreshAgain && !closed) {
        refreshAgain = false;
        scheduleRefresh(1_000);
      }
    }
  }

  return {
    refresh: () => scheduleRefresh(),
    onEngineEvent,
    kick() {
      logs.kick();
      stats.kick();
      events.kick();
    },
    counters() {
      let followers = 0;
      const probes = { cgroup: 0, api: 0 };
      for (const c of tracked.values()) {
        if (c.follower) followers++;
        if (c.probe) probes[c.probe.source]++;
      }
      return {
        containers: tracked.size,
        followers,
        queuedLines: logs.size,
        sentLines: logs.sent,
        pauses,
        sentSamples: stats.sent,
        droppedSamples: stats.dropped,
        droppedEvents: events.dropped,
        probes,
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(statsTimer);
      if (refreshTimer) clearTimeout(refreshTimer);
      for (const c of tracked.values()) {
        c.follower?.stop();
        closeProbe(c);
      }
      logs.close();
      stats.close();
      events.close();
      cursors.flush();
    },
  };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
