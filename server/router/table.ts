// Which container answers a public address. Routes come from the reconciler
// (one per service with a public port); targets come from the agents'
// inventories at request time: ready containers of the service with the port
// published, preferring the spec hash the route is pinned to. The pin moves
// only when the reconciler's `switch-route` step runs, once new containers
// are healthy; a container being removed is drained first.
import { LABELS, type ObservedContainer } from '../../sync/events';
import type { NodeInfo } from '../reconciler/ports';
import { serviceLabel } from './hosts';

export type Route = {
  environmentId: string;
  environmentName: string;
  projectSlug: string;
  serviceId: string;
  serviceName: string;
  /** The container port the public URL goes to. */
  port: number;
};

export type Target = { containerId: string; host: string; port: number };

type Draining = { since: number; active: number; idle: (() => void)[] };

export class RouteTable {
  private routes = new Map<string, Route>();
  private byEnvironment = new Map<string, Route[]>();
  private pinned = new Map<string, string>();
  private draining = new Map<string, Draining>();
  private active = new Map<string, number>();
  private turn = 0;

  constructor(private nodes: () => NodeInfo[]) {}

  /** Replaces the routes of an environment. */
  setEnvironment(environmentId: string, routes: Route[]): void {
    for (const old of this.byEnvironment.get(environmentId) ?? []) this.routes.delete(key(old));
    for (const route of routes) this.routes.set(key(route), route);
    this.byEnvironment.set(environmentId, routes);
    const kept = new Set(routes.map((r) => r.serviceId));
    for (const pinKey of [...this.pinned.keys()]) {
      const [env, service] = pinKey.split('\n');
      if (env === environmentId && !kept.has(service)) this.pinned.delete(pinKey);
    }
  }

  removeEnvironment(environmentId: string): void {
    this.setEnvironment(environmentId, []);
    this.byEnvironment.delete(environmentId);
  }

  find(label: string, slug: string): Route | undefined {
    return this.routes.get(`${label}.${slug}`);
  }

  pin(environmentId: string, serviceId: string, specHash: string): void {
    this.pinned.set(`${environmentId}\n${serviceId}`, specHash);
  }

  /** Pinned spec hashes of an environment's services, by service id. */
  pins(environmentId: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [pinKey, hash] of this.pinned) {
      const [env, service] = pinKey.split('\n');
      if (env === environmentId) out[service] = hash;
    }
    return out;
  }

  /** Ready containers for the route, the pinned spec's first; round-robin among them. */
  targets(route: Route): Target[] {
    const pinned = this.pinned.get(`${route.environmentId}\n${route.serviceId}`);
    const preferred: Target[] = [];
    const others: Target[] = [];
    for (const node of this.nodes()) {
      if (node.status !== 'ready') continue;
      for (const c of node.containers) {
        if (c.labels[LABELS.environment] !== route.environmentId || c.labels[LABELS.service] !== route.serviceId) continue;
        if (c.state !== 'running' || c.health === 'starting' || c.health === 'unhealthy' || this.draining.has(c.id)) continue;
        const target = targetOf(c, route.port);
        if (!target) continue;
        (pinned === undefined || c.labels[LABELS.specHash] === pinned ? preferred : others).push(target);
      }
    }
    const list = preferred.length > 0 ? preferred : others;
    if (list.length <= 1) return list;
    const start = this.turn++ % list.length;
    return [...list.slice(start), ...list.slice(0, start)];
  }

  /** Counts a request or socket on a container until `release`. */
  acquire(containerId: string): () => void {
    this.active.set(containerId, (this.active.get(containerId) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.active.get(containerId) ?? 1) - 1;
      if (n > 0) this.active.set(containerId, n);
      else this.active.delete(containerId);
      const drain = this.draining.get(containerId);
      if (drain && n <= 0) drain.idle.splice(0).forEach((fn) => fn());
    };
  }

  /**
   * Stops sending new requests to a container and resolves once the ones in
   * flight have finished, or after `timeoutMs` (long-lived sockets are cut by the stop).
   */
  drain(containerId: string, timeoutMs: number, now: number): Promise<void> {
    const entry: Draining = this.draining.get(containerId) ?? { since: now, active: 0, idle: [] };
    this.draining.set(containerId, entry);
    if (!this.active.get(containerId)) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      timer.unref();
      entry.idle.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Forgets drained containers that no inventory reports any more. */
  prune(): void {
    if (this.draining.size === 0) return;
    const present = new Set(this.nodes().flatMap((n) => n.containers.map((c) => c.id)));
    for (const id of this.draining.keys()) if (!present.has(id)) this.draining.delete(id);
  }
}

function key(route: Route): string {
  return `${serviceLabel(route.serviceName, route.environmentName)}.${route.projectSlug}`;
}

function targetOf(c: ObservedContainer, port: number): Target | null {
  const binding = c.ports.find((p) => p.containerPort === port && p.hostPort > 0);
  if (!binding) return null;
  // A wildcard binding is reached on loopback; agents publish on 127.0.0.1 anyway.
  const host = binding.hostIp === '' || binding.hostIp === '0.0.0.0' || binding.hostIp === '::' ? '127.0.0.1' : binding.hostIp;
  return { containerId: c.id, host, port: binding.hostPort };
}
