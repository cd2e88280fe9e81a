// Previews on the real engine (DOCKER_HOST): once a preview's TTL passes, the
// sweeper removes its containers, network and volumes, deletes it and mails
// its owner, also when the expiry passed while the server was down.
import Docker from 'dockerode';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type Agent } from '../../agent/agent';
import { requireEngine } from '../../agent/testing';
import { addService, initDoc, type NodeInit } from '../../sync';
import { LABELS } from '../../sync/events';
import { client, signUp, startTestServer, waitFor, type TestServer } from '../test-utils';

const docker = new Docker();
const dataDir = mkdtempSync(join(tmpdir(), 'containr-previews-'));
const projectIds = new Set<string>();
const agents: Agent[] = [];
const servers: TestServer[] = [];
let cookie: string | undefined;

const SWEEP = { CONTAINR_PREVIEW_SWEEP_S: '1' };
// `sleep` as PID 1 ignores SIGTERM: a short stop timeout keeps teardowns quick.
const TIMINGS = { resyncMs: 2_000, backoffMs: 200, waitPollMs: 200, stopTimeoutS: 1 };

beforeAll(async () => {
  await requireEngine(docker);
}, 60_000);

afterAll(async () => {
  for (const agent of agents) await agent.close();
  for (const server of servers) await server.close();
  for (const id of projectIds) {
    const filters = { label: [`${LABELS.project}=${id}`] };
    for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
    for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove().catch(() => undefined);
    for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => undefined);
  }
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

/** A server on `dir` (else a fresh data dir of its own), with an account whose session outlives restarts. */
async function start(deploy: { startupGraceMs: number }, dir?: string): Promise<TestServer> {
  const server = await startTestServer({ dataDir: dir, env: SWEEP, deploy: { ...TIMINGS, ...deploy } });
  servers.push(server);
  if (!dir || !cookie) cookie = (await signUp(server.url, 'Preview Owner')).cookie;
  return server;
}

function addAgent(server: TestServer, name: string, token?: string): { agent: Agent; token: string } {
  const identity = token ? { token } : server.containr.agents.registerNode({ name, teamId: null });
  const agent = startAgent({ server: server.url, token: identity.token, name, stateDir: null, streams: false });
  agents.push(agent);
  return { agent, token: identity.token };
}

/** Everything of the environment the engine holds: containers, networks and volumes carrying its label. */
async function engineObjects(environmentId: string) {
  const filters = { label: [`${LABELS.environment}=${environmentId}`] };
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  return { containers: containers.length, networks: networks.length, volumes: volumes.Volumes?.length ?? 0 };
}

const worker: NodeInit = {
  kind: 'service',
  name: 'web',
  source: { type: 'image', image: 'containr/busybox:latest' },
  command: ['sh', '-c', 'echo up > /data/up && exec sleep 3600'],
  volumes: [{ name: 'data', mountPath: '/data' }],
} as NodeInit;

/** A project with `web` on production, forked into a deployed preview. */
async function deployedPreview(server: TestServer, name: string) {
  const api = client(server.url, { cookie });
  const project = await api('POST', '/api/projects', { name: `Previews ${Math.random().toString(36).slice(2, 8)}` });
  projectIds.add(project.body.project.id);
  const productionId = project.body.environments[0].id as string;
  await server.containr.sync.documents.withDocument(productionId, (doc) => {
    initDoc(doc, { environmentName: 'production' });
    addService(doc, worker);
  });
  const created = await api('POST', `/api/projects/${project.body.project.id}/environments`, { name, from: productionId, preview: true, ttlHours: 1 });
  expect(created.status).toBe(201);
  const previewId = created.body.environment.id as string;
  const commit = await api('POST', `/api/environments/${previewId}/commits`, { message: 'preview' });
  expect(commit.status).toBe(201);
  await waitFor(
    async () => {
      const d = (await api('GET', `/api/deployments/${commit.body.deployment.id}`)).body.deployment;
      if (d.status === 'failed') throw new Error(`deployment failed: ${d.reason}`);
      return d.status === 'succeeded';
    },
    60_000,
    'the preview to deploy',
  );
  expect(await engineObjects(previewId)).toEqual({ containers: 1, networks: 1, volumes: 1 });
  return { api, previewId, projectId: project.body.project.id as string };
}

describe('expired previews on the engine', () => {
  it('are torn down (containers, network, volumes), deleted, and their owner is mailed', async () => {
    const server = await start({ startupGraceMs: 0 });
    const { agent } = addAgent(server, 'previews-a');
    await waitFor(() => agent.ready, 15_000, 'the agent to connect');
    const { api, previewId } = await deployedPreview(server, 'pr-7');

    // Extending to one second from now is also how a TTL is shortened.
    expect((await api('PATCH', `/api/environments/${previewId}`, { ttlHours: 1 / 3600 })).status).toBe(200);
    await waitFor(async () => (await api('GET', `/api/environments/${previewId}`)).status === 404, 30_000, 'the preview to be deleted');
    expect(await engineObjects(previewId)).toEqual({ containers: 0, networks: 0, volumes: 0 });
    const mail = server.containr.services.mailer.list().find((m) => m.subject.includes('pr-7'));
    expect(mail?.text).toContain('containers, network and volumes were removed');
    await agent.close();
    await server.close();
    servers.splice(servers.indexOf(server), 1);
  }, 120_000);

  it('are torn down after a restart when they expired while the server was down', async () => {
    cookie = undefined;
    const first = await start({ startupGraceMs: 0 }, dataDir);
    const { agent, token } = addAgent(first, 'previews-b');
    await waitFor(() => agent.ready, 15_000, 'the agent to connect');
    const { api: before, previewId } = await deployedPreview(first, 'pr-8');
    // A TTL of seconds, and the server stops before it runs out.
    const shortened = await before('PATCH', `/api/environments/${previewId}`, { ttlHours: 10 / 3600 });
    expect(shortened.status).toBe(200);
    const expiresAt = Date.parse(shortened.body.environment.expiresAt);
    await agent.close();
    await first.close();
    servers.splice(servers.indexOf(first), 1);
    expect(Date.now()).toBeLessThan(expiresAt);

    // The expiry passes while nothing runs.
    await waitFor(() => Date.now() > expiresAt, 15_000, 'the TTL to run out');
    expect(await engineObjects(previewId)).toEqual({ containers: 1, networks: 1, volumes: 1 });

    // The grace makes the reconciler (and so the sweeper) wait for the agent's inventory.
    const second = await start({ startupGraceMs: 30_000 }, dataDir);
    addAgent(second, 'previews-b', token);
    const api = client(second.url, { cookie });
    await waitFor(async () => (await api('GET', `/api/environments/${previewId}`)).status === 404, 45_000, 'the preview to be deleted');
    expect(await engineObjects(previewId)).toEqual({ containers: 0, networks: 0, volumes: 0 });
    expect(second.containr.services.mailer.list().some((m) => m.subject.includes('pr-8'))).toBe(true);
  }, 150_000);

  it('deleting a preview in the middle of a deploy cancels the deploy (audit-logged) and removes what it started', async () => {
    const server = await start({ startupGraceMs: 0 });
    const { agent } = addAgent(server, 'previews-c');
    await waitFor(() => agent.ready, 15_000, 'the agent to connect');
    const api = client(server.url, { cookie });
    const project = await api('POST', '/api/projects', { name: `Previews ${Math.random().toString(36).slice(2, 8)}` });
    projectIds.add(project.body.project.id);
    const created = await api('POST', `/api/projects/${project.body.project.id}/environments`, { name: 'pr-9', preview: true });
    const previewId = created.body.environment.id as string;
    await server.containr.sync.documents.withDocument(previewId, (doc) => {
      initDoc(doc, { environmentName: 'pr-9' });
      // Healthy only after a few seconds: the deployment is still running when the preview is deleted.
      addService(doc, {
        ...worker,
        command: ['sh', '-c', 'sleep 4; touch /tmp/ready; exec sleep 3600'],
        healthcheck: { command: ['test', '-f', '/tmp/ready'], intervalS: 1 },
      } as NodeInit);
    });
    const commit = await api('POST', `/api/environments/${previewId}/commits`, {});
    expect(commit.status).toBe(201);
    await waitFor(async () => (await engineObjects(previewId)).containers > 0, 30_000, 'the deploy to start a container');
    expect((await api('GET', `/api/deployments/${commit.body.deployment.id}`)).body.deployment.status).toBe('running');

    expect((await api('DELETE', `/api/environments/${previewId}`)).status).toBe(204);
    // The deployment ended cancelled; its row went with the environment, the audit log keeps it.
    const audit = await api('GET', `/api/audit?projectId=${project.body.project.id}&action=deployment.cancel`);
    expect(audit.body.entries).toEqual([
      expect.objectContaining({ action: 'deployment.cancel', targetId: commit.body.deployment.id, actorId: null }),
    ]);
    expect(audit.body.entries[0].details).toMatchObject({ environmentId: previewId, environmentName: 'pr-9', reason: 'the environment was deleted' });
    await waitFor(async () => {
      const left = await engineObjects(previewId);
      return left.containers + left.networks + left.volumes === 0;
    }, 30_000, 'the preview to be torn down');
    await server.containr.services.deploy.reconciler.idle();
    // Nothing brings it back: no pass runs for it any more.
    await server.containr.services.deploy.reconciler.trigger(previewId);
    expect(await engineObjects(previewId)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  }, 120_000);
});
