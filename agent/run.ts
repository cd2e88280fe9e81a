// The `run` executor: create (pulling when missing) and start a container from
// a RunSpec, then wait until it is healthy. Idempotent by container name and
// spec-hash label: the same spec already running is a no-op.
import type Docker from 'dockerode';
import { createHash } from 'node:crypto';
import { LABELS, type RunSpec, type TaskSpec } from '../sync/events';
import { engineMessage, isManaged, isNotFound } from './docker';
import { sleep, TaskFailure, type ExecContext, type ExecOutcome } from './exec-context';

type RunTask = Extract<TaskSpec, { kind: 'run' }>;

const POLL_MS = 250;

export async function run(task: RunTask, ctx: ExecContext): Promise<ExecOutcome> {
  const spec = task.container;
  const { docker, progress } = ctx;
  const labels = containerLabels(spec, ctx.nodeId);

  const existing = await inspectOrNull(docker.getContainer(spec.name));
  if (existing) {
    if (!isManaged(existing.Config.Labels)) {
      throw new TaskFailure(`container ${spec.name} exists and is not managed by Containr; refusing to touch it`);
    }
    if (existing.Config.Labels[LABELS.specHash] === labels[LABELS.specHash]) {
      const container = docker.getContainer(existing.Id);
      if (existing.State.Running) progress(`container ${spec.name} already runs this spec`);
      else {
        progress(`starting the existing container ${spec.name}`);
        await startIgnoringRunning(container);
      }
      await waitReady(container, spec, task.waitHealthyS, ctx);
      return { containerId: existing.Id };
    }
    progress(`replacing container ${spec.name}: its spec changed`);
    await docker
      .getContainer(existing.Id)
      .remove({ force: true, v: true })
      .catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
  }

  await ensureImage(spec.image, ctx);
  await requireNetwork(spec.network, ctx);
  for (const volume of spec.volumes) await ensureVolume(volume.name, spec.labels, ctx);

  progress(`creating container ${spec.name}`);
  const container = await docker.createContainer(createOptions(spec, labels));
  progress(`starting container ${spec.name}`);
  await container.start();
  await waitReady(container, spec, task.waitHealthyS, ctx);
  return { containerId: container.id };
}

/** The labels a container gets: the spec's, plus ours, which the spec cannot override. */
export function containerLabels(spec: RunSpec, nodeId: string): Record<string, string> {
  return {
    ...spec.labels,
    [LABELS.managed]: 'true',
    [LABELS.node]: nodeId,
    [LABELS.specHash]: spec.labels[LABELS.specHash] ?? specHash(spec),
  };
}

