// SIGKILL the real server process in the middle of a deployment, start it
// again on the same data dir: it converges, with no duplicate or orphan
// container and no lost commit. The server runs its built-in local agent
// against DOCKER_HOST, so the agent dies with it, as on a one-machine install.
import Docker from 'dockerode';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { requireEngine } from '../../agent/testing';
import { addService, initDoc, type NodeInit } from '../../sync';
import { LABELS } from '../../sync/events';
import { connectEditor } from '../sync/test-clients';
import { client, createApiToken, signUp, spawnServer, waitFor, type ServerProcess } from '../test-utils';

const docker = new Docker();
const dataDir = mkdtempSync(join(tmpdir(), 'containr-crash-'));
const cleanups: (() => Promise<unknown> | unknown)[] = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

const ENV = { CONTAINR_LOCAL_AGENT: 'true', CONTAINR_RESYNC_S: '2', CONTAINR_AGENT_GRACE_S: '10' };

async function start(): Promise<ServerProcess> {
  const proc = await spawnServer(dataDir, ENV);
  cleanups.push(() => proc.kill('SIGKILL'));
  return proc;
}

const httpd = (name: string, port: number, fields: Partial<NodeInit> = {}): NodeInit =>
  ({
    kind: 'service',
    name,
    source: { type: 'image', image: 'containr/busybox:latest' },
    command: ['sh', '-c', `mkdir -p /www && echo ${name} > /www/index.html && exec httpd -f -p ${port} -h /www`],
    ports: [{ port }],
    healthcheck: { path: '/', port, intervalS: 0.5 },
    ...fields,
  }) as NodeInit;

it('converges after a SIGKILL mid-deploy: no duplicates, no orphans, no lost commit', async () => {
  await requireEngine(docker);
  let proc = await start();
  const session = await signUp(proc.url, 'Crash Tester');
  const token = await createApiToken(proc.url, session);
  let api = client(proc.url, { token });
  const project = await api('POST', '/api/projects', { name: `Crash ${Date.now().toString(36)}` });
  const projectId: string = project.body.project.id;
  const environmentId: string = project.body.environments[0].id;
  cleanups.push(() => removeProject(projectId));

  const editor = await connectEditor(proc.url, environmentId, token);
  initDoc(editor.doc, { environmentName: 'production' });
  addService(editor.doc, httpd('web', 8080, { replicas: 2 }));
  addService(editor.doc, httpd('api', 8081));
  // Healthy only after 4 s: the deployment is still running when the server dies.
  addService(
    editor.doc,
    httpd('slow', 9000, {
      command: ['sh', '-c', '(sleep 4 && touch /tmp/ready) & mkdir -p /www && exec httpd -f -p 9000 -h /www'],
      healthcheck: { command: ['test', '-f', '/tmp/ready'], intervalS: 0.5 },
    }),
  );
  // A second editor seeing all three means the server has stored them.
  const observer = await connectEditor(proc.url, environmentId, token);
  await waitFor(() => observer.doc.getMap('services').size === 3, 10_000, 'the edits stored');
  editor.destroy();
  observer.destroy();

  const commit = await api('POST', `/api/environments/${environmentId}/commits`, { message: 'three services' });
  expect(commit.status).toBe(201);
  const deploymentId: string = commit.body.deployment.id;
  await waitFor(async () => (await containers(environmentId)).length >= 1, 30_000, 'the first container');
  await proc.kill('SIGKILL');
  const leftBehind = await containers(environmentId);
  expect(leftBehind.length).toBeGreaterThanOrEqual(1);

  proc = await start();
  api = client(proc.url, { token });
  const done = await waitFor(
    async () => {
      const d = (await api('GET', `/api/deployments/${deploymentId}`)).body.deployment;
      if (d.status === 'failed') throw new Error(`failed: ${d.reason}`);
      return d.status === 'succeeded' ? d : null;
    },
    60_000,
    'the interrupted deployment to finish',
  );
  expect(done.status).toBe('succeeded');

  const after = await containers(environmentId);
  const slots = after.map((c) => `${c.Labels[LABELS.service]}/${c.Labels[LABELS.replica]}`);
  expect(after).toHaveLength(4); // web ×2, api, slow
  expect(new Set(slots).size).toBe(4); // no duplicate replica
  expect(after.every((c) => c.State === 'running')).toBe(true);
  expect(after.every((c) => c.Labels[LABELS.specHash])).toBe(true);
  const commits = (await api('GET', `/api/environments/${environmentId}/commits`)).body.commits;
  expect(commits.map((c: { message: string }) => c.message)).toEqual(['three services']);
  const deployments = (await api('GET', `/api/environments/${environmentId}/deployments`)).body.deployments;
  expect(deployments.map((d: { id: string; status: string }) => [d.id, d.status])).toEqual([[deploymentId, 'succeeded']]);
  await proc.kill('SIGTERM');
}, 180_000);

function containers(environmentId: string) {
  return docker.listContainers({ all: true, filters: { label: [`${LABELS.environment}=${environmentId}`] } });
}

async function removeProject(projectId: string): Promise<void> {
  const filters = { label: [`${LABELS.project}=${projectId}`] };
  for (const c of await docker.listContainers({ all: true, filters })) {
    await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
  }
  for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove().catch(() => undefined);
}
