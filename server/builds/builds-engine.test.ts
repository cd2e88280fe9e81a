// Builds from git end to end on the real engine (DOCKER_HOST) with a real agent
// and real git repositories made here: a repo with a Dockerfile deploys and
// serves through the router; a Node repo without one is detected and answers;
// a failing build leaves the old version serving, and so does a cancelled one;
// a signed push webhook deploys the pushed commit, unsigned, badly signed and
// replayed ones are refused; a PR webhook makes the preview `pr-<n>` and a close removes it.
import Docker from 'dockerode';
import type * as Y from 'yjs';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type Agent } from '../../agent/agent';
import { requireEngine } from '../../agent/testing';
import { addService, setVariable, type NodeInit } from '../../sync';
import { LABELS } from '../../sync/events';
import { client, signUp, startTestServer, waitFor, type TestServer } from '../test-utils';
import { githubPullRequest, githubPush, gitRepo, nodeFiles, siteFiles } from './test-repos';
import { githubSignature } from './webhooks';

const docker = new Docker();
const projectIds = new Set<string>();
let server: TestServer;
let agent: Agent;
let api: ReturnType<typeof client>;
let root: string;

beforeAll(async () => {
  await requireEngine(docker);
  root = mkdtempSync(join(tmpdir(), 'containr-builds-engine-'));
  server = await startTestServer({ deploy: { startupGraceMs: 0, resyncMs: 2_000, backoffMs: 200, waitPollMs: 200 } });
  api = client(server.url, { cookie: (await signUp(server.url, 'Builder')).cookie });
  const identity = server.containr.agents.registerNode({ name: 'builder', teamId: null });
  agent = startAgent({
    server: server.url,
    token: identity.token,
    name: 'builder',
    stateDir: null,
    streams: false,
    builds: { workDir: join(root, 'work') },
  });
  await waitFor(() => agent.ready, 20_000, 'the agent to connect');
  await waitFor(() => server.containr.agents.nodes().some((n) => n.status === 'ready'), 20_000, 'the node to be ready');
}, 60_000);

afterAll(async () => {
  await agent?.close();
  await server?.close();
  for (const id of projectIds) {
    const filters = { label: [`${LABELS.project}=${id}`] };
    for (const c of await docker.listContainers({ all: true, filters }))
      await docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined);
    for (const n of await docker.listNetworks({ filters }))
      await docker
        .getNetwork(n.Id)
        .remove()
        .catch(() => undefined);
  }
  // Images the builds made (tagged containr/<project slug>/<service>).
  for (const image of await docker.listImages()) {
    if ((image.RepoTags ?? []).some((t) => [...slugs].some((s) => t.startsWith(`containr/${s}/`)))) {
      await docker
        .getImage(image.Id)
        .remove({ force: true })
        .catch(() => undefined);
    }
  }
  if (root) rmSync(root, { recursive: true, force: true });
}, 60_000);

const slugs = new Set<string>();

async function newProject(): Promise<{ projectId: string; environmentId: string }> {
  const res = await api('POST', '/api/projects', { name: `Builds ${randomUUID().slice(0, 6)}` });
  expect(res.status).toBe(201);
  projectIds.add(res.body.project.id);
  slugs.add(res.body.project.slug);
  return { projectId: res.body.project.id, environmentId: res.body.environments[0].id };
}

function edit<T>(environmentId: string, fn: (doc: Y.Doc) => T): Promise<T> {
  return server.containr.sync.documents.withDocument(environmentId, fn);
}

const gitService = (repo: string, fields: Partial<NodeInit> = {}): NodeInit =>
  ({
    kind: 'service',
    name: 'web',
    source: { type: 'git', repo, branch: 'main' },
    ports: [{ port: 8080, public: true }],
    healthcheck: { path: '/', port: 8080, intervalS: 0.5 },
    ...fields,
  } as NodeInit);

async function commit(environmentId: string): Promise<string> {
  const res = await api('POST', `/api/environments/${environmentId}/commits`, { message: 'deploy' });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.deployment.id;
}

async function ended(deploymentId: string, timeoutMs = 120_000) {
  return waitFor(
    async () => {
      const d = (await api('GET', `/api/deployments/${deploymentId}`)).body.deployment;
      return d.status === 'queued' || d.status === 'running' ? null : d;
    },
    timeoutMs,
    `deployment ${deploymentId} to end`,
  );
}

async function urlOf(environmentId: string, name = 'web'): Promise<string> {
  const status = (await api('GET', `/api/environments/${environmentId}/status`)).body;
  return status.services.find((s: { name: string }) => s.name === name).url;
}

