// Reading observed containers: which environment, service and replica a
// container belongs to (from its labels), and whether it serves.
import { LABELS, type ObservedContainer } from '../../sync/events';
import type { NodeInfo } from './ports';

/** A container with the node it was reported by. */
export type Placed = {
  nodeId: string;
  /** Whether the node is ready: only then can the reconciler act on the container. */
  reachable: boolean;
  container: ObservedContainer;
  serviceId: string | null;
  replica: number | null;
  specHash: string | null;
  createdAt: number;
};

export function placedIn(nodes: NodeInfo[], environmentId: string): Placed[] {
  const out: Placed[] = [];
  for (const node of nodes) {
    for (const container of node.containers) {
      if (container.labels[LABELS.environment] !== environmentId) continue;
      out.push(place(node, container));
    }
  }
  return out;
}

export function place(node: NodeInfo, container: ObservedContainer): Placed {
  const labels = container.labels;
  const replica = Number.parseInt(labels[LABELS.replica] ?? '', 10);
  const createdAt = Number(labels[LABELS.createdAt]);
  return {
    nodeId: node.id,
    reachable: node.status === 'ready',
    container,
    serviceId: labels[LABELS.service] || null,
    replica: Number.isInteger(replica) && replica >= 0 ? replica : null,
    specHash: labels[LABELS.specHash] || null,
    createdAt: Number.isFinite(createdAt) ? createdAt : 0,
  };
}

/** Running or about to run again: a container the engine keeps up. */
export function isLive(c: ObservedContainer): boolean {
  return c.state === 'running' || c.state === 'restarting' || c.state === 'paused';
}

/** Running and, when it has a health check, healthy: it may receive traffic. */
export function isReady(c: ObservedContainer): boolean {
  return c.state === 'running' && (c.health === null || c.health === 'healthy');
}

/** Of several containers for one replica, the one to keep: ready first, then the newest. */
export function preferred(a: Placed, b: Placed): number {
  return (
    Number(isReady(b.container)) - Number(isReady(a.container)) ||
    b.createdAt - a.createdAt ||
    (a.container.name < b.container.name ? -1 : a.container.name > b.container.name ? 1 : 0)
  );
}

/** Resources reserved on a node by the containers on it (any environment). */
export function reserved(node: NodeInfo): { cpu: number; memoryMb: number; count: number } {
  let cpu = 0;
  let memoryMb = 0;
  let count = 0;
  for (const c of node.containers) {
    if (c.state === 'exited' || c.state === 'dead') continue;
    cpu += Number(c.labels[LABELS.cpu]) || 0;
    memoryMb += Number(c.labels[LABELS.memoryMb]) || 0;
    count++;
  }
  return { cpu, memoryMb, count };
}
