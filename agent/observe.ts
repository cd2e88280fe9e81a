// What the agent reports: the containers it manages on this engine, found by
// our labels only (containr.managed=true and this node's id). Anything else on
// the engine is invisible to Containr.
import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { containerStateSchema, LABELS, type ObservedContainer } from '../sync/events';
import { isManaged, isNotFound } from './docker';
import type { AgentLogger } from './log';

export function managedLabelFilter(nodeId: string): string[] {
  return [`${LABELS.managed}=true`, `${LABELS.node}=${nodeId}`];
}

export async function listManaged(docker: Docker, nodeId: string): Promise<ObservedContainer[]> {
  const summaries = await docker.listContainers({ all: true, filters: { label: managedLabelFilter(nodeId) } });
  const observed: ObservedContainer[] = [];
  // A few inspects at a time: the list lacks health, exit code and start time.
  for (let i = 0; i < summaries.length; i += 8) {
    const batch = summaries.slice(i, i + 8).filter((s) => isManaged(s.Labels));
    const infos = await Promise.all(
      batch.map((s) =>
        docker
          .getContainer(s.Id)
          .inspect()
          .catch((error: unknown) => {
            if (isNotFound(error)) return null; // removed between list and inspect
            throw error;
          })
      )
    );
    for (const info of infos) {
      const container = info && toObserved(info);
      if (container) observed.push(container);
    }
  }
  return observed.sort((a, b) => a.name.localeCompare(b.name));
}

const NEVER = '0001-01-01T00:00:00Z';

/** The inventory entry for a container, or null when it is not ours. */
export function toObserved(info: Docker.ContainerInspectInfo): ObservedContainer | null {
  const labels = info.Config.Labels ?? {};
  if (!isManaged(labels)) return null;
  const state = containerStateSchema.catch('dead').parse(info.State.Status);
  const health = info.State.Health?.Status;
  const ports: ObservedContainer['ports'] = [];
  for (const [key, bindings] of Object.entries(info.NetworkSettings.Ports ?? {})) {
    const containerPort = Number.parseInt(key, 10);
    for (const b of bindings ?? []) {
      const hostPort = Number.parseInt(b.HostPort, 10);
      if (Number.isInteger(containerPort) && Number.isInteger(hostPort))
        ports.push({ containerPort, hostIp: b.HostIp, hostPort });
    }
  }
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    image: info.Config.Image,
    labels,
    state,
    health: health === 'starting' || health === 'healthy' || health === 'unhealthy' ? health : null,
    exitCode: state === 'exited' || state === 'dead' ? info.State.ExitCode : null,
    startedAt: info.State.StartedAt && info.State.StartedAt !== NEVER ? info.State.StartedAt : null,
    ports,
  };
}

/** An engine event about a container, as the engine sends it (the fields we read). */
export type EngineEvent = {
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  time: number;
  timeNano?: number;
};

/**
 * Calls `onChange` on every engine event about our containers (create, start,
 * die, health_status…) with the event, and without one after (re)opening the
 * stream (events may have been missed); reopens it when the engine goes away.
 */
export function watchManaged(
  docker: Docker,
  nodeId: string,
  onChange: (event?: EngineEvent) => void,
  logger: AgentLogger
): { close(): void } {
  let stream: Readable | null = null;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  let failures = 0;

  const reopen = () => {
    stream = null;
    if (closed || timer) return;
    const delay = Math.min(30_000, 500 * 2 ** Math.min(failures++, 6));
    timer = setTimeout(() => {
      timer = null;
      void open();
    }, delay);
  };

  async function open() {
    try {
      const s = (await docker.getEvents({ filters: { type: ['container'], label: managedLabelFilter(nodeId) } })) as Readable;
      if (closed) return void s.destroy();
      stream = s;
      failures = 0;
      let partial = '';
      // One JSON object per line; a chunk may end mid-line.
      s.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) onChange(parseEvent(line));
      });
      s.once('error', (error: unknown) => logger.warn({ err: error }, 'engine event stream failed; reopening'));
      s.once('close', reopen);
      // Events may have been missed while the stream was down.
      onChange();
    } catch (error) {
      logger.warn({ err: error }, 'cannot watch engine events; retrying');
      reopen();
    }
  }

  void open();
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      stream?.destroy();
    },
  };
}

function parseEvent(line: string): EngineEvent | undefined {
  try {
    const event = JSON.parse(line) as Partial<EngineEvent>;
    return typeof event.Action === 'string' && event.Actor?.ID ? (event as EngineEvent) : undefined;
  } catch {
    return undefined; // still a sign that something changed
  }
}
