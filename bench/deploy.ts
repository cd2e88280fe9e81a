// Deploy latency against ARCHITECTURE's budget: commit → container running
// (image present) ≤ 1 s more than the engine's own create + start, as a median
// of several runs; and the time to converge an environment of 50 services.
// The server runs in this process with an agent, as `npm start` does with its
// built-in local agent; the engine is DOCKER_HOST.
// Run: DOCKER_HOST=unix:///…/docker.sock node --import tsx bench/deploy.ts
import Docker from 'dockerode';
import { performance } from 'node:perf_hooks';
import { startAgent } from '../agent/agent';
import { requireEngine } from '../agent/testing';
import { addService, initDoc, setVariable, type NodeInit } from '../sync';
import { LABELS } from '../sync/events';
import { client, signUp, startTestServer, waitFor, type TestServer } from '../server/test-utils';

const RUNS = 7;
const SERVICES = 50;
const IMAGE = 'containr/busybox:latest';
const COMMAND = ['sh', '-c', 'mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www'];
const BUDGET_EXTRA_MS = 1_000;

const docker = new Docker();
const projects: string[] = [];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (ms: number) => `${ms.toFixed(0)} ms`;

/** The engine's own: create + start of the same image and command, as the agent would. */
async function engineBaseline(): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const container = await docker.createContainer({
      name: `containr-bench-${process.pid}-${i}`,
      Image: IMAGE,
      Cmd: COMMAND,
      Labels: { 'containr.test': 'bench' },
      HostConfig: { PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
      ExposedPorts: { '8080/tcp': {} },
    });
    await container.start();
    times.push(performance.now() - t0);
    await container.remove({ force: true });
  }
  return times;
}

async function main() {
  await requireEngine(docker);
  const server: TestServer = await startTestServer({ deploy: { startupGraceMs: 0, waitPollMs: 100, concurrency: 8 } });
  const { nodeId, token } = server.containr.agents.registerNode({ name: 'bench', teamId: null });
  const agent = startAgent({ server: server.url, token, name: 'bench', stateDir: null, streams: false });
  try {
    await waitFor(() => agent.ready, 15_000, 'the agent');
    const api = client(server.url, { cookie: (await signUp(server.url, 'Bench')).cookie });

    const newEnvironment = async () => {
      const res = await api('POST', '/api/projects', { name: `Bench ${Math.random().toString(36).slice(2, 8)}` });
      projects.push(res.body.project.id);
      return res.body.environments[0].id as string;
    };
    const edit = <T>(environmentId: string, fn: Parameters<typeof server.containr.sync.documents.withDocument<T>>[1]) =>
      server.containr.sync.documents.withDocument(environmentId, fn);
    const service = (name: string): NodeInit =>
      ({ kind: 'service', name, source: { type: 'image', image: IMAGE }, command: COMMAND, ports: [{ port: 8080, public: true }] }) as NodeInit;

    /** POST a commit; resolve the times until a container of its spec runs (engine view) and the deployment succeeded. */
    const timeCommit = async (environmentId: string) => {
      const t0 = performance.now();
      const res = await api('POST', `/api/environments/${environmentId}/commits`, {});
      if (res.status !== 201) throw new Error(`commit failed: ${res.status} ${JSON.stringify(res.body)}`);
      const deploymentId: string = res.body.deployment.id;
      let running = 0;
      await waitFor(
        async () => {
          if (!running) {
            const list = await docker.listContainers({ filters: { label: [`${LABELS.deployment}=${deploymentId}`], status: ['running'] } });
            if (list.length > 0) running = performance.now() - t0;
          }
          const d = (await api('GET', `/api/deployments/${deploymentId}`)).body.deployment;
          if (d.status === 'failed') throw new Error(d.reason);
          return d.status === 'succeeded';
        },
        60_000,
        'the deployment',
      );
      return { running, succeeded: performance.now() - t0 };
    };

    console.log(`engine baseline: docker create + start of ${IMAGE}, ${RUNS} runs`);
    const baseline = await engineBaseline();
    console.log(`  median ${fmt(median(baseline))}  (runs: ${baseline.map(fmt).join(', ')})`);

    console.log(`\ncommit → running, first deploy of a new environment (network included), ${RUNS} runs`);
    const first: { running: number; succeeded: number }[] = [];
    for (let i = 0; i < RUNS; i++) {
      const environmentId = await newEnvironment();
      await edit(environmentId, (doc) => {
        initDoc(doc, { environmentName: 'production' });
        addService(doc, service('web'));
      });
      first.push(await timeCommit(environmentId));
    }
    console.log(`  container running: median ${fmt(median(first.map((r) => r.running)))}`);
    console.log(`  deployment succeeded: median ${fmt(median(first.map((r) => r.succeeded)))}`);

    console.log(`\ncommit → running, redeploy with a changed variable (replace), ${RUNS} runs`);
    const environmentId = await newEnvironment();
    const webId = await edit(environmentId, (doc) => {
      initDoc(doc, { environmentName: 'production' });
      return addService(doc, service('web'));
    });
    await timeCommit(environmentId);
    const redeploy: { running: number; succeeded: number }[] = [];
    for (let i = 0; i < RUNS; i++) {
      await edit(environmentId, (doc) => setVariable(doc, webId, 'RUN', String(i)));
      redeploy.push(await timeCommit(environmentId));
    }
    console.log(`  new container running: median ${fmt(median(redeploy.map((r) => r.running)))}`);
    console.log(`  deployment succeeded (old one drained, stopped, removed): median ${fmt(median(redeploy.map((r) => r.succeeded)))}`);

    const extra = median(first.map((r) => r.running)) - median(baseline);
    const extraRedeploy = median(redeploy.map((r) => r.running)) - median(baseline);
    console.log(
      `\nbudget: commit → running ≤ engine + ${BUDGET_EXTRA_MS} ms → first deploy +${fmt(extra)}, redeploy +${fmt(extraRedeploy)}: ` +
        (Math.max(extra, extraRedeploy) <= BUDGET_EXTRA_MS ? 'within budget' : 'OVER BUDGET'),
    );

    console.log(`\nconverge an environment of ${SERVICES} services (one commit)`);
    const big = await newEnvironment();
    await edit(big, (doc) => {
      initDoc(doc, { environmentName: 'production' });
      for (let i = 0; i < SERVICES; i++) addService(doc, service(`svc-${i}`));
    });
    const converge = await timeCommit(big);
    const count = (await docker.listContainers({ filters: { label: [`${LABELS.environment}=${big}`], status: ['running'] } })).length;
    console.log(`  ${count} containers running; deployment succeeded after ${fmt(converge.succeeded)} (${fmt(converge.succeeded / SERVICES)} per service)`);

    const t0 = performance.now();
    await server.containr.services.deploy.teardown(big);
    console.log(`  teardown of the ${SERVICES} services: ${fmt(performance.now() - t0)}`);
    void nodeId;
  } finally {
    await agent.close();
    await server.close();
    for (const id of projects) {
      for (const c of await docker.listContainers({ all: true, filters: { label: [`${LABELS.project}=${id}`] } })) {
        await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
      }
      for (const n of await docker.listNetworks({ filters: { label: [`${LABELS.project}=${id}`] } })) {
        await docker.getNetwork(n.Id).remove().catch(() => undefined);
      }
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
