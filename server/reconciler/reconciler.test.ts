// The reconcile loop against an in-memory hub: convergence, idempotence,
// retries with backoff, cancellation, supersession, serialization per
// environment and drift correction. No Docker.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { openDb, type Db } from '../../db/client';
import { users } from '../../db/schema';
import { addService, initDoc, setVariable, type NodeInit } from '../../sync';
import { LABELS } from '../../sync/events';
import type { Actor } from '../audit/service';
import { parseEnv } from '../env';
import { createLogger } from '../logger';
import { createServices, type Services } from '../services';
import { waitFor } from '../test-utils';
import { createDeploy, type Deploy } from '.';
import { deferred, FakeHub, isRun } from './fake-hub';
import { ManualTimers } from './timers';

let dir: string;
let db: Db;
let services: Services;
let hub: FakeHub;
let deploy: Deploy;
let actor: Actor;
let environmentId: string;
let doc: Y.Doc;

const FAST = { startupGraceMs: 0, backoffMs: 5, maxBackoffMs: 20, maxAttempts: 3, waitPollMs: 10, settleTimeoutMs: 200, drainTimeoutMs: 50 };

function setup(opts: { timers?: ManualTimers; options?: Record<string, number> } = {}) {
  dir = mkdtempSync(join(tmpdir(), 'containr-reconciler-'));
  db = openDb(join(dir, 'test.db'));
  const env = parseEnv({ CONTAINR_DATA_DIR: dir, NODE_ENV: 'test' });
  services = createServices({ db, env });
  hub = new FakeHub();
  hub.addNode('n1');
  deploy = createDeploy({ ...services, hub, logger: createLogger('silent', false), timers: opts.timers });
  doc = new Y.Doc();
  initDoc(doc, { environmentName: 'production' });
  deploy.attach({ documents: { withDocument: async (_id, fn) => fn(doc) }, options: { ...FAST, ...opts.options } });

  const userId = 'u1';
  db.insert(users).values({ id: userId, email: 'a@example.test', name: 'A', passwordHash: 'x', emailVerifiedAt: null, createdAt: new Date() }).run();
  const teamId = services.teams.createPersonal(db, { id: userId, name: 'A' });
  actor = { userId, email: 'a@example.test', ip: null };
  environmentId = services.projects.create(actor, { name: 'Shop', teamId }).environments[0].id;
}

beforeEach(() => setup());
afterEach(async () => {
  await deploy.close();
  db.$client.close();
  rmSync(dir, { recursive: true, force: true });
});

const web = (fields: Partial<NodeInit> = {}): NodeInit =>
  ({
    kind: 'service',
    name: 'web',
    source: { type: 'image', image: 'containr/busybox' },
    ports: [{ port: 8080, public: true }],
    healthcheck: { path: '/' },
    ...fields,
  }) as NodeInit;

async function commit(message = ''): Promise<string> {
  const { deployment } = await deploy.commits.commit(actor, environmentId, { message });
  return deployment!.id;
}

function deploymentOf(id: string) {
  return deploy.store.getDeployment(id)!;
}

async function settled(id: string, timeoutMs = 5_000) {
  return waitFor(() => {
    const d = deploymentOf(id);
    return d.status !== 'queued' && d.status !== 'running' ? d : null;
  }, timeoutMs, `deployment ${id} to end`);
}

