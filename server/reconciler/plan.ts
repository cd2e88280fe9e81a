// The planner: desired state + what the agents report → the next steps. Pure,
// so every rule is tested without Docker. It returns only steps whose
// preconditions hold now; the reconciler executes them, reads fresh state and
// plans again, until nothing is left (as balena-supervisor's inferNextSteps).
import { LABELS, type RunSpec } from '../../sync/events';
import { isLive, isReady, placedIn, preferred, reserved, type Placed } from './containers';
import { containerName, DEFAULT_WAIT_HEALTHY_S, type DesiredEnvironment, type DesiredService } from './desired';
import type { NodeInfo } from './ports';

export type RemoveReason = 'service-removed' | 'scaled-down' | 'duplicate' | 'not-running' | 'replaced' | 'unlabelled';

export type Step =
  /** Create and start a replica (waiting until healthy when it has a health check). */
  | { kind: 'run'; serviceId: string; replica: number; nodeId: string; container: RunSpec; waitHealthyS: number }
  /** Send the service's public URL to containers with this spec hash. */
  | { kind: 'switch-route'; serviceId: string; specHash: string }
  /** Drain, stop and remove a container. */
  | { kind: 'remove'; serviceId: string | null; nodeId: string; name: string; containerId: string; reason: RemoveReason }
  /** Nothing to do until the observed state changes (a container becoming healthy). */
  | { kind: 'wait'; serviceId: string; reason: string }
  /** Cannot make progress: no node fits, or the service cannot be deployed as committed. */
  | { kind: 'fail'; serviceId: string; reason: string };

export type PlanInput = {
  desired: DesiredEnvironment;
  /** Every node the hub knows, with its inventory (all environments: they count for scheduling). */
  nodes: NodeInfo[];
  /** Spec hash each routed service's URL currently goes to, by service id. */
  routes: Record<string, string | undefined>;
  /** Stamped on new containers; the newest of two duplicates is kept. */
  now: number;
};

export function plan(input: PlanInput): Step[] {
  const { desired, nodes, routes } = input;
  const steps: Step[] = [];
  const waits: Extract<Step, { kind: 'wait' }>[] = [];
  const placed = placedIn(nodes, desired.environmentId).filter((p) => p.reachable);
  const scheduler = new Scheduler(nodes, desired.teamId);
  const remove = (p: Placed, reason: RemoveReason) =>
    steps.push({ kind: 'remove', serviceId: p.serviceId, nodeId: p.nodeId, name: p.container.name, containerId: p.container.id, reason });

  const byService = new Map<string, Placed[]>();
  const desiredIds = new Set(desired.services.map((s) => s.serviceId));
  for (const p of placed) {
    if (p.serviceId === null) remove(p, 'unlabelled');
    else if (!desiredIds.has(p.serviceId)) remove(p, 'service-removed');
    else byService.set(p.serviceId, [...(byService.get(p.serviceId) ?? []), p]);
  }

  const up = new Set<string>();
  for (const service of desired.services) {
    const mine = byService.get(service.serviceId) ?? [];
    if (service.replicas === 0 || service.error || service.hold || mine.some((p) => p.specHash === service.specHash && isReady(p.container))) {
      up.add(service.serviceId);
    }
  }

  for (const service of desired.services) {
    const mine = byService.get(service.serviceId) ?? [];
    if (service.error) {
      // Leave what runs alone: a secret deleted after the commit must not take the service down.
      steps.push({ kind: 'fail', serviceId: service.serviceId, reason: service.error });
      continue;
    }
    // Its image is not built yet: what runs keeps running until it is.
    if (service.hold) continue;
    const inRange = (p: Placed) => p.replica !== null && p.replica < service.replicas;
    for (const p of mine) if (!inRange(p)) remove(p, p.replica === null ? 'unlabelled' : 'scaled-down');

    const current = mine.filter((p) => inRange(p) && p.specHash === service.specHash);
    const old = mine.filter((p) => inRange(p) && p.specHash !== service.specHash);

    // One live container of the current spec per replica.
    const kept = new Map<number, Placed>();
    const missing: number[] = [];
    for (let replica = 0; replica < service.replicas; replica++) {
      const candidates = current.filter((p) => p.replica === replica);
      const [best, ...extra] = candidates.filter((p) => isLive(p.container)).sort(preferred);
      for (const p of candidates) if (!isLive(p.container)) remove(p, 'not-running');
      for (const p of extra) remove(p, 'duplicate');
      if (best) kept.set(replica, best);
      else if (candidates.length === 0) missing.push(replica);
      // else: a stopped one is being removed; the replica is started on the next pass.
    }

    if (missing.length > 0) {
      const blockedBy = service.dependsOn.filter((d) => !up.has(d));
      if (blockedBy.length > 0) {
        waits.push({ kind: 'wait', serviceId: service.serviceId, reason: 'waiting for its dependencies to be up' });
      } else {
        for (const replica of missing) {
          const nodeId = scheduler.place(service, mine);
          if (!nodeId) {
            steps.push({ kind: 'fail', serviceId: service.serviceId, reason: noRoom(service) });
            break;
          }
          steps.push(runStep(desired, service, replica, nodeId, input.now));
        }
      }
    }

    // Replacing: the route moves once the new containers serve, then the old ones go.
    const readyReplicas = [...kept.values()].filter((p) => isReady(p.container)).length;
    const allReady = readyReplicas === service.replicas;
    const oldServing = old.filter((p) => isReady(p.container));
    const routed = service.publicPort !== null;
    if (routed && routes[service.serviceId] !== service.specHash && readyReplicas > 0 && (allReady || oldServing.length === 0)) {
      steps.push({ kind: 'switch-route', serviceId: service.serviceId, specHash: service.specHash });
    }
    const switched = !routed || routes[service.serviceId] === service.specHash;
    for (const p of old) {
      const replacement = kept.get(p.replica!);
      if (!isLive(p.container)) remove(p, 'replaced');
      else if (switched && replacement && isReady(replacement.container)) remove(p, 'replaced');
      else waits.push({ kind: 'wait', serviceId: service.serviceId, reason: 'waiting for the new containers to be ready' });
    }
    // Nothing to replace, but a container is still starting: the deployment is not done yet.
    if (old.length === 0 && [...kept.values()].some((p) => p.container.health === 'starting')) {
      waits.push({ kind: 'wait', serviceId: service.serviceId, reason: 'waiting for a health check to pass' });
    }
  }

  if (steps.length > 0) return steps;
  // Waits matter only when nothing else can move; one per service is enough.
  const seen = new Set<string>();
  return waits.filter((w) => !seen.has(w.serviceId) && seen.add(w.serviceId));
}

