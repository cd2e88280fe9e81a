// End to end on the real engine (DOCKER_HOST): commits deploy through the
// reconciler and real agents; services reach each other by name; the router
// serves the public URL and keeps serving through a redeploy; a lost node's
// services move and come back clean.
import Docker from 'dockerode';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type Agent } from '../../agent/agent';
import { requireEngine } from '../../agent/testing';
import { addService, addEdge, initDoc, setVariable, type NodeInit } from '../../sync';
import { LABELS } from '../../sync/events';
import { client, signUp, startTestServer, waitFor, type TestServer } from '../test-utils';

const docker = new Docker();
const projectIds = new Set<string>();
const agents: Agent[] = [];
let server: TestServer;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  await requireEngine(docker);
  server = await startTestServer({ deploy: { startupGraceMs: 0, resyncMs: 2_000, backoffMs: 200, waitPollMs: 200 } });
  api = client(server.url, { cookie: (await signUp(server.url, 'Deployer')).cookie });
}, 60_000);

afterAll(async () => {
  for (const agent of agents) await agent.close();
  await server?.close();
  await removeProjects([...projectIds]);
}, 60_000);

export async function removeProjects(ids: string[]): Promise<void> {
  for (const id of ids) {
    const filters = { label: [`${LABELS.project}=${id}`] };
    for (const c of await docker.listContainers({ all: true, filters })) {
      await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
    }
    for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove().catch(() => undefined);
    const { Volumes } = await docker.listVolumes({ filters });
    for (const v of Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => undefined);
  }
}

function addAgent(name: string, token?: string): { agent: Agent; token: string; nodeId: string | null } {
  const identity = token ? { token, nodeId: null } : server.containr.agents.registerNode({ name, teamId: null });
  const agent = startAgent({ server: server.url, token: identity.token, name, stateDir: null, streams: false });
  agents.push(agent);
  return { agent, token: identity.token, nodeId: identity.nodeId };
}

async function newEnvironment(): Promise<{ projectId: string; environmentId: string; slug: string }> {
  const res = await api('POST', '/api/projects', { name: `Engine ${Math.random().toString(36).slice(2, 8)}` });
  expect(res.status).toBe(201);
  projectIds.add(res.body.project.id);
  return { projectId: res.body.project.id, environmentId: res.body.environments[0].id, slug: res.body.project.slug };
}

const BUSYBOX = 'containr/busybox:latest';

/** busybox httpd on 8080 answering $GREETING, with /cgi-bin/db fetching $DB_URL from inside the container. */
const web = (fields: Partial<NodeInit> = {}): NodeInit =>
  ({
    kind: 'service',
    name: 'web',
    source: { type: 'image', image: BUSYBOX },
    command: [
      'sh',
      '-c',
      'mkdir -p /www/cgi-bin && echo "$GREETING" > /www/index.html && ' +
        // The CGI answers with CRLF line ends: Node's HTTP parser (and so the router) refuses bare LF.
        'printf \'#!/bin/sh\\nprintf "Content-Type: text/plain\\\\r\\\\n\\\\r\\\\n"\\nwget -qO- "$DB_URL"\\n\' > /www/cgi-bin/db && ' +
        'chmod +x /www/cgi-bin/db && exec httpd -f -p 8080 -h /www',
    ],
    ports: [{ port: 8080, public: true }],
    variables: { GREETING: 'hello v1', DB_URL: 'http://${{ db.HOST }}:${{ db.PORT }}/' },
    healthcheck: { path: '/', port: 8080, intervalS: 0.5 },
    ...fields,
  }) as NodeInit;

const db = (): NodeInit =>
  ({
    kind: 'database',
    name: 'db',
    source: { type: 'image', image: BUSYBOX },
    command: ['sh', '-c', 'mkdir -p /www && echo "db says hi" > /www/index.html && exec httpd -f -p 5432 -h /www'],
    ports: [{ port: 5432 }],
    healthcheck: { path: '/', port: 5432, intervalS: 0.5 },
  }) as NodeInit;

function edit<T>(environmentId: string, fn: (doc: Parameters<Parameters<TestServer['containr']['sync']['documents']['withDocument']>[1]>[0]) => T) {
  return server.containr.sync.documents.withDocument(environmentId, fn);
}