describe('reconciler', () => {
  it('deploys a commit, records every step with a time, and ends succeeded', async () => {
    deploy.start();
    addService(doc, web({ replicas: 2 }));
    addService(doc, { kind: 'service', name: 'db', source: { type: 'image', image: 'containr/busybox' }, ports: [{ port: 5432 }] } as NodeInit);
    const id = await commit('first');
    expect((await settled(id)).status).toBe('succeeded');
    expect(hub.containers().map((c) => c.labels[LABELS.deployment])).toEqual([id, id, id]);
    const events = deploy.store.events(id);
    expect(events[0]).toMatchObject({ type: 'status', message: 'deployment started' });
    expect(events.at(-1)).toMatchObject({ type: 'status', message: 'deployment succeeded' });
    const kinds = events.filter((e) => e.type === 'step.succeeded').map((e) => (e.details as { kind: string }).kind);
    // db and two web replicas, then web's public URL pointed at them.
    expect(kinds.sort()).toEqual(['run', 'run', 'run', 'switch-route']);
    expect(events.every((e) => e.createdAt instanceof Date)).toBe(true);
  });

  it('does nothing when converged: a second pass dispatches no task', async () => {
    deploy.start();
    addService(doc, web());
    await settled(await commit());
    const before = hub.tasks.length;
    await deploy.reconciler.trigger(environmentId);
    await deploy.reconciler.idle();
    expect(hub.tasks.length).toBe(before);
  });

  it('replaces a changed service: new container first, route switched, old removed', async () => {
    deploy.start();
    const id = addService(doc, web());
    await settled(await commit());
    const [old] = hub.containers();
    setVariable(doc, id, 'COLOR', 'blue');
    const second = await commit();
    expect((await settled(second)).status).toBe('succeeded');
    const after = hub.containers();
    expect(after).toHaveLength(1);
    expect(after[0].name).not.toBe(old.name);
    const kinds = deploy.store.events(second).filter((e) => e.type === 'step.succeeded').map((e) => (e.details as { kind: string }).kind);
    expect(kinds).toEqual(['run', 'switch-route', 'remove']);
    expect(deploy.router.table.pins(environmentId)[id]).toBe(after[0].labels[LABELS.specHash]);
  });

  it('retries a failing step with backoff, then fails the deployment with the reason', async () => {
    hub.fail(isRun, 'image containr/busybox not found locally');
    deploy.start();
    addService(doc, web());
    const id = await commit();
    const done = await settled(id);
    expect(done.status).toBe('failed');
    expect(done.reason).toContain('image containr/busybox not found locally');
    expect(hub.tasks.filter((t) => isRun(t.task))).toHaveLength(FAST.maxAttempts);
    expect(deploy.store.events(id).filter((e) => e.type === 'retry')).toHaveLength(FAST.maxAttempts - 1);
  });

  it('recovers when a failure goes away before the attempts run out', async () => {
    hub.fail(isRun, 'transient', 1);
    deploy.start();
    addService(doc, web());
    expect((await settled(await commit())).status).toBe('succeeded');
  });

  it('stops taking steps for a cancelled deployment and returns to the previous one', async () => {
    deploy.start();
    const id = addService(doc, web());
    const first = await commit();
    await settled(first);
    const v1 = hub.containers()[0].name;

    const gate = deferred();
    hub.hold(isRun, gate.promise);
    setVariable(doc, id, 'COLOR', 'blue');
    const second = await commit();
    await waitFor(() => hub.running > 0, 5_000, 'the new container to be starting');
    const messages: { deploymentId: string | null; status?: string; reason?: string | null }[] = [];
    deploy.reconciler.on('deployment', (m) => messages.push(m));
    await deploy.commits.cancel(actor, second);
    gate.resolve();
    await deploy.reconciler.idle();

    expect(deploymentOf(second).status).toBe('cancelled');
    // The environment's room hears it too, not only the caller (a build cancelled from the UI, another browser).
    expect(messages).toContainEqual({ environmentId, deploymentId: second, status: 'cancelled', reason: `cancelled by ${actor.email}` });
    // The half-made replacement is gone again; v1 still serves.
    await waitFor(() => hub.containers().length === 1 && hub.containers()[0].name === v1, 5_000, 'v1 alone');
    const steps = deploy.store.events(second).filter((e) => e.type.startsWith('step.') && (e.details as { kind: string }).kind === 'remove');
    expect(steps).toEqual([]);
  });

  it('supersedes an older deployment when a newer one arrives', async () => {
    const gate = deferred();
    hub.hold(isRun, gate.promise);
    deploy.start();
    const id = addService(doc, web());
    const first = await commit();
    await waitFor(() => hub.running > 0, 5_000, 'first deployment to start');
    setVariable(doc, id, 'COLOR', 'blue');
    const second = await commit();
    gate.resolve();
    expect((await settled(second)).status).toBe('succeeded');
    expect(deploymentOf(first)).toMatchObject({ status: 'cancelled', reason: 'superseded by a newer deployment' });
    expect(hub.containers()).toHaveLength(1);
  });

  it('runs one pass at a time per environment', async () => {
    deploy.start();
    addService(doc, web({ replicas: 1 }));
    const gate = deferred();
    hub.hold(isRun, gate.promise);
    const id = await commit();
    await waitFor(() => hub.running > 0, 5_000, 'a run task');
    const passes = [deploy.reconciler.trigger(environmentId), deploy.reconciler.trigger(environmentId), deploy.reconciler.trigger(environmentId)];
    gate.resolve();
    await Promise.all(passes);
    await settled(id);
    // One replica: had passes overlapped, a second run task would have been sent for it.
    expect(hub.tasks.filter((t) => isRun(t.task))).toHaveLength(1);
  });

  it('corrects drift on the periodic resync: a container removed by hand comes back', async () => {
    await deploy.close();
    db.$client.close();
    rmSync(dir, { recursive: true, force: true });
    const timers = new ManualTimers(Date.now());
    setup({ timers, options: { resyncMs: 30_000, settleTimeoutMs: 0 } });
    deploy.start();
    addService(doc, web());
    const id = await commit();
    await waitFor(async () => {
      await timers.advance(10);
      return deploymentOf(id).status === 'succeeded';
    }, 5_000, 'the deployment');

    const name = hub.containers()[0].name;
    // Removed by hand, with no inventory event (the agent was slow to notice).
    hub.nodeMap.get('n1')!.containers = [];
    await timers.advance(29_000);
    await deploy.reconciler.idle();
    expect(hub.containers()).toEqual([]);
    await timers.advance(1_000);
    await waitFor(async () => {
      await timers.advance(10);
      return hub.containers().length === 1;
    }, 5_000, 'the container to come back');
    expect(hub.containers()[0].name).toBe(name);
  });

  it('moves the services of a lost node to another and removes the stale ones when it returns', async () => {
    hub.addNode('n2');
    deploy.start();
    addService(doc, web());
    await settled(await commit());
    const [first] = hub.containers();
    const other = first.nodeId === 'n1' ? 'n2' : 'n1';

    hub.setStatus(first.nodeId, 'lost');
    await waitFor(() => hub.containers().some((c) => c.nodeId === other), 5_000, 'the service on the other node');

    hub.setStatus(first.nodeId, 'ready');
    await waitFor(() => !hub.containers().some((c) => c.nodeId === first.nodeId), 5_000, 'the stale container removed');
    expect(hub.containers()).toHaveLength(1);
  });

  it('a teardown in the middle of a deploy cancels it: no more steps, an event, a live message and an audit entry that outlives the environment', async () => {
    deploy.start();
    addService(doc, web());
    const gate = deferred();
    hub.hold(isRun, gate.promise);
    const id = await commit();
    await waitFor(() => hub.running > 0, 5_000, 'the run task');
    const messages: { deploymentId: string | null; status?: string; reason?: string | null }[] = [];
    deploy.reconciler.on('deployment', (m) => messages.push(m));

    const done = deploy.teardown(environmentId);
    // Synchronously: the environment's row may be deleted right after (its deployments with it).
    expect(deploymentOf(id)).toMatchObject({ status: 'cancelled', reason: 'the environment was deleted' });
    expect(messages).toContainEqual(expect.objectContaining({ deploymentId: id, status: 'cancelled', reason: 'the environment was deleted' }));
    expect(deploy.store.events(id).at(-1)).toMatchObject({ type: 'status', message: 'deployment cancelled: the environment was deleted' });
    gate.resolve();
    await done;
    await deploy.reconciler.idle();
    expect(deploymentOf(id).status).toBe('cancelled');
    expect(hub.containers()).toEqual([]);
    expect(hub.tasks.filter((t) => isRun(t.task))).toHaveLength(1);

    const { projectId } = db.$client.prepare('select project_id as projectId from environments where id = ?').get(environmentId) as { projectId: string };
    db.$client.prepare('delete from environments where id = ?').run(environmentId);
    expect(deploy.store.getDeployment(id)).toBeUndefined();
    const entries = db.$client.prepare("select * from audit_log where action = 'deployment.cancel'").all() as Record<string, unknown>[];
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ target_id: id, project_id: projectId, actor_id: null });
    expect(JSON.parse(entries[0].details as string)).toMatchObject({ environmentId, environmentName: 'production', reason: 'the environment was deleted' });
  });

  it('tears an environment down: containers, network and volumes', async () => {
    deploy.start();
    addService(doc, web({ volumes: [{ name: 'data', mountPath: '/data' }] }));
    await settled(await commit());
    await deploy.teardown(environmentId);
    expect(hub.containers()).toEqual([]);
    const kinds = hub.tasks.map((t) => t.task.spec.kind);
    expect(kinds).toContain('remove-network');
    expect(hub.tasks.find((t) => t.task.spec.kind === 'remove-volume')?.task.spec).toEqual({ kind: 'remove-volume', volume: `containr-${environmentId}-data` });
  });
});
