// Builds against an in-memory hub (no Docker): the queue's rules, and the
// reconciler building a git-sourced service before it runs it — the image
// runs on the node that built it, a failed build stops nothing, a newer
// deployment supersedes a build, cancelling a deployment cancels its build.
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
import { createDeploy, type Deploy } from '../reconciler';
import { deferred } from '../reconciler/fake-hub';
import { createServices, type Services } from '../services';
import { waitFor } from '../test-utils';
import { BuildingHub } from './fake-builder';
import { BuildQueue, type QueueJob } from './queue';

describe('BuildQueue', () => {
  function queue(perNode = 2) {
    const started: string[] = [];
    const superseded: [string, string][] = [];
    const holds = new Map<string, ReturnType<typeof deferred<void>>>();
    const q = new BuildQueue({
      perNode: () => perNode,
      start: (job: QueueJob) => {
        started.push(job.id);
        const d = deferred<void>();
        holds.set(job.id, d);
        return d.promise;
      },
      superseded: (job, by) => superseded.push([job.id, by.id]),
    });
    const finish = async (id: string) => {
      holds.get(id)!.resolve();
      await new Promise((r) => setImmediate(r));
    };
    return { q, started, superseded, finish };
  }

  it('runs one build per service at a time, and a newer one supersedes one still waiting', async () => {
    const { q, started, superseded, finish } = queue();
    q.enqueue({ id: 'a1', key: 'web', nodeId: 'n1' });
    q.enqueue({ id: 'a2', key: 'web', nodeId: 'n1' });
    q.enqueue({ id: 'a3', key: 'web', nodeId: 'n1' });
    expect(started).toEqual(['a1']);
    expect(superseded).toEqual([['a2', 'a3']]);
    await finish('a1');
    expect(started).toEqual(['a1', 'a3']);
  });

  it('runs at most perNode builds on a node; other nodes are not held up', async () => {
    const { q, started, finish } = queue(2);
    for (const id of ['x', 'y', 'z']) q.enqueue({ id, key: id, nodeId: 'n1' });
    q.enqueue({ id: 'w', key: 'w', nodeId: 'n2' });
    expect(started).toEqual(['x', 'y', 'w']);
    expect(q.load('n1')).toBe(2);
    await finish('y');
    expect(started).toEqual(['x', 'y', 'w', 'z']);
  });

  it('takes a waiting build out when asked', () => {
    const { q, started } = queue(1);
    q.enqueue({ id: 'a', key: 'a', nodeId: 'n1' });
    q.enqueue({ id: 'b', key: 'b', nodeId: 'n1' });
    expect(q.dequeue('b')).toBe(true);
    expect(q.dequeue('a')).toBe(false);
    expect(q.queued()).toEqual([]);
    expect(started).toEqual(['a']);
  });
});