/** A GET through the router: the server's port with the service's Host header. */
function viaRouter(host: string, path = '/'): Promise<{ status: number; body: string }> {
  const port = new URL(server.url).port;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host }, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(5_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function deployed(deploymentId: string, timeoutMs = 60_000) {
  return waitFor(
    async () => {
      const res = await api('GET', `/api/deployments/${deploymentId}`);
      const d = res.body.deployment;
      if (d.status === 'failed') throw new Error(`deployment failed: ${d.reason}`);
      return d.status === 'succeeded' ? d : null;
    },
    timeoutMs,
    `deployment ${deploymentId} to succeed`,
  );
}

async function containersOf(environmentId: string) {
  return docker.listContainers({ all: true, filters: { label: [`${LABELS.environment}=${environmentId}`] } });
}

describe('deploying on the engine', () => {
  it('deploys web and db: web reaches db by name, the URL answers through the router, and a redeploy drops no request', async () => {
    const node = addAgent('engine-a');
    await waitFor(() => node.agent.ready, 15_000, 'the agent to connect');
    const { environmentId, slug } = await newEnvironment();
    const host = `web-production.${slug}.localhost`;
    const ids = await edit(environmentId, (doc) => {
      initDoc(doc, { environmentName: 'production' });
      const dbId = addService(doc, db());
      const webId = addService(doc, web());
      addEdge(doc, { from: webId, to: dbId });
      return { dbId, webId };
    });

    const first = await api('POST', `/api/environments/${environmentId}/commits`, { message: 'web and db' });
    expect(first.status).toBe(201);
    await deployed(first.body.deployment.id);

    const status = await api('GET', `/api/environments/${environmentId}/status`);
    const webStatus = status.body.services.find((s: { name: string }) => s.name === 'web');
    expect(webStatus).toMatchObject({ state: 'running', replicas: { desired: 1, running: 1 }, url: `http://${host}:${new URL(server.url).port}` });
    expect(webStatus.containers[0]).toMatchObject({ state: 'running', health: 'healthy', current: true });

    expect(await viaRouter(host)).toEqual({ status: 200, body: 'hello v1\n' });
    // From inside web, db by its service name on the environment network.
    expect(await viaRouter(host, '/cgi-bin/db')).toEqual({ status: 200, body: 'db says hi\n' });

    const network = await docker.getNetwork(`containr-${environmentId}`).inspect();
    expect(Object.keys(network.Containers ?? {})).toHaveLength(2);

    // Redeploy with a new variable while a client requests the URL continuously.
    const results = { ok: 0, failed: [] as string[], bodies: new Set<string>() };
    let stop = false;
    const hammer = async () => {
      while (!stop) {
        try {
          const res = await viaRouter(host);
          if (res.status === 200) {
            results.ok++;
            results.bodies.add(res.body);
          } else results.failed.push(`${res.status} ${res.body.slice(0, 80)}`);
        } catch (error) {
          results.failed.push(String(error));
        }
      }
    };
    const clients = [hammer(), hammer()];
    await waitFor(() => results.ok > 20, 10_000, 'the clients to get going');
    await edit(environmentId, (doc) => setVariable(doc, ids.webId, 'GREETING', 'hello v2'));
    const second = await api('POST', `/api/environments/${environmentId}/commits`, { message: 'v2' });
    expect(second.status).toBe(201);
    expect(second.body.diff.changed).toEqual([
      expect.objectContaining({ name: 'web', changes: [{ path: 'variables.GREETING', before: 'hello v1', after: 'hello v2' }] }),
    ]);
    await deployed(second.body.deployment.id);
    await waitFor(() => results.bodies.has('hello v2\n'), 10_000, 'v2 to answer');
    const okBefore = results.ok;
    await waitFor(() => results.ok > okBefore + 20, 10_000, 'more requests after the switch');
    stop = true;
    await Promise.all(clients);

    expect(results.failed).toEqual([]);
    expect(results.bodies).toEqual(new Set(['hello v1\n', 'hello v2\n']));
    expect(results.ok).toBeGreaterThan(50);
    const live = await containersOf(environmentId);
    expect(live.map((c) => c.Labels[LABELS.service]).sort()).toEqual([ids.dbId, ids.webId].sort());

    const events = (await api('GET', `/api/deployments/${second.body.deployment.id}`)).body.deployment.events;
    const kinds = events.filter((e: { type: string }) => e.type === 'step.succeeded').map((e: { details: { kind: string } }) => e.details.kind);
    expect(kinds).toEqual(['run', 'switch-route', 'remove']);
  }, 120_000);

  it('moves the services of a lost node to another within 30 s, and removes the stale ones when it returns', async () => {
    const a = addAgent('engine-b1');
    const b = addAgent('engine-b2');
    await waitFor(() => a.agent.ready && b.agent.ready, 15_000, 'both agents');
    const { environmentId, slug } = await newEnvironment();
    const host = `web-production.${slug}.localhost`;
    await edit(environmentId, (doc) => {
      initDoc(doc, { environmentName: 'production' });
      addService(doc, web({ variables: { GREETING: 'failover', DB_URL: 'http://nowhere/' } }));
    });
    const commit = await api('POST', `/api/environments/${environmentId}/commits`, {});
    await deployed(commit.body.deployment.id);
    const [placed] = await containersOf(environmentId);
    const home = placed.Labels[LABELS.node] === a.nodeId ? a : b;
    const other = home === a ? b : a;

    const killedAt = Date.now();
    await home.agent.close();
    await waitFor(() => server.containr.agents.node(home.nodeId!)?.status === 'lost', 15_000, 'the node to be lost');
    const lostAfterS = (Date.now() - killedAt) / 1000;
    await waitFor(
      async () => (await containersOf(environmentId)).some((c) => c.Labels[LABELS.node] === other.nodeId && c.State === 'running'),
      30_000,
      'web on the other node',
    );
    const movedAfterS = (Date.now() - killedAt) / 1000;
    expect(lostAfterS).toBeLessThan(12); // 10 s without a heartbeat, checked every second
    expect(movedAfterS).toBeLessThan(30);
    await waitFor(async () => (await viaRouter(host)).body === 'failover\n', 15_000, 'the URL to answer from the other node');

    // The node comes back with its old container still running: it is removed, the moved one stays.
    addAgent('engine-b1-again', home.token);
    await waitFor(async () => {
      const list = await containersOf(environmentId);
      return list.length === 1 && list[0].Labels[LABELS.node] === other.nodeId;
    }, 30_000, 'the stale container removed');
    expect((await viaRouter(host)).body).toBe('failover\n');
    process.stdout.write(`node lost after ${lostAfterS.toFixed(1)} s; service running elsewhere after ${movedAfterS.toFixed(1)} s\n`);
  }, 120_000);

  it('removes the containers of a deleted project from a node that was away during the teardown', async () => {
    // Only the new node may take the service: the earlier tests' nodes go away first.
    for (const agent of agents.splice(0)) await agent.close();
    await waitFor(() => server.containr.agents.nodes().every((n) => !n.connected), 15_000, 'the earlier agents to disconnect');
    const away = addAgent('engine-c1');
    await waitFor(() => away.agent.ready, 15_000, 'the agent');
    const { projectId, environmentId } = await newEnvironment();
    await edit(environmentId, (doc) => {
      initDoc(doc, { environmentName: 'production' });
      addService(doc, db());
    });
    const commit = await api('POST', `/api/environments/${environmentId}/commits`, {});
    await deployed(commit.body.deployment.id);
    const [placed] = await containersOf(environmentId);
    expect(placed.Labels[LABELS.node]).toBe(away.nodeId);

    await away.agent.close();
    await waitFor(() => server.containr.agents.node(away.nodeId!)?.status !== 'ready', 15_000, 'the node to go away');
    expect((await api('DELETE', `/api/projects/${projectId}`)).status).toBe(204);
    expect(await containersOf(environmentId)).toHaveLength(1); // nobody could remove it

    addAgent('engine-c1-again', away.token);
    await waitFor(async () => (await containersOf(environmentId)).length === 0, 30_000, 'the leftover container removed');
  }, 120_000);
});
