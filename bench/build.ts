// Push to serving: the time from a signed GitHub push webhook to the new
// version of a Node sample (no Dockerfile: the runtime is detected, built on
// containr/node) answering through the router. Cold: a push changing
// package.json (no layer after the base image is cached); cached: a push of the
// same service changing only server.js (the layers before the source copy come
// from the cache). Each project deploys v0 from the canvas first. Medians of
// several runs. The server runs in this process with an agent; the engine is
// DOCKER_HOST.
// Run: DOCKER_HOST=unix:///…/docker.sock node --import tsx bench/build.ts
import Docker from 'dockerode';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startAgent } from '../agent/agent';
import { requireEngine } from '../agent/testing';
import { addService, type NodeInit } from '../sync';
import { LABELS } from '../sync/events';
import { githubPush, gitRepo, nodeFiles } from '../server/builds/test-repos';
import { githubSignature } from '../server/builds/webhooks';
import { client, signUp, startTestServer, waitFor, type TestServer } from '../server/test-utils';

const COLD_RUNS = 3;
const CACHED_RUNS = 5;

const docker = new Docker();
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main() {
  await requireEngine(docker);
  const root = mkdtempSync(join(tmpdir(), 'containr-bench-build-'));
  const server: TestServer = await startTestServer({ deploy: { startupGraceMs: 0, waitPollMs: 100 } });
  const { token } = server.containr.agents.registerNode({ name: 'bench', teamId: null });
  const agent = startAgent({
    server: server.url,
    token,
    name: 'bench',
    stateDir: null,
    streams: false,
    builds: { workDir: join(root, 'work') },
  });
  const projects: { id: string; slug: string }[] = [];
  try {
    await waitFor(() => agent.ready, 15_000, 'the agent');
    const api = client(server.url, { cookie: (await signUp(server.url, 'Bench')).cookie });
    const port = new URL(server.url).port;
    const get = (host: string) =>
      new Promise<string>((resolve) => {
        const req = request({ host: '127.0.0.1', port, path: '/', headers: { host }, agent: false }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve(body));
        });
        req.setTimeout(2_000, () => req.destroy());
        req.on('error', () => resolve(''));
        req.end();
      });

    /** A project whose `web` service builds the repo; deployed once (v0) so pushes have something to replace. */
    async function setUp(run: string) {
      const repo = gitRepo(root, run, {
        ...nodeFiles('v0'),
        'package.json': JSON.stringify({ name: `bench-${run}`, scripts: { start: 'node server.js' } }),
      });
      const res = await api('POST', '/api/projects', { name: `Build bench ${run}` });
      const projectId = res.body.project.id as string;
      const environmentId = res.body.environments[0].id as string;
      projects.push({ id: projectId, slug: res.body.project.slug });
      await server.containr.sync.documents.withDocument(environmentId, (doc) =>
        addService(doc, {
          kind: 'service',
          name: 'web',
          source: { type: 'git', repo: repo.url, branch: 'main' },
          ports: [{ port: 3000, public: true }],
          variables: { PORT: '3000' },
          healthcheck: { path: '/', port: 3000, intervalS: 0.2 },
        } as NodeInit),
      );
      const secret = (await api('POST', `/api/projects/${projectId}/webhook-secret`)).body.secret as string;
      // v0 deployed from the canvas: pushes deploy what the environment's latest commit has, with the pushed commit.
      const first = await api('POST', `/api/environments/${environmentId}/commits`, { message: 'v0' });
      const host = new URL((await api('GET', `/api/environments/${environmentId}/status`)).body.services[0].url).host;
      await waitFor(async () => (await get(host)) === 'v0', 180_000, `v0 of ${run} to be served`);
      const v0 = first.body.deployment.id as string;
      await waitFor(async () => (await api('GET', `/api/deployments/${v0}`)).body.deployment.status === 'succeeded', 60_000, 'v0 to end');
      return { repo, projectId, environmentId, secret };
    }

    let delivery = 0;
    /** Push `text` and time webhook → router answers it. */
    async function push(p: Awaited<ReturnType<typeof setUp>>, files: Record<string, string>, text: string): Promise<number> {
      const sha = p.repo.commit(files);
      const body = JSON.stringify(githubPush(p.repo.url, 'main', sha));
      const t0 = performance.now();
      const res = await client(server.url)('POST', `/api/hooks/github?project=${p.projectId}`, body, {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': `bench-${process.pid}-${++delivery}`,
        'x-hub-signature-256': githubSignature(p.secret, body),
      });
      if (res.status !== 202 || !res.body.environments?.[0]?.deploymentId) throw new Error(`push refused: ${JSON.stringify(res.body)}`);
      const status = (await api('GET', `/api/environments/${p.environmentId}/status`)).body;
      const host = new URL(status.services[0].url).host;
      await waitFor(async () => (await get(host)) === text, 180_000, `${text} to be served`);
      const elapsed = performance.now() - t0;
      // The old container is drained and removed after the switch: let that finish before the next push.
      const deploymentId = res.body.environments[0].deploymentId as string;
      await waitFor(
        async () => (await api('GET', `/api/deployments/${deploymentId}`)).body.deployment.status === 'succeeded',
        60_000,
        'the deployment to end',
      );
      return elapsed;
    }

    /** The head pushed again (a new delivery): the build finds its image, nothing is replaced. */
    async function pushAgain(p: Awaited<ReturnType<typeof setUp>>): Promise<number> {
      const body = JSON.stringify(githubPush(p.repo.url, 'main', p.repo.head()));
      const t0 = performance.now();
      const res = await client(server.url)('POST', `/api/hooks/github?project=${p.projectId}`, body, {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': `bench-${process.pid}-${++delivery}`,
        'x-hub-signature-256': githubSignature(p.secret, body),
      });
      const deploymentId = res.body.environments[0].deploymentId as string;
      await waitFor(
        async () => (await api('GET', `/api/deployments/${deploymentId}`)).body.deployment.status === 'succeeded',
        60_000,
        'the deployment',
      );
      return performance.now() - t0;
    }

    const cold: number[] = [];
    const cached: number[] = [];
    const same: number[] = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      const p = await setUp(`cold-${process.pid}-${i}`);
      // A new package.json: no layer after the base image can come from the cache.
      cold.push(
        await push(
          p,
          {
            ...nodeFiles(`cold ${i}`),
            'package.json': JSON.stringify({ name: `bench-cold-${process.pid}-${i}`, scripts: { start: 'node server.js' } }),
          },
          `cold ${i}`,
        ),
      );
      if (i === 0) {
        for (let j = 0; j < CACHED_RUNS; j++)
          cached.push(await push(p, { 'server.js': nodeFiles(`cached ${j}`)['server.js'] }, `cached ${j}`));
        for (let j = 0; j < CACHED_RUNS; j++) same.push(await pushAgain(p));
      }
    }
    console.log('push webhook → new version serving (Node sample, detected runtime, one node)');
    console.log(`  cold   (package.json changed):          median ${fmt(median(cold))}  runs ${cold.map(fmt).join(', ')}`);
    console.log(`  cached (server.js changed):             median ${fmt(median(cached))}  runs ${cached.map(fmt).join(', ')}`);
    console.log(
      `  same commit again (image reused):       median ${fmt(median(same))}  runs ${same
        .map(fmt)
        .join(', ')}  (push → deployment succeeded)`,
    );
  } finally {
    await agent.close();
    await server.close();
    for (const p of projects) {
      for (const c of await docker.listContainers({ all: true, filters: { label: [`${LABELS.project}=${p.id}`] } })) {
        await docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined);
      }
      for (const n of await docker.listNetworks({ filters: { label: [`${LABELS.project}=${p.id}`] } }))
        await docker
          .getNetwork(n.Id)
          .remove()
          .catch(() => undefined);
      for (const image of await docker.listImages()) {
        if ((image.RepoTags ?? []).some((t) => t.startsWith(`containr/${p.slug}/`)))
          await docker
            .getImage(image.Id)
            .remove({ force: true })
            .catch(() => undefined);
      }
    }
    rmSync(root, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