describe('builds in the reconciler', () => {
  let dir: string;
  let db: Db;
  let services: Services;
  let hub: BuildingHub;
  let deploy: Deploy;
  let actor: Actor;
  let environmentId: string;
  let doc: Y.Doc;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'containr-builds-'));
    db = openDb(join(dir, 'test.db'));
    const env = parseEnv({ CONTAINR_DATA_DIR: dir, NODE_ENV: 'test', CONTAINR_BUILD_IMAGE_NODE: 'mirror.local/node' });
    services = createServices({ db, env });
    hub = new BuildingHub();
    hub.addNode('n1');
    deploy = createDeploy({ ...services, hub, logger: createLogger('silent', false) });
    doc = new Y.Doc();
    initDoc(doc, { environmentName: 'production' });
    deploy.attach({
      documents: { withDocument: async (_id, fn) => fn(doc) },
      options: {
        startupGraceMs: 0,
        backoffMs: 5,
        maxBackoffMs: 20,
        maxAttempts: 2,
        waitPollMs: 10,
        settleTimeoutMs: 200,
        drainTimeoutMs: 50,
      },
    });
    const userId = 'u1';
    db.insert(users)
      .values({ id: userId, email: 'a@example.test', name: 'A', passwordHash: 'x', emailVerifiedAt: null, createdAt: new Date() })
      .run();
    const teamId = services.teams.createPersonal(db, { id: userId, name: 'A' });
    actor = { userId, email: 'a@example.test', ip: null };
    environmentId = services.projects.create(actor, { name: 'Shop', teamId }).environments[0].id;
    deploy.start();
  });

  afterEach(async () => {
    await deploy.close();
    db.$client.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const gitWeb = (fields: Partial<NodeInit> = {}): NodeInit =>
    ({
      kind: 'service',
      name: 'web',
      source: { type: 'git', repo: 'file:///srv/web.git', branch: 'main', path: 'app/', dockerfile: './Dockerfile' },
      ports: [{ port: 8080, public: true }],
      healthcheck: { path: '/' },
      ...fields,
    } as NodeInit);

  async function commit(): Promise<string> {
    const { deployment } = await deploy.commits.commit(actor, environmentId, {});
    return deployment!.id;
  }

  async function settled(id: string) {
    return waitFor(
      () => {
        const d = deploy.store.getDeployment(id)!;
        return d.status !== 'queued' && d.status !== 'running' ? d : null;
      },
      5_000,
      `deployment ${id} to end`,
    );
  }

  const runs = () => hub.tasks.filter((t) => t.task.spec.kind === 'run');
  const removals = () => hub.tasks.filter((t) => t.task.spec.kind === 'stop' || t.task.spec.kind === 'remove');

  it('builds a git-sourced service, streams its log as deployment events, then runs the image on the node that built it', async () => {
    hub.addNode('n2');
    addService(doc, gitWeb());
    const id = await commit();
    expect((await settled(id)).status).toBe('succeeded');

    expect(hub.builds).toHaveLength(1);
    const { spec, nodeId } = hub.builds[0];
    expect(spec.source).toEqual({ repo: 'file:///srv/web.git', ref: 'main', rootDir: 'app', dockerfilePath: 'Dockerfile' });
    expect(spec.tag).toMatch(/^containr\/shop[a-z0-9-]*\/web$/);
    expect(spec.baseImages.node).toBe('mirror.local/node');
    const [run] = runs();
    expect(run.nodeId).toBe(nodeId);
    expect((run.task.spec as { container: { image: string } }).container.image).toBe(`${spec.tag}:${'c'.repeat(40)}`);

    const events = deploy.store.events(id);
    const types = events.map((e) => e.type);
    expect(types.indexOf('build.queued')).toBeLessThan(types.indexOf('build.started'));
    expect(events.filter((e) => e.type === 'build.log').map((e) => e.message)).toEqual(hub.lines);
    expect(types.indexOf('build.succeeded')).toBeLessThan(types.findIndex((t) => t === 'step.started'));

    const [build] = deploy.builds.store.list({ environmentId });
    expect(build).toMatchObject({ status: 'succeeded', trigger: 'manual', commit: 'c'.repeat(40), runtime: 'dockerfile', nodeId });
    expect(build.log.split('\n')).toEqual(hub.lines);
  });

  it('shows the service as building while its build runs', async () => {
    hub.auto = null;
    const id = addService(doc, gitWeb());
    await commit();
    await waitFor(() => hub.builds.length === 1, 2_000, 'the build task');
    expect(deploy.reconciler.status(environmentId)!.services.find((s) => s.serviceId === id)!.state).toBe('building');
    hub.builds[0].finish({ ok: true });
  });

  it('a failed build fails the deployment with the reason and stops nothing that runs', async () => {
    const serviceId = addService(doc, gitWeb());
    const first = await commit();
    expect((await settled(first)).status).toBe('succeeded');
    const running = hub.containers();
    expect(running).toHaveLength(1);

    hub.auto = { ok: false, error: 'build step failed: RUN npm ci returned 1' };
    setVariable(doc, serviceId, 'COLOR', 'blue');
    const second = await commit();
    const failed = await settled(second);
    expect(failed.status).toBe('failed');
    expect(failed.reason).toBe('build of web failed: build step failed: RUN npm ci returned 1');
    expect(deploy.store.events(second).some((e) => e.type === 'build.failed')).toBe(true);

    // The environment stays on the first deployment: a resync changes nothing.
    const before = hub.tasks.length;
    await deploy.reconciler.trigger(environmentId);
    await deploy.reconciler.idle();
    expect(hub.tasks.length).toBe(before);
    expect(removals()).toHaveLength(0);
    expect(hub.containers().map((c) => c.name)).toEqual(running.map((c) => c.name));
    expect(deploy.reconciler.status(environmentId)!.deployment!.id).toBe(first);
  });

  it('a newer deployment supersedes one still building: its build is cancelled on the agent', async () => {
    hub.auto = null;
    const serviceId = addService(doc, gitWeb());
    const first = await commit();
    await waitFor(() => hub.builds.length === 1, 2_000, 'the first build');
    setVariable(doc, serviceId, 'COLOR', 'blue');
    const second = await commit();
    await waitFor(() => hub.builds.length === 2, 2_000, 'the second build');
    expect(hub.cancels).toEqual([hub.builds[0].spec.buildId]);
    expect(deploy.store.getDeployment(first)).toMatchObject({ status: 'cancelled', reason: 'superseded by a newer deployment' });
    hub.builds[1].finish({ ok: true });
    expect((await settled(second)).status).toBe('succeeded');
    const builds = deploy.builds.store.list({ environmentId });
    expect(builds.map((b) => b.status)).toEqual(['succeeded', 'cancelled']);
  });

  it('cancelling a deployment cancels its build; nothing runs', async () => {
    hub.auto = null;
    addService(doc, gitWeb());
    const id = await commit();
    await waitFor(() => hub.builds.length === 1, 2_000, 'the build');
    deploy.commits.cancel(actor, id);
    await waitFor(() => hub.cancels.length === 1, 2_000, 'the cancel-build task');
    await waitFor(() => deploy.builds.store.list({ environmentId })[0].status === 'cancelled', 2_000, 'the build to be cancelled');
    await deploy.reconciler.idle();
    expect(runs()).toHaveLength(0);
  });

  it('reuses the image of an unchanged commit and keeps the container (same image, same spec)', async () => {
    addService(
      doc,
      gitWeb({ source: { type: 'git', repo: 'file:///srv/web.git', branch: 'main', commit: 'abcdef1234567' } } as Partial<NodeInit>),
    );
    expect((await settled(await commit())).status).toBe('succeeded');
    const [container] = hub.containers();
    hub.auto = { ok: true, build: { cached: true } };
    const again = deploy.commits.redeploy(actor, deploy.store.latestCommit(environmentId)!.id);
    expect((await settled(again.deployment.id)).status).toBe('succeeded');
    expect(hub.builds[1].spec.source.commit).toBe('abcdef1234567');
    expect(deploy.builds.store.list({ environmentId })[0]).toMatchObject({ status: 'succeeded', cached: true });
    expect(hub.containers().map((c) => c.id)).toEqual([container.id]);
    expect(deploy.store.events(again.deployment.id).find((e) => e.type === 'build.succeeded')!.message).toContain('reused image');
  });

  it('passes the deploy credentials from a secret, and never lets them into the log', async () => {
    services.secrets.put(actor, environmentId, 'GIT_TOKEN', 'ghp_supersecrettoken');
    hub.lines = ['fetching https://x-access-token:ghp_supersecrettoken@example.com/web.git', 'done'];
    addService(
      doc,
      gitWeb({
        source: { type: 'git', repo: 'https://example.com/web.git', branch: 'main', credentials: 'GIT_TOKEN' },
      } as Partial<NodeInit>),
    );
    const id = await commit();
    expect((await settled(id)).status).toBe('succeeded');
    expect(hub.builds[0].spec.credentials).toEqual({ kind: 'token', token: 'ghp_supersecrettoken' });
    const logged = deploy.store
      .events(id)
      .filter((e) => e.type === 'build.log')
      .map((e) => e.message);
    expect(logged[0]).toBe('fetching https://x-access-token:***@example.com/web.git');
    expect(deploy.builds.store.list({ environmentId })[0].log).not.toContain('supersecret');
  });

  it('refuses a commit whose credentials secret does not exist', async () => {
    addService(
      doc,
      gitWeb({ source: { type: 'git', repo: 'https://example.com/web.git', branch: 'main', credentials: 'NOPE' } } as Partial<NodeInit>),
    );
    await expect(commit()).rejects.toMatchObject({ code: 'VALIDATION', issues: [{ path: 'source.credentials' }] });
  });

  it('labels built containers like any other', async () => {
    addService(doc, gitWeb());
    await settled(await commit());
    expect(hub.containers()[0].labels[LABELS.managed]).toBe('true');
  });
});
