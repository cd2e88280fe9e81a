// The evaluation engine with its lifecycle recorded instead of stored: which
// rules apply where, metric tracks fed by samples (and by absence), crash and
// crash-loop events, exits Containr caused, deployments and lost nodes.
import { afterEach, describe, expect, it } from 'vitest';
import type { ContainerEvent, ServiceMetrics } from '../../sync/events';
import { createLogger } from '../logger';
import { alertKey, createEngine, type FireDetail, type Target } from './engine';
import { ruleInput } from './schemas';
import type { Rule } from './store';

type Call = { type: 'fire'; key: string; detail: FireDetail } | { type: 'resolve'; key: string };

function rule(id: string, input: Record<string, unknown>): Rule {
  const parsed = ruleInput.parse({ name: id, ...input });
  const at = new Date(0);
  return { ...parsed, id, projectId: 'p1', createdAt: at, updatedAt: at } as Rule;
}

let engines: { close(): void }[] = [];
afterEach(() => {
  engines.forEach((e) => e.close());
  engines = [];
});

function setup(rules: Rule[], opts: { expected?: (e: ContainerEvent) => boolean; now?: () => number } = {}) {
  const calls: Call[] = [];
  const open = new Set<string>();
  const engine = createEngine({
    clock: { now: opts.now ?? (() => 1_000_000) },
    logger: createLogger('silent', false),
    lifecycle: {
      fire(r: Rule, target: Target, detail: FireDetail) {
        const key = alertKey(r.id, target);
        if (open.has(key)) return;
        open.add(key);
        calls.push({ type: 'fire', key, detail });
      },
      resolve(key: string) {
        if (open.delete(key)) calls.push({ type: 'resolve', key });
      },
      isOpen: (key) => open.has(key),
    },
    rules: (projectId) => (projectId === 'p1' ? rules : []),
    projectOf: (environmentId) => (environmentId.startsWith('e') ? 'p1' : null),
    environmentName: (id) => (id === 'e1' ? 'production' : id),
    serviceName: (_e, serviceId) => ({ s1: 'web', s2: 'worker' })[serviceId] ?? null,
    isExpectedExit: opts.expected ?? (() => false),
    nodeEnvironments: (nodeId) => ({ name: `node ${nodeId}`, environmentIds: nodeId === 'n1' ? ['e1', 'e2'] : [] }),
  });
  engines.push(engine);
  return { engine, calls };
}

const metrics = (serviceId: string, ts: number, cpuPercent: number, extra: Partial<ServiceMetrics> = {}): ServiceMetrics => ({
  serviceId,
  ts,
  containers: 1,
  cpuPercent,
  memoryBytes: 100,
  memoryLimitBytes: null,
  netRxBytesPerS: 0,
  netTxBytesPerS: 0,
  blockReadBytesPerS: 0,
  blockWriteBytesPerS: 0,
  ...extra,
});

const event = (type: ContainerEvent['type'], ts: number, extra: Partial<ContainerEvent> = {}): ContainerEvent => ({
  containerId: 'c1',
  nodeId: 'n1',
  projectId: 'p1',
  environmentId: 'e1',
  serviceId: 's1',
  deploymentId: 'd1',
  ts,
  type,
  ...extra,
});

describe('metric rules', () => {
  const cpu = rule('cpu', { condition: { type: 'metric', metric: 'cpuPercent', operator: '>', threshold: 80, forS: 2, resolveForS: 0 } });

  it('watches every service of every environment, each on its own, with titles naming the service', () => {
    const { engine, calls } = setup([cpu]);
    for (let t = 0; t <= 3_000; t += 1_000) engine.onServices('e1', [metrics('s1', t, 95), metrics('s2', t, 10)]);
    engine.onServices('e2', [metrics('s1', 0, 99)]);
    expect(calls).toEqual([
      {
        type: 'fire',
        key: 'cpu|e1|s1|',
        detail: { title: 'web: cpu', message: 'CPU is 95% (rule: CPU > 80% for 2 s) in production.', value: 95, threshold: 80 },
      },
    ]);
  });

  it('a service that stops sending samples counts as 0 and resolves', () => {
    const { engine, calls } = setup([cpu]);
    for (let t = 0; t <= 2_000; t += 1_000) engine.onServices('e1', [metrics('s1', t, 95)]);
    engine.onServices('e1', []);
    expect(calls.map((c) => c.type)).toEqual(['fire', 'resolve']);
    // Gone and resolved: nothing is kept for it.
    expect(engine.trackCount()).toBe(0);
  });

  it('applies scope: an environment, a service; disabled rules and other projects do nothing', () => {
    const onlyE2 = rule('e2-only', { environmentId: 'e2', condition: { type: 'metric', metric: 'cpuPercent', operator: '>', threshold: 1, forS: 0 } });
    const onlyS2 = rule('s2-only', { serviceId: 's2', condition: { type: 'metric', metric: 'cpuPercent', operator: '>', threshold: 1, forS: 0 } });
    const off = { ...rule('off', { condition: { type: 'metric', metric: 'cpuPercent', operator: '>', threshold: 1, forS: 0 } }), enabled: false };
    const { engine, calls } = setup([onlyE2, onlyS2, off]);
    engine.onServices('e1', [metrics('s1', 0, 50), metrics('s2', 0, 50)]);
    engine.onServices('x9', [metrics('s1', 0, 50)]);
    expect(calls.map((c) => c.key)).toEqual(['s2-only|e1|s2|']);
  });

  it('memory % needs a limit', () => {
    const mem = rule('mem', { condition: { type: 'metric', metric: 'memoryPercent', operator: '>=', threshold: 90, forS: 0 } });
    const { engine, calls } = setup([mem]);
    engine.onServices('e1', [metrics('s1', 0, 0, { memoryBytes: 95, memoryLimitBytes: null }), metrics('s2', 0, 0, { memoryBytes: 95, memoryLimitBytes: 100 })]);
    expect(calls.map((c) => c.key)).toEqual(['mem|e1|s2|']);
  });

  it('a track created while its alert is open (after a restart) can resolve it', () => {
    const { engine, calls } = setup([cpu]);
    for (let t = 0; t <= 2_000; t += 1_000) engine.onServices('e1', [metrics('s1', t, 95)]);
    engine.forgetRule('cpu');
    engine.onServices('e1', [metrics('s1', 3_000, 5)]);
    expect(calls.map((c) => c.type)).toEqual(['fire', 'resolve']);
  });
});

