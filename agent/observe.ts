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
  return new ManagedInventory(docker, nodeId).list();
}

/**
 * The managed containers, listed each time but inspected only when new or
 * changed: an engine event about a container, a different state or health in
 * the list, or `forget()` (events may have been missed) inspects it again.
 * The list lacks health, exit code and start time, and a hundred inspects every
 * few seconds were most of an idle agent's CPU.
 */
export class ManagedInventory {
  private readonly known = new Map<string, { stamp: string; observed: ObservedContainer | null }>();
  /** Bumped by every forget, so an inspect that raced one is not kept. */
  private epoch = 0;

  constructor(
    private readonly docker: Docker,
    private readonly nodeId: string
  ) {}

  /** Inspect this container again next time, or every container when no id is given. */
  forget(containerId?: string): void {
    this.epoch++;
    if (containerId === undefined) this.known.clear();
    else this.known.delete(containerId);
  }

  async list(): Promise<ObservedContainer[]> {
    const epoch = this.epoch;
    const summaries = (await this.docker.listContainers({ all: true, filters: { label: managedLabelFilter(this.nodeId) } })).filter((s) =>
      isManaged(s.Labels)
    );
    const current = new Map<string, ObservedContainer | null>();
    const stale: Docker.ContainerInfo[] = [];
    for (const s of summaries) {
      const entry = this.known.get(s.Id);
      if (entry?.stamp === stampOf(s)) current.set(s.Id, entry.observed);
      else stale.push(s);
    }
    // A few inspects at a time.
    for (let i = 0; i < stale.length; i += 8) {
      const batch = stale.slice(i, i + 8);
      const infos = await Promise.all(
        batch.map((s) =>
          this.docker
            .getContainer(s.Id)
            .inspect()
            .catch((error: unknown) => {
              if (isNotFound(error)) return null; // removed between list and inspect
              throw error;
            })
        )
      );
      batch.forEach((s, j) => current.set(s.Id, infos[j] && toObserved(infos[j])));
    }
    // Something changed meanwhile: use what was read this once, and keep none of it.
    if (epoch === this.epoch) {
      this.known.clear();
      for (const s of summaries) this.known.set(s.Id, { stamp: stampOf(s), observed: current.get(s.Id) ?? null });
    }
    const observed = [...current.values()].filter((c): c is ObservedContainer => c !== null);
    return observed.sort((a, b) => a.name.localeCompare(b.name));
  }
}

/** What the list says of a container that an inspect would show differently: its state and health. */
function stampOf(summary: Docker.ContainerInfo): string {
  return `${summary.State}|${/\((healthy|unhealthy|health: starting)\)/.exec(summary.Status)?.[1] ?? ''}`;
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
