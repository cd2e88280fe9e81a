// Per-service status of an environment, from the desired state, what the
// agents report and what the reconciler is doing. Pure.
import type { ServiceState, ServiceStatus } from '../../sync/events';
import { isLive, isReady, placedIn, type Placed } from './containers';
import type { DesiredEnvironment, DesiredService } from './desired';
import type { NodeInfo } from './ports';

export type ContainerView = {
  id: string;
  name: string;
  nodeId: string;
  node: string;
  replica: number | null;
  state: string;
  health: string | null;
  /** Whether it runs the desired spec (false while it is being replaced). */
  current: boolean;
  startedAt: string | null;
};

export type ServiceStatusView = ServiceStatus & {
  desired: { state: 'running' | 'stopped'; specHash: string; error: string | null };
  containers: ContainerView[];
};

/** What the reconciler is doing for the environment. */
export type Activity = { deployment: 'queued' | 'running' | null; busy: Set<string>; building?: Set<string> };

export function serviceStatuses(
  desired: DesiredEnvironment,
  nodes: NodeInfo[],
  activity: Activity,
  urlOf: (service: DesiredService) => string | null,
): ServiceStatusView[] {
  const placed = placedIn(nodes, desired.environmentId);
  const nodeName = new Map(nodes.map((n) => [n.id, n.name]));
  return desired.services.map((service) => {
    const mine = placed.filter((p) => p.serviceId === service.serviceId);
    const reachable = mine.filter((p) => p.reachable);
    const ready = reachable.filter((p) => isReady(p.container));
    const state = stateOf(service, reachable, activity);
    return {
      serviceId: service.serviceId,
      name: service.name,
      state,
      replicas: { desired: service.replicas, running: ready.length },
      url: urlOf(service),
      nodes: [...new Set(reachable.filter((p) => isLive(p.container)).map((p) => nodeName.get(p.nodeId) ?? p.nodeId))].sort(),
      desired: { state: service.replicas > 0 ? 'running' : 'stopped', specHash: service.specHash, error: service.error },
      containers: mine.map((p) => ({
        id: p.container.id,
        name: p.container.name,
        nodeId: p.nodeId,
        node: nodeName.get(p.nodeId) ?? p.nodeId,
        replica: p.replica,
        state: p.reachable ? p.container.state : 'unknown',
        health: p.container.health,
        current: p.specHash === service.specHash,
        startedAt: p.container.startedAt,
      })),
    };
  });
}

function stateOf(service: DesiredService, reachable: Placed[], activity: Activity): ServiceState {
  const current = reachable.filter((p) => p.specHash === service.specHash);
  const readyCurrent = current.filter((p) => isReady(p.container)).length;
  const converged = readyCurrent >= service.replicas && reachable.length === service.replicas;
  if (activity.building?.has(service.serviceId)) return 'building';
  if (!converged && activity.deployment === 'queued') return 'queued';
  if (activity.busy.has(service.serviceId)) return 'deploying';
  if (service.replicas === 0) return 'stopped';
  if (reachable.some((p) => p.container.health === 'unhealthy')) return 'unhealthy';
  if (readyCurrent >= service.replicas) return 'running';
  if (reachable.some((p) => p.container.state === 'restarting' || (p.container.state === 'exited' && p.container.exitCode !== 0) || p.container.state === 'dead')) {
    return 'crashed';
  }
  const anyReady = reachable.some((p) => isReady(p.container));
  if (anyReady) return 'unhealthy';
  if (reachable.some((p) => p.container.health === 'starting' || p.container.state === 'created')) return 'deploying';
  return 'stopped';
}