/** A GET through the router: the server's port with the service URL's Host header. */
function viaRouter(url: string): Promise<{ status: number; body: string }> {
  const port = new URL(server.url).port;
  const host = new URL(url).host;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host }, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(5_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function serves(environmentId: string, text: string, timeoutMs = 30_000) {
  const url = await urlOf(environmentId);
  return waitFor(async () => (await viaRouter(url)).body.includes(text), timeoutMs, `${url} to answer "${text}"`);
}

function hook(
  provider: 'github',
  projectId: string,
  event: string,
  payload: unknown,
  opts: { secret?: string; delivery?: string; signature?: string } = {},
) {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-github-event': event };
  if (opts.delivery !== undefined) headers['x-github-delivery'] = opts.delivery;
  if (opts.signature !== undefined) headers['x-hub-signature-256'] = opts.signature;
  else if (opts.secret) headers['x-hub-signature-256'] = githubSignature(opts.secret, body);
  return client(server.url)('POST', `/api/hooks/${provider}?project=${projectId}`, body, headers);
}

describe('builds from git', () => {
  it('deploys a repo with a Dockerfile; a failing build leaves it serving; a signed push deploys the new commit', async () => {
    const repo = gitRepo(root, 'site', siteFiles('hello v1'));
    const { projectId, environmentId } = await newProject();
    const serviceId = await edit(environmentId, (doc) => addService(doc, gitService(repo.url)));
    const first = await ended(await commit(environmentId));
    expect(first.status, first.reason).toBe('succeeded');
    await serves(environmentId, 'hello v1');

    // The build is listed, with its log and the commit it built.
    const builds = (await api('GET', `/api/environments/${environmentId}/builds?serviceId=${serviceId}`)).body.builds;
    expect(builds).toHaveLength(1);
    expect(builds[0]).toMatchObject({ status: 'succeeded', commit: repo.first, runtime: 'dockerfile', trigger: 'manual' });
    const build = (await api('GET', `/api/builds/${builds[0].id}`)).body.build;
    expect(build.log).toMatch(/Step|FROM|COPY/);
    const events = (await api('GET', `/api/deployments/${first.id}`)).body.deployment.events;
    expect(events.some((e: { type: string }) => e.type === 'build.log')).toBe(true);

    // A failing build: the deployment fails with the reason, v1 keeps serving.
    repo.commit({ Dockerfile: 'FROM containr/busybox\nRUN echo "about to fail" && exit 3\n' }, 'break the build');
    await edit(environmentId, (doc) => setVariable(doc, serviceId, 'COLOR', 'blue'));
    const failed = await ended(await commit(environmentId));
    expect(failed.status).toBe('failed');
    expect(failed.reason).toMatch(/^build of web failed: build step failed/);
    expect((await viaRouter(await urlOf(environmentId))).body).toContain('hello v1');
    const failedEvents = (await api('GET', `/api/deployments/${failed.id}`)).body.deployment.events;
    expect(failedEvents.some((e: { type: string; message: string }) => e.type === 'build.log' && e.message.includes('about to fail'))).toBe(
      true,
    );

    // Webhooks: the secret is shown once; unsigned, badly signed and replayed deliveries are refused.
    const created = await api('POST', `/api/projects/${projectId}/webhook-secret`);
    expect(created.status).toBe(201);
    const secret = created.body.secret as string;
    expect(created.body.urls.github).toContain(`/api/hooks/github?project=${projectId}`);
    expect((await api('GET', `/api/projects/${projectId}/webhook-secret`)).body.webhook).not.toHaveProperty('secret');

    const v2 = repo.commit(siteFiles('hello v2'), 'v2');
    const payload = githubPush(repo.url, 'main', v2);
    expect((await hook('github', projectId, 'push', payload, { delivery: 'd-unsigned' })).status).toBe(401);
    expect(
      (
        await hook('github', projectId, 'push', payload, {
          delivery: 'd-bad',
          signature: githubSignature('wrong', JSON.stringify(payload)),
        })
      ).status,
    ).toBe(401);
    const pushed = await hook('github', projectId, 'push', payload, { secret, delivery: 'd-1' });
    expect(pushed.status, JSON.stringify(pushed.body)).toBe(202);
    expect(pushed.body.outcome).toBe('accepted');
    const [target] = pushed.body.environments;
    expect(target).toMatchObject({ environmentId, deployed: ['web'], staged: [] });
    expect((await hook('github', projectId, 'push', payload, { secret, delivery: 'd-1' })).status).toBe(409);

    const deployed = await ended(target.deploymentId);
    expect(deployed.status, deployed.reason).toBe('succeeded');
    await serves(environmentId, 'hello v2');
    const latest = (await api('GET', `/api/environments/${environmentId}/builds`)).body.builds[0];
    expect(latest).toMatchObject({ commit: v2, trigger: 'push', status: 'succeeded' });

    const deliveries = (await api('GET', `/api/projects/${projectId}/webhook-deliveries`)).body.deliveries;
    expect(deliveries.map((d: { httpStatus: number }) => d.httpStatus)).toEqual([409, 202, 401, 401]);
  }, 300_000);

  it('cancelling a running build cancels its deployment and leaves the old version serving', async () => {
    const repo = gitRepo(root, 'slow', siteFiles('steady v1'));
    const { environmentId } = await newProject();
    const serviceId = await edit(environmentId, (doc) => addService(doc, gitService(repo.url)));
    expect((await ended(await commit(environmentId))).status).toBe('succeeded');
    await serves(environmentId, 'steady v1');

    // A build step that takes a minute unless stopped.
    repo.commit({ Dockerfile: 'FROM containr/busybox\nRUN echo slow-step-started && sleep 60\n' }, 'a slow build');
    const deploymentId = await commit(environmentId);
    const running = await waitFor(
      async () => {
        const [build] = (await api('GET', `/api/environments/${environmentId}/builds?serviceId=${serviceId}&limit=1`)).body.builds;
        if (build?.deploymentId !== deploymentId || build.status !== 'running') return null;
        const { log } = (await api('GET', `/api/builds/${build.id}`)).body.build;
        return log.includes('slow-step-started') ? build : null;
      },
      60_000,
      'the slow build to be running its step',
    );

    const cancelled = await api('POST', `/api/builds/${running.id}/cancel`);
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    // A running build ends once its node has stopped it; a queued one would be cancelled at once.
    expect(['running', 'cancelled']).toContain(cancelled.body.build.status);
    await waitFor(
      async () => (await api('GET', `/api/builds/${running.id}`)).body.build.status === 'cancelled',
      30_000,
      'the build to end cancelled',
    );
    const deployment = await ended(deploymentId, 30_000);
    expect(deployment.status).toBe('cancelled');
    const events = (await api('GET', `/api/deployments/${deploymentId}`)).body.deployment.events;
    expect(events.some((e: { type: string }) => e.type === 'build.cancelled')).toBe(true);
    expect((await api('POST', `/api/builds/${running.id}/cancel`)).status).toBe(409);
    // Nothing was stopped: v1 answers, and stays the environment's running version.
    expect((await viaRouter(await urlOf(environmentId))).body).toContain('steady v1');
    const status = (await api('GET', `/api/environments/${environmentId}/status`)).body;
    expect(status.services.find((s: { name: string }) => s.name === 'web')).toMatchObject({ state: 'running', replicas: { running: 1 } });
  }, 300_000);

  it('builds a Node repo without a Dockerfile on containr/node, and it answers HTTP', async () => {
    const repo = gitRepo(root, 'node', nodeFiles('hello from node'));
    const { environmentId } = await newProject();
    const serviceId = await edit(environmentId, (doc) =>
      addService(
        doc,
        gitService(repo.url, {
          ports: [{ port: 3000, public: true }],
          variables: { PORT: '3000' },
          healthcheck: { path: '/', port: 3000, intervalS: 0.5 },
        }),
      ),
    );
    const done = await ended(await commit(environmentId));
    expect(done.status, done.reason).toBe('succeeded');
    await serves(environmentId, 'hello from node');
    const dockerfile = (await api('GET', `/api/environments/${environmentId}/services/${serviceId}/dockerfile`)).body;
    expect(dockerfile).toMatchObject({ runtime: 'node', generated: true });
    expect(dockerfile.dockerfile).toContain('FROM containr/node');
  }, 300_000);

  it('a pull request webhook creates the preview pr-<n> at its head commit; closing it removes the preview', async () => {
    const repo = gitRepo(root, 'pr', siteFiles('main version'));
    const { projectId, environmentId } = await newProject();
    await edit(environmentId, (doc) => addService(doc, gitService(repo.url)));
    expect((await ended(await commit(environmentId))).status).toBe('succeeded');
    const secret = (await api('POST', `/api/projects/${projectId}/webhook-secret`)).body.secret as string;

    repo.branch('feature');
    const head = repo.commit(siteFiles('feature version'), 'feature');
    repo.checkout('main');
    const opened = await hook(
      'github',
      projectId,
      'pull_request',
      githubPullRequest(repo.url, 'opened', 7, { ref: 'feature', sha: head }),
      {
        secret,
        delivery: 'pr-open',
      },
    );
    expect(opened.status, JSON.stringify(opened.body)).toBe(202);
    const preview = opened.body.preview;
    expect(preview).toMatchObject({ environment: 'pr-7', created: true, base: 'production', services: ['web'] });
    expect(preview.urls[0].url).toContain('pr-7');
    const done = await ended(preview.deploymentId);
    expect(done.status, done.reason).toBe('succeeded');
    await serves(preview.environmentId, 'feature version');
    const events = (await api('GET', `/api/deployments/${preview.deploymentId}`)).body.deployment.events;
    expect(events.find((e: { type: string }) => e.type === 'preview').message).toContain(preview.urls[0].url);
    // Production is untouched.
    expect((await viaRouter(await urlOf(environmentId))).body).toContain('main version');

    const closed = await hook(
      'github',
      projectId,
      'pull_request',
      githubPullRequest(repo.url, 'closed', 7, { ref: 'feature', sha: head }, 'main', true),
      {
        secret,
        delivery: 'pr-close',
      },
    );
    expect(closed.status).toBe(202);
    expect(closed.body.preview).toMatchObject({ removed: preview.environmentId, merged: true });
    const environments = (await api('GET', `/api/projects/${projectId}/environments`)).body.environments;
    expect(environments.map((e: { name: string }) => e.name)).toEqual(['production']);
    await waitFor(
      async () =>
        (await docker.listContainers({ all: true, filters: { label: [`${LABELS.environment}=${preview.environmentId}`] } })).length === 0,
      30_000,
      'the preview containers to be removed',
    );
  }, 300_000);
});
