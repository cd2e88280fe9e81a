// GET /api/overview against a real engine: a team's node runs a service that
// burns CPU and one that idles; the overview lists both with fresh samples,
// scoped to what the viewer may read, and answers 304 to an unchanged ETag.
import Docker from 'dockerode';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type Agent } from '../../agent/agent';
import { BUSYBOX, requireEngine } from '../../agent/testing';
import { addService, initDoc, type NodeInit } from '../../sync';
import { LABELS } from '../../sync/events';
import type { Overview, OverviewContainer } from '../metrics/overview';
import { client, createApiToken, signUp, startTestServer, waitFor, type Session, type TestServer } from '../test-utils';

const docker = new Docker();
let server: TestServer;
let owner: Session;
let api: ReturnType<typeof client>;
let agent: Agent;
let projectId = '';
let environmentId = '';
const stateDir = mkdtempSync(join(tmpdir(), 'containr-overview-agent-'));

beforeAll(async () => {
  await requireEngine(docker);
  server = await startTestServer({ deploy: { startupGraceMs: 0, resyncMs: 2_000, backoffMs: 200, waitPollMs: 200 } });
  await signUp(server.url, 'Instance Admin'); // the first account is the instance admin: keep it out of the way
  owner = await signUp(server.url, 'Overview Owner');
  api = client(server.url, { token: await createApiToken(server.url, owner) });
  const { token } = server.containr.agents.registerNode({ name: 'overview-node', teamId: owner.teamId });
  agent = startAgent({ server: server.url, token, name: 'overview-node', stateDir, docker, backoff: { initialMs: 50, maxMs: 500 } });
  await waitFor(() => agent.ready, 15_000, 'the agent to connect');

  const created = await api('POST', '/api/projects', { name: 'Overview shop' });
  projectId = created.body.project.id;
  environmentId = created.body.environments[0].id;
  await server.containr.sync.documents.withDocument(environmentId, (doc) => {
    initDoc(doc, { environmentName: 'production' });
    const service = (name: string, command: string[]) =>
      addService(doc, { kind: 'service', name, source: { type: 'image', image: BUSYBOX }, command } as NodeInit);
    service('burner', ['sh', '-c', 'while :; do :; done']);
    service('idler', ['sleep', '3600']);
  });
  const commit = await api('POST', `/api/environments/${environmentId}/commits`, { message: 'two services' });
  expect(commit.status).toBe(201);
  await waitFor(
    async () => {
      const d = (await api('GET', `/api/deployments/${commit.body.deployment.id}`)).body.deployment;
      if (d.status === 'failed') throw new Error(`deployment failed: ${d.reason}`);
      return d.status === 'succeeded';
    },
    60_000,
    'the deployment',
  );
}, 90_000);

afterAll(async () => {
  await agent?.close();
  await server?.close();
  if (projectId) {
    const filters = { label: [`${LABELS.project}=${projectId}`] };
    for (const c of await docker.listContainers({ all: true, filters })) {
      await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
    }
    for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove().catch(() => undefined);
  }
  rmSync(stateDir, { recursive: true, force: true });
}, 60_000);

const byService = (overview: Overview, name: string): OverviewContainer | undefined => overview.containers.find((c) => c.serviceName === name);

describe('GET /api/overview', () => {
  it('lists the node and its containers with names, state and fresh samples; the burner uses CPU', async () => {
    const overview = await waitFor(
      async () => {
        const res = await api('GET', '/api/overview');
        expect(res.status).toBe(200);
        const body = res.body as Overview;
        const burner = byService(body, 'burner');
        return burner?.sample && burner.sample.cpuPercent > 20 && byService(body, 'idler')?.sample ? body : null;
      },
      20_000,
      'samples of both containers, the burner busy',
    );
    expect(overview.nodes).toEqual([
      expect.objectContaining({ name: 'overview-node', status: 'ready', team: "Overview Owner's team", containers: 2, running: 2 }),
    ]);
    expect(overview.nodes[0].cpuPercent).toBeGreaterThan(20);
    expect(overview.nodes[0].memoryUsedBytes).toBeGreaterThan(0);
    const burner = byService(overview, 'burner')!;
    expect(burner).toMatchObject({
      projectId,
      projectName: 'Overview shop',
      environmentId,
      environmentName: 'production',
      nodeName: 'overview-node',
      state: 'running',
      image: BUSYBOX,
    });
    expect(burner.startedAt).toBeGreaterThan(Date.now() - 120_000);
    const idler = byService(overview, 'idler')!;
    expect(idler.sample!.cpuPercent).toBeLessThan(burner.sample!.cpuPercent);
    expect(idler.sample!.memoryBytes).toBeGreaterThan(0);
  });

  it('answers 304 when nothing changed since the ETag, and sends no-cache', async () => {
    const first = await fetch(`${server.url}/api/overview`, { headers: { cookie: owner.cookie } });
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toContain('no-cache');
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await fetch(`${server.url}/api/overview`, { headers: { cookie: owner.cookie, 'if-none-match': etag! } });
    // Samples arrive every second: the same tag means 304, a new one a fresh body with a new tag.
    if (again.status === 200) expect(again.headers.get('etag')).not.toBe(etag);
    else expect(again.status).toBe(304);
    const stale = await fetch(`${server.url}/api/overview`, { headers: { cookie: owner.cookie, 'if-none-match': '"not-the-tag"' } });
    expect(stale.status).toBe(200);
  });

  it('shows another team neither the node nor the containers, and refuses anonymous callers', async () => {
    const stranger = await signUp(server.url, 'Stranger');
    const theirs = await client(server.url, { cookie: stranger.cookie })('GET', '/api/overview');
    expect(theirs.status).toBe(200);
    expect(theirs.body).toEqual({ now: expect.any(Number), nodes: [], containers: [] });
    const anonymous = await client(server.url)('GET', '/api/overview');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('NOT_AUTHENTICATED');
  });

  it('lets a viewer of the team read it, but hides a project restricted to other members', async () => {
    const viewer = await signUp(server.url, 'Team Viewer');
    // Straight into the team: the invitation flow is tested elsewhere.
    server.containr.services.db.$client
      .prepare('INSERT INTO team_members (team_id, user_id, role, created_at) VALUES (?, ?, ?, ?)')
      .run(owner.teamId, viewer.user.id, 'viewer', Date.now());
    const asViewer = client(server.url, { cookie: viewer.cookie });
    const seen = (await asViewer('GET', '/api/overview')).body as Overview;
    expect(seen.nodes.map((n) => n.name)).toEqual(['overview-node']);
    expect(seen.containers.map((c) => c.serviceName).sort()).toEqual(['burner', 'idler']);

    const restricted = await api('PUT', `/api/projects/${projectId}/members`, { userIds: [owner.user.id] });
    expect(restricted.status).toBe(200);
    const hidden = (await asViewer('GET', '/api/overview')).body as Overview;
    expect(hidden.nodes.map((n) => n.name)).toEqual(['overview-node']);
    expect(hidden.containers).toEqual([]);
  });
});
