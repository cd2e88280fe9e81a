import { describe, expect, it } from 'vitest';
import { service, specOf } from '../../sync/test-fixtures';
import type { DeployableSpec, RunnableSpec } from '../../sync';
import { LABELS, type ObservedContainer } from '../../sync/events';
import { buildDesired, type DesiredEnvironment } from './desired';
import { plan, type Step } from './plan';
import type { NodeInfo } from './ports';

const KEY = Buffer.alloc(32, 7);
const GiB = 1024 ** 3;

function desiredOf(spec: DeployableSpec, secrets: Record<string, string> = {}): DesiredEnvironment {
  return buildDesired({
    environment: { id: 'env1', name: 'production' },
    project: { id: 'p1', slug: 'shop', teamId: 'team1' },
    commit: { id: 'c1', spec },
    deploymentId: 'd1',
    secrets,
    hashKey: KEY,
  });
}

function node(id: string, fields: Partial<NodeInfo> = {}): NodeInfo {
  return {
    id,
    name: id,
    teamId: null,
    status: 'ready',
    connected: true,
    engineVersion: '20.10',
    cpus: 4,
    memoryBytes: 8 * GiB,
    lastHeartbeatAt: null,
    containers: [],
    ...fields,
  };
}

const web = (fields: Partial<RunnableSpec> = {}) =>
  service('web', { source: { type: 'image', image: 'containr/busybox' }, ports: [{ port: 8080, public: true }], ...fields });
const db = (fields: Partial<RunnableSpec> = {}) =>
  service('db', { source: { type: 'image', image: 'containr/busybox' }, ports: [{ port: 5432 }], ...fields });

/** A container as the agent would report it after `run` (running; healthy when it has a check). */
function started(step: Extract<Step, { kind: 'run' }>, overrides: Partial<ObservedContainer> = {}): ObservedContainer {
  return {
    id: `id-${step.container.name}`,
    name: step.container.name,
    image: step.container.image,
    labels: step.container.labels,
    state: 'running',
    health: step.container.healthcheck ? 'healthy' : null,
    exitCode: null,
    startedAt: '2026-01-01T00:00:00Z',
    ports: [],
    ...overrides,
  };
}

/** Applies steps the way the executors would, against an in-memory world. */
function apply(nodes: NodeInfo[], routes: Record<string, string>, steps: Step[]): void {
  for (const step of steps) {
    if (step.kind === 'run') nodes.find((n) => n.id === step.nodeId)!.containers.push(started(step));
    if (step.kind === 'remove') {
      const n = nodes.find((x) => x.id === step.nodeId)!;
      n.containers = n.containers.filter((c) => c.name !== step.name);
    }
    if (step.kind === 'switch-route') routes[step.serviceId] = step.specHash;
  }
}

/** Plans and applies until nothing is left; returns every step taken. */
function converge(desired: DesiredEnvironment, nodes: NodeInfo[], routes: Record<string, string> = {}, now = 1): Step[] {
  const all: Step[] = [];
  for (let pass = 0; pass < 20; pass++) {
    const steps = plan({ desired, nodes, routes, now: now + pass });
    if (steps.length === 0) return all;
    expect(steps.every((s) => s.kind !== 'fail' && s.kind !== 'wait'), JSON.stringify(steps)).toBe(true);
    all.push(...steps);
    apply(nodes, routes, steps);
  }
  throw new Error('did not converge in 20 passes');
}

const kinds = (steps: Step[]) => steps.map((s) => `${s.kind}:${'serviceId' in s ? s.serviceId : ''}`);
const envContainers = (nodes: NodeInfo[]) => nodes.flatMap((n) => n.containers.map((c) => ({ node: n.id, c })));

