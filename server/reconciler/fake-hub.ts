// An in-memory agent hub for reconciler tests: tasks change the nodes'
// inventories the way a real agent would, instantly, and tests can make tasks
// fail or hold them until released.
import { LABELS, type ObservedContainer, type Task } from '../../sync/events';
import type { DispatchResult, HubEvent, HubPort, NodeInfo } from './ports';

type Hold = { match: (task: Task) => boolean; release: Promise<void> };

export class FakeHub implements HubPort {
  readonly nodeMap = new Map<string, NodeInfo>();
  readonly tasks: { nodeId: string; task: Task }[] = [];
  private listeners = new Map<HubEvent, Set<(nodeId: string) => void>>();
  private failures: { match: (task: Task) => boolean; error: string; times: number }[] = [];
  private holds: Hold[] = [];
  private port = 40000;
  /** Tasks running right now, and the most that ever ran at once. */
  running = 0;
  maxRunning = 0;

  addNode(id: string, fields: Partial<NodeInfo> = {}): NodeInfo {
    const node: NodeInfo = {
      id,
      name: id,
      teamId: null,
      status: 'ready',
      connected: true,
      engineVersion: 'fake',
      cpus: 4,
      memoryBytes: 8 * 1024 ** 3,
      lastHeartbeatAt: null,
      containers: [],
      ...fields,
    };
    this.nodeMap.set(id, node);
    return node;
  }

  nodes(): NodeInfo[] {
    return [...this.nodeMap.values()].map((n) => ({ ...n, containers: [...n.containers] }));
  }

  containers(): (ObservedContainer & { nodeId: string })[] {
    return [...this.nodeMap.values()].flatMap((n) => n.containers.map((c) => ({ ...c, nodeId: n.id })));
  }

  on(event: HubEvent, cb: (nodeId: string) => void): () => void {
    const set = this.listeners.get(event) ?? new Set();
    this.listeners.set(event, set);
    set.add(cb);
    return () => void set.delete(cb);
  }

  emit(event: HubEvent, nodeId: string): void {
    for (const cb of this.listeners.get(event) ?? []) cb(nodeId);
  }

  /** The next `times` tasks matching fail with `error`. */
  fail(match: (task: Task) => boolean, error: string, times = Infinity): void {
    this.failures.push({ match, error, times });
  }

  /** Tasks matching wait until `release` resolves. */
  hold(match: (task: Task) => boolean, release: Promise<void>): void {
    this.holds.push({ match, release });
  }

  setStatus(nodeId: string, status: 'ready' | 'lost'): void {
    this.nodeMap.get(nodeId)!.status = status;
    this.emit(status === 'ready' ? 'node-ready' : 'node-lost', nodeId);
  }

  /** Changes a node's inventory by hand (drift) and reports it. */
  mutate(nodeId: string, fn: (containers: ObservedContainer[]) => ObservedContainer[]): void {
    const node = this.nodeMap.get(nodeId)!;
    node.containers = fn(node.containers);
    this.emit('inventory', nodeId);
  }

  async dispatch(nodeId: string, task: Task): Promise<DispatchResult> {
    this.tasks.push({ nodeId, task });
    const node = this.nodeMap.get(nodeId);
    const ts = Date.now();
    if (!node || node.status === 'lost') return { id: task.id, ok: false, error: 'node lost', ts, reason: 'NODE_LOST' };
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      for (const hold of this.holds) if (hold.match(task)) await hold.release;
      const failure = this.failures.find((f) => f.times > 0 && f.match(task));
      if (failure) {
        failure.times--;
        return { id: task.id, ok: false, error: failure.error, ts };
      }
      this.apply(node, task);
      return { id: task.id, ok: true, ts };
    } finally {
      this.running--;
    }
  }

  private apply(node: NodeInfo, task: Task): void {
    const spec = task.spec;
    if (spec.kind === 'run') {
      const c = spec.container;
      if (node.containers.some((x) => x.name === c.name)) return;
      node.containers = [
        ...node.containers,
        {
          id: `id-${c.name}`,
          name: c.name,
          image: c.image,
          labels: { ...c.labels, [LABELS.managed]: 'true', [LABELS.node]: node.id },
          state: 'running',
          health: c.healthcheck ? 'healthy' : null,
          exitCode: null,
          startedAt: new Date().toISOString(),
          ports: c.ports.filter((p) => p.publish).map((p) => ({ containerPort: p.containerPort, hostIp: '127.0.0.1', hostPort: this.port++ })),
        },
      ];
      this.emit('inventory', node.id);
    } else if (spec.kind === 'stop') {
      node.containers = node.containers.map((x) => (x.name === spec.name ? { ...x, state: 'exited', exitCode: 0 } : x));
      this.emit('inventory', node.id);
    } else if (spec.kind === 'remove') {
      node.containers = node.containers.filter((x) => x.name !== spec.name);
      this.emit('inventory', node.id);
    }
  }
}

export const isRun = (task: Task) => task.spec.kind === 'run';

/** A promise with its resolve handle, for holding work until a test says so (Dokploy's `deferred`). */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