describe('event rules', () => {
  it('a non-zero exit fires a crash alert with the code; zero, and exits Containr caused, do not', () => {
    const crashed = rule('crash', { condition: { type: 'crashed', resolveForS: 0 } });
    const { engine, calls } = setup([crashed], { expected: (e) => e.containerId === 'stopped-by-us' });
    engine.onEvents([event('die', 1, { exitCode: 0 }), event('die', 2, { exitCode: 143, containerId: 'stopped-by-us' })]);
    expect(calls).toEqual([]);
    engine.onEvents([event('die', 3, { exitCode: 3 })]);
    expect(calls).toEqual([{ type: 'fire', key: 'crash|e1|s1|', detail: expect.objectContaining({ message: 'A container of web exited with code 3 in production.' }) }]);
    // Started again and stayed up for resolveForS (0 here): resolved.
    engine.onEvents([event('start', 4)]);
    expect(calls.map((c) => c.type)).toEqual(['fire', 'resolve']);
  });

  it('OOM kills fire the oom rule', () => {
    const oom = rule('oom', { condition: { type: 'oom' } });
    const { engine, calls } = setup([oom]);
    engine.onEvents([event('oom', 1)]);
    expect(calls.map((c) => c.key)).toEqual(['oom|e1|s1|']);
  });

  it('a crash loop needs N crashes inside the window', () => {
    const loop = rule('loop', { condition: { type: 'crash_loop', restarts: 3, windowS: 60 } });
    const { engine, calls } = setup([loop], { now: () => 200_000 });
    engine.onEvents([event('die', 100_000, { exitCode: 1 }), event('die', 170_000, { exitCode: 1 }), event('die', 180_000, { exitCode: 1 })]);
    expect(calls).toEqual([]);
    engine.onEvents([event('die', 190_000, { exitCode: 1 })]);
    expect(calls).toEqual([{ type: 'fire', key: 'loop|e1|s1|', detail: expect.objectContaining({ value: 3, message: 'web crashed 3 times within 60 s in production.' }) }]);
  });

  it('health: unhealthy fires, healthy resolves', () => {
    const health = rule('health', { condition: { type: 'health_failing', forS: 0, resolveForS: 0 } });
    const { engine, calls } = setup([health]);
    engine.onEvents([event('health', 1, { health: 'starting' }), event('health', 2, { health: 'unhealthy' }), event('health', 3, { health: 'healthy' })]);
    expect(calls.map((c) => c.type)).toEqual(['fire', 'resolve']);
  });

  it('a failed deployment fires per environment; the next success resolves', () => {
    const failed = rule('deploy', { condition: { type: 'deployment_failed' } });
    const { engine, calls } = setup([failed]);
    engine.onDeployment({ environmentId: 'e1', deploymentId: 'd1', status: 'running' });
    engine.onDeployment({ environmentId: 'e1', deploymentId: 'd1', status: 'failed', reason: 'image not found' });
    expect(calls).toEqual([
      { type: 'fire', key: 'deploy|e1||', detail: { title: 'production: deploy', message: 'A deployment of production failed: image not found', value: null, threshold: null } },
    ]);
    engine.onDeployment({ environmentId: 'e1', deploymentId: 'd2', status: 'succeeded' });
    expect(calls.map((c) => c.type)).toEqual(['fire', 'resolve']);
  });

  it('a lost node fires for every environment it ran containers of', () => {
    const lost = rule('lost', { condition: { type: 'node_lost' } });
    const { engine, calls } = setup([lost]);
    engine.onNodeLost('n1');
    engine.onNodeLost('n2');
    expect(calls.map((c) => c.key)).toEqual(['lost|e1||n1', 'lost|e2||n1']);
    expect(calls[0]).toMatchObject({ detail: { title: 'node n1: lost' } });
  });
});