/** A stable hash of everything in the spec (keys sorted), for when the server sends none. */
export function specHash(spec: RunSpec): string {
  const { [LABELS.specHash]: _ignored, ...labels } = spec.labels;
  return createHash('sha256')
    .update(canonical({ ...spec, labels }))
    .digest('hex')
    .slice(0, 16);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function createOptions(spec: RunSpec, labels: Record<string, string>): Docker.ContainerCreateOptions {
  const port = (p: number) => `${p}/tcp`;
  const healthcheck = toHealthConfig(spec);
  return {
    name: spec.name,
    Image: spec.image,
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    ...(spec.command ? { Cmd: spec.command } : {}),
    Labels: labels,
    ExposedPorts: Object.fromEntries(spec.ports.map((p) => [port(p.containerPort), {}])),
    ...(healthcheck ? { Healthcheck: healthcheck } : {}),
    HostConfig: {
      NetworkMode: spec.network,
      // Published on loopback only, on a port the engine picks.
      PortBindings: Object.fromEntries(
        spec.ports.filter((p) => p.publish).map((p) => [port(p.containerPort), [{ HostIp: '127.0.0.1', HostPort: '' }]])
      ),
      RestartPolicy: { Name: spec.restartPolicy },
      ...(spec.resources.cpu ? { NanoCpus: Math.round(spec.resources.cpu * 1e9) } : {}),
      ...(spec.resources.memoryMb ? { Memory: Math.round(spec.resources.memoryMb * 1024 * 1024) } : {}),
      Mounts: spec.volumes.map((v) => ({ Type: 'volume' as const, Source: v.name, Target: v.mountPath })),
    },
    NetworkingConfig: { EndpointsConfig: { [spec.network]: { Aliases: spec.aliases } } },
  };
}

/**
 * The spec's health check as a Docker HEALTHCHECK: `command` runs as CMD; a
 * `path` (and `port`, defaulting to the first container port) becomes a wget
 * of http://127.0.0.1:port/path inside the container.
 */
export function toHealthConfig(spec: RunSpec): Docker.HealthConfig | null {
  const hc = spec.healthcheck;
  if (!hc) return null;
  let test: string[];
  if (hc.command && hc.command.length > 0) test = ['CMD', ...hc.command];
  else if (hc.path !== undefined || hc.port !== undefined) {
    const port = hc.port ?? spec.ports[0]?.containerPort;
    if (!port) throw new TaskFailure('the health check has a path but no port, and the service exposes no port');
    const path = (hc.path ?? '/').startsWith('/') ? hc.path ?? '/' : `/${hc.path}`;
    test = ['CMD-SHELL', `wget -q -O /dev/null ${shellQuote(`http://127.0.0.1:${port}${path}`)}`];
  } else return null;
  const interval = Math.round((hc.intervalS ?? 5) * 1e9);
  return { Test: test, Interval: interval, Timeout: Math.max(interval, 5e9), Retries: 3 };
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

async function ensureImage(image: string, { docker, progress }: ExecContext): Promise<void> {
  try {
    await docker.getImage(image).inspect();
    return;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  progress(`pulling image ${image}`);
  try {
    const stream = await docker.pull(image);
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve()))
    );
  } catch (error) {
    throw new TaskFailure(`image ${image} not found locally and no registry reachable (${engineMessage(error)})`);
  }
  progress(`pulled image ${image}`);
}

async function requireNetwork(name: string, { docker }: ExecContext): Promise<void> {
  const network = await inspectOrNull(docker.getNetwork(name));
  if (!network) throw new TaskFailure(`network ${name} does not exist; ensure it first`);
  if (!isManaged(network.Labels)) throw new TaskFailure(`network ${name} is not managed by Containr; refusing to use it`);
}

/** Named volumes are created with our labels (minus the per-container ones) before the container mounts them. */
async function ensureVolume(name: string, specLabels: Record<string, string>, { docker, nodeId, progress }: ExecContext) {
  const existing = await inspectOrNull(docker.getVolume(name));
  if (existing) {
    if (!isManaged(existing.Labels))
      throw new TaskFailure(`volume ${name} exists and is not managed by Containr; refusing to mount it`);
    return;
  }
  const { [LABELS.deployment]: _d, [LABELS.replica]: _r, [LABELS.specHash]: _h, ...labels } = specLabels;
  progress(`creating volume ${name}`);
  await docker.createVolume({ Name: name, Labels: { ...labels, [LABELS.managed]: 'true', [LABELS.node]: nodeId } });
}

async function startIgnoringRunning(container: Docker.Container): Promise<void> {
  await container.start().catch((error: unknown) => {
    if ((error as { statusCode?: number }).statusCode !== 304) throw error; // 304: already started
  });
}

/** Running, and healthy when there is a health check; a container that exits first fails the task. */
async function waitReady(container: Docker.Container, spec: RunSpec, waitHealthyS: number, ctx: ExecContext) {
  const wantsHealth = toHealthConfig(spec) !== null;
  const deadline = Date.now() + waitHealthyS * 1000;
  let last = '';
  for (;;) {
    const info = await container.inspect();
    const health = info.State.Health?.Status;
    if (!info.State.Running && !info.State.Restarting) {
      const logs = await tail(container);
      throw new TaskFailure(
        `container ${spec.name} exited with code ${info.State.ExitCode}${wantsHealth ? ' before it became healthy' : ''}` +
          (logs ? `; last output:\n${logs}` : '')
      );
    }
    if (!wantsHealth && info.State.Running) return;
    if (health === 'healthy') {
      ctx.progress(`container ${spec.name} is healthy`);
      return;
    }
    if (health && health !== last) ctx.progress(`waiting for container ${spec.name} to become healthy (${health})`);
    last = health ?? last;
    if (Date.now() > deadline) {
      const output = info.State.Health?.Log?.at(-1)?.Output?.trim();
      throw new TaskFailure(
        `container ${spec.name} was not healthy after ${waitHealthyS} s (${health ?? info.State.Status})` +
          (output ? `; last check said: ${output}` : '')
      );
    }
    await sleep(POLL_MS, ctx.signal);
  }
}

/** The last lines a container wrote (stdout and stderr interleaved), for failure messages. */
async function tail(container: Docker.Container): Promise<string> {
  try {
    const buffer = (await container.logs({ stdout: true, stderr: true, follow: false, tail: 20 })) as Buffer;
    return demux(buffer).trim().slice(-2000);
  } catch {
    return ''; // best effort: the failure itself is what matters
  }
}

// Without a TTY, logs come in frames: an 8-byte header (stream type, then a
// big-endian length in bytes 4–7) and the payload.
function demux(buffer: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}

export async function inspectOrNull<T>(target: { inspect(): Promise<T> }): Promise<T | null> {
  try {
    return await target.inspect();
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}
