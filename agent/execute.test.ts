// The executors and the observer against the real engine (no server): what the
// agent creates, that it repeats nothing, and that it never touches what is not ours.
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LABELS, type RunSpec, type Task, type TaskResult } from '../sync/events';
import { silentLogger } from './log';
import { listManaged, ManagedInventory, toObserved, watchManaged } from './observe';
import { specHash, toHealthConfig } from './run';
import { TaskRunner } from './tasks';
import { BUSYBOX, removeTestObjects, requireEngine, testRun } from './testing';

const docker = new Docker();
const run = testRun('agent');
const NODE = `node-${run.id}`;
const stop = new AbortController();
const progress: { id: string; message: string }[] = [];
const runner = new TaskRunner(
  { docker, nodeId: NODE, signal: stop.signal },
  (id, message) => progress.push({ id, message }),
  silentLogger
);
let taskCount = 0;
const task = (spec: Task['spec']): Task => ({ id: `t${++taskCount}-${run.id}`, spec });

beforeAll(() => requireEngine(docker));
afterAll(async () => {
  stop.abort();
  await removeTestObjects(docker, run.id);
});

describe('health checks', () => {
  const base = run.web('x', 'n');
  it('turns a command into CMD and a path into a wget of 127.0.0.1 through the shell', () => {
    expect(toHealthConfig({ ...base, healthcheck: { command: ['true'], intervalS: 2 } })).toEqual({
      Test: ['CMD', 'true'],
      Interval: 2e9,
      Timeout: 5e9,
      Retries: 3,
    });
    expect(toHealthConfig({ ...base, healthcheck: { path: '/health', port: 3000 } })?.Test).toEqual([
      'CMD-SHELL',
      "wget -q -O /dev/null 'http://127.0.0.1:3000/health'",
    ]);
    // No port: the first container port.
    expect(toHealthConfig({ ...base, healthcheck: { path: 'ready' } })?.Test).toEqual([
      'CMD-SHELL',
      "wget -q -O /dev/null 'http://127.0.0.1:8080/ready'",
    ]);
    expect(toHealthConfig({ ...base, healthcheck: null })).toBeNull();
    expect(toHealthConfig({ ...base, healthcheck: {} })).toBeNull();
  });

  it('hashes a spec the same whatever the order of its keys, and differently when it changes', () => {
    const reordered = Object.fromEntries(Object.entries(base).reverse()) as RunSpec;
    expect(specHash(reordered)).toBe(specHash(base));
    expect(specHash({ ...base, env: { GREETING: 'hi' } })).not.toBe(specHash(base));
  });
});

