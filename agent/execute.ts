// Typed executors, one per task kind, over dockerode. Each is idempotent by the
// name it is given (a repeat finds the work done) and touches only objects
// labelled containr.managed=true.
import type Docker from 'dockerode';
import { LABELS, type TaskSpec } from '../sync/events';
import { isManaged, isNotFound, statusOf } from './docker';
import { TaskFailure, type ExecContext, type ExecOutcome } from './exec-context';
import { cancelBuild, runBuild } from './build';
import { inspectOrNull, run } from './run';

type SpecOf<K extends TaskSpec['kind']> = Extract<TaskSpec, { kind: K }>;
type Executors = { [K in TaskSpec['kind']]: (spec: SpecOf<K>, ctx: ExecContext) => Promise<ExecOutcome> };

export const executors: Executors = {
  async 'ensure-network'(spec, { docker, nodeId, progress }) {
    const existing = await inspectOrNull(docker.getNetwork(spec.network));
    if (existing) {
      requireManaged('network', spec.network, existing.Labels);
      return {};
    }
    progress(`creating network ${spec.network}`);
    try {
      await docker.createNetwork({
        Name: spec.network,
        Driver: 'bridge',
        CheckDuplicate: true,
        Labels: { ...spec.labels, [LABELS.managed]: 'true', [LABELS.node]: nodeId },
      });
    } catch (error) {
      if (statusOf(error) !== 409) throw error;
      // Created meanwhile (another agent on the same engine): fine if it is ours.
      const raced = await docker.getNetwork(spec.network).inspect();
      requireManaged('network', spec.network, raced.Labels);
    }
    return {};
  },

  run,

  async stop(spec, { docker, progress }) {
    const container = await managedContainer(docker, spec.name);
    if (!container) return {};
    progress(`stopping container ${spec.name}`);
    await docker
      .getContainer(container.Id)
      .stop({ t: spec.timeoutS })
      .catch((error: unknown) => {
        // 304: already stopped; 404: gone meanwhile. Both are what we wanted.
        if (statusOf(error) !== 304 && !isNotFound(error)) throw error;
      });
    return { containerId: container.Id };
  },

  async remove(spec, { docker, progress }) {
    const container = await managedContainer(docker, spec.name);
    if (!container) return {};
    progress(`removing container ${spec.name}`);
    await docker
      .getContainer(container.Id)
      .remove({ force: true, v: true })
      .catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
    return { containerId: container.Id };
  },

  async 'remove-network'(spec, { docker, progress }) {
    const network = await inspectOrNull(docker.getNetwork(spec.network));
    if (!network) return {};
    requireManaged('network', spec.network, network.Labels);
    progress(`removing network ${spec.network}`);
    await docker
      .getNetwork(network.Id)
      .remove()
      .catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
    return {};
  },

  build: (spec, ctx) => runBuild(spec, ctx),

  async 'cancel-build'(spec, ctx) {
    cancelBuild(spec.buildId, ctx);
    return {};
  },

  async 'remove-volume'(spec, { docker, progress }) {
    const volume = await inspectOrNull(docker.getVolume(spec.volume));
    if (!volume) return {};
    requireManaged('volume', spec.volume, volume.Labels);
    progress(`removing volume ${spec.volume}`);
    await docker
      .getVolume(spec.volume)
      .remove()
      .catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
    return {};
  },
};

export function execute(spec: TaskSpec, ctx: ExecContext): Promise<ExecOutcome> {
  // The map is total over the union; TypeScript cannot correlate the key with the spec here.
  const executor = executors[spec.kind] as (spec: TaskSpec, ctx: ExecContext) => Promise<ExecOutcome>;
  return executor(spec, ctx);
}

/** Tasks on the same object run one after another; on different objects, concurrently. */
export function lockKey(spec: TaskSpec): string {
  switch (spec.kind) {
    case 'run':
      return `container:${spec.container.name}`;
    case 'stop':
    case 'remove':
      return `container:${spec.name}`;
    case 'ensure-network':
    case 'remove-network':
      return `network:${spec.network}`;
    case 'remove-volume':
      return `volume:${spec.volume}`;
    case 'build':
      return `build:${spec.buildId}`;
    case 'cancel-build':
      // Never queued behind the build it cancels.
      return `cancel-build:${spec.buildId}`;
  }
}

/** The container by that name if it is ours; null when there is none; a failure when it is not ours. */
async function managedContainer(docker: Docker, name: string): Promise<Docker.ContainerInspectInfo | null> {
  const info = await inspectOrNull(docker.getContainer(name));
  if (!info) return null;
  requireManaged('container', name, info.Config.Labels);
  return info;
}

function requireManaged(kind: string, name: string, labels: Record<string, string> | null | undefined): void {
  if (!isManaged(labels)) throw new TaskFailure(`${kind} ${name} is not managed by Containr; refusing to touch it`);
}