function runStep(desired: DesiredEnvironment, service: DesiredService, replica: number, nodeId: string, now: number): Step {
  const template = service.template;
  return {
    kind: 'run',
    serviceId: service.serviceId,
    replica,
    nodeId,
    waitHealthyS: DEFAULT_WAIT_HEALTHY_S,
    container: {
      ...template,
      name: containerName(desired, service, replica, nodeId),
      labels: {
        ...template.labels,
        [LABELS.deployment]: desired.deploymentId ?? '',
        [LABELS.node]: nodeId,
        [LABELS.replica]: String(replica),
        [LABELS.specHash]: service.specHash,
        [LABELS.cpu]: String(service.request.cpu),
        [LABELS.memoryMb]: String(service.request.memoryMb),
        [LABELS.createdAt]: String(now),
      },
    },
  };
}

function noRoom(service: DesiredService): string {
  const { cpu, memoryMb } = service.request;
  const asks = [cpu ? `${cpu} CPU` : '', memoryMb ? `${memoryMb} MB` : ''].filter(Boolean).join(' and ');
  return asks ? `no ready node has room for ${asks}` : 'no ready node can run it';
}

/**
 * Least-loaded placement among the ready nodes this project may use (shared
 * nodes and its team's), counting what this plan has placed already. Replicas
 * of one service spread over nodes before they share one.
 */
class Scheduler {
  private candidates: { node: NodeInfo; cpu: number; memoryMb: number; count: number }[];
  private planned = new Map<string, number>();

  constructor(nodes: NodeInfo[], teamId: string) {
    this.candidates = nodes
      // A ready node whose agent is briefly disconnected keeps its containers but gets no new ones.
      .filter((n) => n.status === 'ready' && n.connected !== false && (n.teamId === null || n.teamId === teamId))
      .map((node) => ({ node, ...reserved(node) }));
  }

  place(service: DesiredService, existing: Placed[]): string | null {
    const { cpu, memoryMb } = service.request;
    // A node that has not said how big it is yet counts as unbounded.
    const cpus = (n: NodeInfo) => n.cpus ?? Infinity;
    const capacityMb = (n: NodeInfo) => (n.memoryBytes ?? Infinity) / (1024 * 1024);
    const fits = this.candidates.filter(
      (c) =>
        (!service.nodes || service.nodes.includes(c.node.id)) && c.cpu + cpu <= cpus(c.node) && c.memoryMb + memoryMb <= capacityMb(c.node),
    );
    if (fits.length === 0) return null;
    const key = (nodeId: string) => `${service.serviceId}\n${nodeId}`;
    const siblings = (nodeId: string) =>
      existing.filter((p) => p.nodeId === nodeId && p.specHash === service.specHash && isLive(p.container)).length +
      (this.planned.get(key(nodeId)) ?? 0);
    const load = (c: (typeof fits)[number]) =>
      Math.max((c.cpu + cpu) / Math.max(cpus(c.node), 1e-9), (c.memoryMb + memoryMb) / Math.max(capacityMb(c.node), 1e-9));
    fits.sort(
      (a, b) =>
        siblings(a.node.id) - siblings(b.node.id) ||
        load(a) - load(b) ||
        a.count - b.count ||
        (a.node.id < b.node.id ? -1 : a.node.id > b.node.id ? 1 : 0),
    );
    const chosen = fits[0];
    chosen.cpu += cpu;
    chosen.memoryMb += memoryMb;
    chosen.count++;
    this.planned.set(key(chosen.node.id), (this.planned.get(key(chosen.node.id)) ?? 0) + 1);
    return chosen.node.id;
  }
}