describe('executors', () => {
  const network = run.name('net');

  it('creates a labelled network once', async () => {
    const spec: Task['spec'] = { kind: 'ensure-network', network, labels: run.labels };
    expect(await runner.run(task(spec))).toMatchObject({ ok: true });
    expect(await runner.run(task(spec))).toMatchObject({ ok: true });
    const info = await docker.getNetwork(network).inspect();
    expect(info.Labels).toMatchObject({ ...run.labels, [LABELS.managed]: 'true', [LABELS.node]: NODE });
    expect(info.Driver).toBe('bridge');
  });

  it('runs a container once however often the task comes, with volumes, limits and loopback ports', async () => {
    const volume = run.name('data');
    const spec = run.web(run.name('web'), network, { volumes: [{ name: volume, mountPath: '/data' }] });
    const t = task({ kind: 'run', container: spec, waitHealthyS: 30 });
    // The same task twice at once, then again: one execution, one result.
    const [a, b] = await Promise.all([runner.run(t), runner.run(t)]);
    expect(a).toMatchObject({ ok: true, containerId: expect.any(String) });
    expect(b).toBe(a);
    expect(await runner.run(t)).toBe(a);
    // Another task id with the same spec finds it running: a no-op.
    const again = await runner.run(task({ kind: 'run', container: spec, waitHealthyS: 30 }));
    expect(again).toMatchObject({ ok: true, containerId: (a as { containerId: string }).containerId });

    const named = (await docker.listContainers({ all: true, filters: { label: [`containr.test-run=${run.id}`] } })).filter((c) =>
      c.Names.includes(`/${spec.name}`)
    );
    expect(named).toHaveLength(1);
    expect(progress.filter((p) => p.id === t.id).map((p) => p.message)).toContain(`container ${spec.name} is healthy`);

    const info = await docker.getContainer(spec.name).inspect();
    expect(info.State.Health?.Status).toBe('healthy');
    expect(info.Config.Labels).toMatchObject({
      [LABELS.managed]: 'true',
      [LABELS.node]: NODE,
      [LABELS.specHash]: specHash(spec),
    });
    expect(info.Config.Env).toContain('GREETING=hello');
    expect(info.HostConfig.NanoCpus).toBe(5e8);
    expect(info.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(info.HostConfig.RestartPolicy?.Name).toBe('unless-stopped');
    expect(info.HostConfig.PortBindings?.['8080/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: '' }]);
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual([network]);
    expect(info.NetworkSettings.Networks[network].Aliases).toContain('web');
    expect(info.Mounts).toEqual([expect.objectContaining({ Type: 'volume', Name: volume, Destination: '/data' })]);
    expect((await docker.getVolume(volume).inspect()).Labels).toMatchObject({ ...run.labels, [LABELS.managed]: 'true' });

    const observed = toObserved(info);
    const port = observed?.ports.find((p) => p.containerPort === 8080);
    expect(port?.hostIp).toBe('127.0.0.1');
    expect(await (await fetch(`http://127.0.0.1:${port?.hostPort}/`)).text()).toBe('hello\n');
  });

  it('replaces a container whose spec changed', async () => {
    const before = await docker.getContainer(run.name('web')).inspect();
    const spec = run.web(run.name('web'), network, { env: { GREETING: 'changed' }, volumes: [] });
    const result = await runner.run(task({ kind: 'run', container: spec, waitHealthyS: 30 }));
    expect(result).toMatchObject({ ok: true });
    expect((result as { containerId: string }).containerId).not.toBe(before.Id);
  });

  it('fails with a clear message when the image is missing and cannot be pulled', async () => {
    const spec = run.web(run.name('ghost'), network, { image: 'containr/does-not-exist:1' });
    const result = await runner.run(task({ kind: 'run', container: spec, waitHealthyS: 5 }));
    expect(result).toMatchObject({ ok: false });
    expect((result as { error: string }).error).toMatch(
      /^image containr\/does-not-exist:1 not found locally and no registry reachable/
    );
  });

  it('fails when the container exits before it is healthy, with its last output', async () => {
    const spec = run.web(run.name('crash'), network, { command: ['sh', '-c', 'echo boom >&2; exit 3'], restartPolicy: 'no' });
    const result = (await runner.run(task({ kind: 'run', container: spec, waitHealthyS: 20 }))) as TaskResult & { error: string };
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/exited with code 3 before it became healthy/);
    expect(result.error).toMatch(/boom/);
  });

  it('fails when the health check does not pass in time', async () => {
    const spec = run.web(run.name('sick'), network, { healthcheck: { path: '/missing', port: 8080, intervalS: 0.5 } });
    const result = (await runner.run(task({ kind: 'run', container: spec, waitHealthyS: 3 }))) as TaskResult & { error: string };
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/was not healthy after 3 s/);
  });

  it('stops and removes, and a repeat of either finds nothing to do', async () => {
    const name = run.name('web');
    expect(await runner.run(task({ kind: 'stop', name, timeoutS: 1 }))).toMatchObject({ ok: true });
    expect((await docker.getContainer(name).inspect()).State.Running).toBe(false);
    expect(await runner.run(task({ kind: 'stop', name, timeoutS: 1 }))).toMatchObject({ ok: true });
    expect(await runner.run(task({ kind: 'remove', name }))).toMatchObject({ ok: true });
    expect(await runner.run(task({ kind: 'remove', name }))).toMatchObject({ ok: true });
    await expect(docker.getContainer(name).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('what is not ours', () => {
  it('is never listed, stopped, removed or replaced', async () => {
    const network = run.name('net');
    const foreign = await docker.createContainer({
      name: run.name('foreign'),
      Image: BUSYBOX,
      Cmd: ['sleep', '300'],
      // Claims our node but lacks containr.managed=true.
      Labels: { ...run.labels, [LABELS.node]: NODE, [LABELS.managed]: 'false' },
    });
    await foreign.start();
    const name = run.name('foreign');

    for (const spec of [
      { kind: 'stop', name, timeoutS: 1 },
      { kind: 'remove', name },
      { kind: 'run', container: run.web(name, network), waitHealthyS: 5 },
    ] as const) {
      const result = await runner.run(task(spec));
      expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/not managed by Containr; refusing/) });
    }
    expect((await foreign.inspect()).State.Running).toBe(true);
    expect((await listManaged(docker, NODE)).map((c) => c.name)).not.toContain(name);

    // Networks and volumes too: the engine's own bridge is not ours.
    expect(await runner.run(task({ kind: 'remove-network', network: 'bridge' }))).toMatchObject({ ok: false });
    expect(await runner.run(task({ kind: 'ensure-network', network: 'bridge', labels: {} }))).toMatchObject({ ok: false });
    const volume = run.name('foreign-vol');
    await docker.createVolume({ Name: volume, Labels: run.labels });
    expect(await runner.run(task({ kind: 'remove-volume', volume }))).toMatchObject({ ok: false });
    await docker.getVolume(volume).inspect();
  });

  it("lists only this node's managed containers", async () => {
    const other = await docker.createContainer({
      name: run.name('other-node'),
      Image: BUSYBOX,
      Cmd: ['sleep', '300'],
      Labels: { ...run.labels, [LABELS.managed]: 'true', [LABELS.node]: 'some-other-node' },
    });
    const names = (await listManaged(docker, NODE)).map((c) => c.name);
    expect(names).not.toContain(run.name('other-node'));
    expect((await listManaged(docker, 'some-other-node')).map((c) => c.id)).toContain(other.id);
  });
});

describe('inventory', () => {
  it('inspects a container again only when its state changes or it is forgotten', async () => {
    const container = await docker.createContainer({
      name: run.name('inventory'),
      Image: BUSYBOX,
      Cmd: ['sleep', '300'],
      Labels: { ...run.labels, [LABELS.managed]: 'true', [LABELS.node]: NODE },
    });
    await container.start();
    const inspect = vi.spyOn(Object.getPrototypeOf(docker.getContainer(container.id)) as Docker.Container, 'inspect');
    const inventory = new ManagedInventory(docker, NODE);
    const find = async () => (await inventory.list()).find((c) => c.id === container.id);

    expect(await find()).toMatchObject({ state: 'running' });
    const first = inspect.mock.calls.length;
    expect(first).toBeGreaterThan(0);
    expect(await find()).toMatchObject({ state: 'running' });
    expect(inspect.mock.calls.length).toBe(first); // nothing changed: nothing inspected

    await container.stop({ t: 0 });
    expect(await find()).toMatchObject({ state: 'exited' });
    expect(inspect.mock.calls.length).toBe(first + 1);

    inventory.forget(container.id);
    await find();
    expect(inspect.mock.calls.length).toBe(first + 2);
    inspect.mockRestore();
  });
});

describe('watching', () => {
  it('reports changes to our containers from the engine event stream', async () => {
    let changes = 0;
    const watcher = watchManaged(docker, NODE, () => changes++, silentLogger);
    try {
      await waitUntil(() => changes >= 1); // the initial call once the stream is open
      const before = changes;
      const spec = run.web(run.name('watched'), run.name('net'), { healthcheck: null });
      expect(await runner.run(task({ kind: 'run', container: spec, waitHealthyS: 10 }))).toMatchObject({ ok: true });
      await waitUntil(() => changes > before);
    } finally {
      watcher.close();
    }
  });
});

async function waitUntil(predicate: () => boolean, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