describe('plan', () => {
  it('does nothing when converged', () => {
    const desired = desiredOf(specOf([web(), db()], [{ from: 'web', to: 'db' }]));
    const nodes = [node('n1')];
    const routes: Record<string, string> = {};
    converge(desired, nodes, routes);
    expect(plan({ desired, nodes, routes, now: 100 })).toEqual([]);
  });

  it('starts dependencies first, then what depends on them', () => {
    const desired = desiredOf(specOf([web(), db()], [{ from: 'web', to: 'db' }]));
    const nodes = [node('n1')];
    const first = plan({ desired, nodes, routes: {}, now: 1 });
    expect(kinds(first)).toEqual(['run:db']);
    apply(nodes, {}, first);
    expect(kinds(plan({ desired, nodes, routes: {}, now: 2 }))).toEqual(['run:web']);
  });

  it('gives each container the labels, network and alias of its service', () => {
    const desired = desiredOf(specOf([web({ variables: { DB: 'postgres://${{ db.HOST }}:${{ db.PORT }}' } }), db()]));
    const run = converge(desired, [node('n1')], {}, 42).find(
      (s): s is Extract<Step, { kind: 'run' }> => s.kind === 'run' && s.serviceId === 'web',
    )!;
    expect(run.container).toMatchObject({
      image: 'containr/busybox',
      env: { DB: 'postgres://db:5432' },
      network: 'containr-env1',
      aliases: ['web'],
      restartPolicy: 'unless-stopped',
      ports: [{ containerPort: 8080, publish: true }],
      labels: {
        [LABELS.managed]: 'true',
        [LABELS.project]: 'p1',
        [LABELS.environment]: 'env1',
        [LABELS.service]: 'web',
        [LABELS.deployment]: 'd1',
        [LABELS.node]: 'n1',
        [LABELS.replica]: '0',
        [LABELS.specHash]: desired.services.find((s) => s.serviceId === 'web')!.specHash,
      },
    });
    expect(run.container.name).toMatch(/^shop-production-web-[0-9a-f]{8}-0-n1$/);
  });

  it('runs the declared number of replicas, spread over nodes, and scales down', () => {
    const nodes = [node('n1'), node('n2')];
    const routes: Record<string, string> = {};
    converge(desiredOf(specOf([web({ replicas: 3 })])), nodes, routes);
    expect(nodes.map((n) => n.containers.length).sort()).toEqual([1, 2]);

    const steps = converge(desiredOf(specOf([web({ replicas: 1 })])), nodes, routes);
    expect(steps.filter((s) => s.kind === 'remove').map((s) => (s as { reason: string }).reason)).toEqual(['scaled-down', 'scaled-down']);
    expect(envContainers(nodes).map((x) => x.c.labels[LABELS.replica])).toEqual(['0']);
  });

  it('replaces a changed service without downtime: start new, wait ready, switch the route, then remove the old', () => {
    const nodes = [node('n1')];
    const routes: Record<string, string> = {};
    const v1 = desiredOf(specOf([web({ healthcheck: { command: ['true'] } })]));
    converge(v1, nodes, routes);
    const oldName = nodes[0].containers[0].name;

    const v2 = desiredOf(specOf([web({ healthcheck: { command: ['true'] }, variables: { COLOR: 'blue' } })]));
    const hash2 = v2.services[0].specHash;
    expect(hash2).not.toBe(v1.services[0].specHash);

    // 1. start the new container beside the old one
    const start = plan({ desired: v2, nodes, routes, now: 10 });
    expect(kinds(start)).toEqual(['run:web']);
    const run = start[0] as Extract<Step, { kind: 'run' }>;
    expect(run.container.name).not.toBe(oldName);

    // 2. while it is starting, nothing but waiting; the old container keeps the route
    nodes[0].containers.push(started(run, { health: 'starting' }));
    expect(plan({ desired: v2, nodes, routes, now: 11 })).toEqual([
      { kind: 'wait', serviceId: 'web', reason: 'waiting for the new containers to be ready' },
    ]);

    // 3. healthy → switch the route, still keeping the old one
    nodes[0].containers[1].health = 'healthy';
    expect(plan({ desired: v2, nodes, routes, now: 12 })).toEqual([{ kind: 'switch-route', serviceId: 'web', specHash: hash2 }]);

    // 4. switched → remove the old one
    routes.web = hash2;
    expect(plan({ desired: v2, nodes, routes, now: 13 })).toMatchObject([{ kind: 'remove', name: oldName, reason: 'replaced' }]);
  });

  it('without a public port or health check, removes the old container once the new one runs', () => {
    const nodes = [node('n1')];
    converge(desiredOf(specOf([db()])), nodes);
    const steps = converge(desiredOf(specOf([db({ variables: { X: '1' } })])), nodes);
    expect(kinds(steps)).toEqual(['run:db', 'remove:db']);
    expect(nodes[0].containers).toHaveLength(1);
  });

  it('removes the containers of a service that was removed', () => {
    const nodes = [node('n1')];
    const routes: Record<string, string> = {};
    converge(desiredOf(specOf([web(), db()])), nodes, routes);
    const steps = plan({ desired: desiredOf(specOf([web()])), nodes, routes, now: 5 });
    expect(steps).toMatchObject([{ kind: 'remove', serviceId: 'db', reason: 'service-removed' }]);
  });

  it('tears everything down for an empty spec', () => {
    const nodes = [node('n1')];
    converge(desiredOf(specOf([web(), db()])), nodes);
    converge(desiredOf(specOf([])), nodes);
    expect(nodes[0].containers).toEqual([]);
  });

  it('places the containers of a lost node elsewhere and leaves the lost node alone', () => {
    const nodes = [node('n1'), node('n2')];
    const routes: Record<string, string> = {};
    converge(desiredOf(specOf([web({ replicas: 2 })])), nodes, routes);
    const onN1 = nodes[0].containers.map((c) => c.name);
    expect(onN1).toHaveLength(1);

    nodes[0].status = 'lost';
    const steps = converge(desiredOf(specOf([web({ replicas: 2 })])), nodes, routes, 100);
    expect(steps).toMatchObject([{ kind: 'run', nodeId: 'n2', replica: Number(nodes[0].containers[0].labels[LABELS.replica]) }]);
    expect(nodes[0].containers.map((c) => c.name)).toEqual(onN1);
    expect(nodes[1].containers).toHaveLength(2);
  });

  it('removes the stale containers of a node that comes back', () => {
    const nodes = [node('n1'), node('n2')];
    const routes: Record<string, string> = {};
    const desired = desiredOf(specOf([web()]));
    converge(desired, nodes, routes, 1);
    const home = nodes.find((n) => n.containers.length === 1)!;
    const other = nodes.find((n) => n !== home)!;
    home.status = 'lost';
    converge(desired, nodes, routes, 100);
    expect(other.containers).toHaveLength(1);

    home.status = 'ready';
    const steps = plan({ desired, nodes, routes, now: 200 });
    expect(steps).toMatchObject([{ kind: 'remove', nodeId: home.id, reason: 'duplicate' }]);
  });

  it('replaces a container that was stopped or removed by hand', () => {
    const nodes = [node('n1')];
    const desired = desiredOf(specOf([db()]));
    converge(desired, nodes);
    nodes[0].containers[0].state = 'exited';
    expect(plan({ desired, nodes, routes: {}, now: 5 })).toMatchObject([{ kind: 'remove', reason: 'not-running' }]);
    nodes[0].containers = [];
    expect(kinds(plan({ desired, nodes, routes: {}, now: 6 }))).toEqual(['run:db']);
  });

  it('places on the least-loaded node that fits, within the project team and shared nodes', () => {
    const busy = node('busy', {
      containers: [
        {
          id: 'x',
          name: 'other-env',
          image: 'i',
          labels: { [LABELS.environment]: 'other', 'containr.cpu': '3', 'containr.memory-mb': '1024' },
          state: 'running',
          health: null,
          exitCode: null,
          startedAt: null,
          ports: [],
        },
      ],
    });
    const idle = node('idle');
    const foreign = node('foreign', { teamId: 'someone-else' });
    const steps = plan({
      desired: desiredOf(specOf([db({ resources: { cpu: 0.5, memoryMb: 256 } })])),
      nodes: [busy, foreign, idle],
      routes: {},
      now: 1,
    });
    expect(steps).toMatchObject([{ kind: 'run', nodeId: 'idle' }]);
  });

  it('fails a replica that fits nowhere', () => {
    const steps = plan({
      desired: desiredOf(specOf([db({ resources: { memoryMb: 64 * 1024 } })])),
      nodes: [node('n1')],
      routes: {},
      now: 1,
    });
    expect(steps).toEqual([{ kind: 'fail', serviceId: 'db', reason: 'no ready node has room for 65536 MB' }]);
  });

  it('fails a service whose secret is missing and leaves its containers running', () => {
    const nodes = [node('n1')];
    const spec = specOf([db({ secretNames: ['PASSWORD'] })]);
    converge(desiredOf(spec, { PASSWORD: 'hunter2' }), nodes);
    expect(nodes[0].containers).toHaveLength(1);
    expect(plan({ desired: desiredOf(spec), nodes, routes: {}, now: 5 })).toEqual([
      { kind: 'fail', serviceId: 'db', reason: 'missing secret PASSWORD' },
    ]);
  });

  it('injects secrets and changes the spec hash when a secret changes', () => {
    const spec = specOf([db({ secretNames: ['PASSWORD'] })]);
    const a = desiredOf(spec, { PASSWORD: 'one' });
    const b = desiredOf(spec, { PASSWORD: 'two' });
    expect(a.services[0].template.env).toEqual({ PASSWORD: 'one' });
    expect(a.services[0].specHash).not.toBe(b.services[0].specHash);
    expect(a.services[0].specHash).not.toContain('one');
  });
});
