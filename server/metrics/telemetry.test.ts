// Live logs and metrics end to end: a real server, a real agent on the real
// engine, services deployed by commits, a socket.io client subscribed to /live
// with an API token, and the history API. Waits on conditions, never sleeps.
import Docker from 'dockerode';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connectLive, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type Agent } from '../../agent/agent';
import { BUSYBOX, requireEngine } from '../../agent/testing';
import { ROOT } from '../app';
import { addService, initDoc, type NodeInit } from '../../sync';
import { LABELS, type LiveEvents, type LiveLogs, type LiveMetrics, type LogLine } from '../../sync/events';
import type { MetricPoint } from './store';
import { client, createApiToken, signUp, startTestServer, waitFor, type Session, type TestServer } from '../test-utils';

const docker = new Docker();
const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';
let server: TestServer;
let admin: Session;
let owner: Session;
let ownerToken: string;
let api: ReturnType<typeof client>;
let nodeToken: string;
let agent: Agent;
const stateDir = mkdtempSync(join(tmpdir(), 'containr-live-agent-'));
const sockets: Socket[] = [];
const projectIds = new Set<string>();

beforeAll(async () => {
  await requireEngine(docker);
  server = await startTestServer({
    env: { CONTAINR_METRICS_TOKEN: METRICS_TOKEN },
    deploy: { startupGraceMs: 0, resyncMs: 2_000, backoffMs: 200, waitPollMs: 200 },
  });
  admin = await signUp(server.url, 'Instance Admin'); // the first account
  owner = await signUp(server.url, 'Live Owner');
  ownerToken = await createApiToken(server.url, owner);
  api = client(server.url, { token: ownerToken });
  ({ token: nodeToken } = server.containr.agents.registerNode({ name: 'live-node', teamId: owner.teamId }));
  agent = startNode();
  await waitFor(() => agent.ready, 15_000, 'the agent to connect');
}, 60_000);

afterAll(async () => {
  sockets.forEach((s) => s.disconnect());
  await agent?.close();
  await server?.close();
  for (const id of projectIds) {
    const filters = { label: [`${LABELS.project}=${id}`] };
    for (const c of await docker.listContainers({ all: true, filters })) {
      await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
    }
    for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove().catch(() => undefined);
  }
  rmSync(stateDir, { recursive: true, force: true });
}, 60_000);

function startNode(): Agent {
  return startAgent({ server: server.url, token: nodeToken, name: 'live-node', stateDir, docker, backoff: { initialMs: 50, maxMs: 500 } });
}

async function newEnvironment(session: { token?: string; cookie?: string } = { token: ownerToken }) {
  const res = await client(server.url, session)('POST', '/api/projects', { name: `Live ${Math.random().toString(36).slice(2, 8)}` });
  expect(res.status).toBe(201);
  projectIds.add(res.body.project.id);
  return { projectId: res.body.project.id as string, environmentId: res.body.environments[0].id as string };
}

/** Puts one service on the canvas, commits, and waits until it runs. */
async function deploy(environmentId: string, name: string, command: string[], fields: Partial<NodeInit> = {}) {
  const serviceId = await server.containr.sync.documents.withDocument(environmentId, (doc) => {
    initDoc(doc, { environmentName: 'production' });
    return addService(doc, { kind: 'service', name, source: { type: 'image', image: BUSYBOX }, command, ...fields } as NodeInit);
  });
  const commit = await api('POST', `/api/environments/${environmentId}/commits`, { message: `deploy ${name}` });
  expect(commit.status).toBe(201);
  await waitFor(
    async () => {
      const d = (await api('GET', `/api/deployments/${commit.body.deployment.id}`)).body.deployment;
      if (d.status === 'failed') throw new Error(`deployment failed: ${d.reason}`);
      return d.status === 'succeeded';
    },
    60_000,
    `${name} to be deployed`,
  );
  return serviceId;
}

type Live = { socket: Socket; logs: LogLine[]; metrics: LiveMetrics[]; events: LiveEvents['events']; messages: number };

async function subscribe(environmentId: string, token = ownerToken): Promise<Live & { ack: { ok: boolean; reason?: string } }> {
  const socket = connectLive(`${server.url}/live`, { auth: { token }, transports: ['websocket'], reconnection: false });
  sockets.push(socket);
  const live: Live = { socket, logs: [], metrics: [], events: [], messages: 0 };
  socket.on('logs', (m: LiveLogs) => {
    live.messages++;
    live.logs.push(...m.lines);
  });
  socket.on('metrics', (m: LiveMetrics) => live.metrics.push(m));
  socket.on('events', (m: LiveEvents) => live.events.push(...m.events));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  const ack = (await socket.timeout(5_000).emitWithAck('subscribe', { environmentId })) as { ok: boolean; reason?: string };
  return Object.assign(live, { ack });
}

const numbered = (lines: LogLine[]) => lines.filter((l) => /^line \d+$/.test(l.text)).map((l) => Number(l.text.slice(5)));
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** A service writing "line 1" … "line 3000", a millisecond apart, then idling. */
const STEADY = ['sh', '-c', 'i=0; while [ $i -lt 3000 ]; do i=$((i+1)); echo "line $i"; usleep 1000; done; exec sleep 86400'];

/** Every one of the steady service's lines stored and seen live, once each, in order. */
async function expectEveryLineOnce(live: Live, environmentId: string, serviceId: string, timeoutMs: number) {
  const history = async () => {
    const res = await api('GET', `/api/services/${serviceId}/logs?environmentId=${environmentId}&limit=5000&stream=stdout`);
    return numbered(res.body.lines as LogLine[]);
  };
  await waitFor(async () => (await history()).includes(3000), timeoutMs, 'line 3000 stored');
  expect(await history()).toEqual(range(3000));
  await waitFor(() => numbered(live.logs).length >= 3000, 5_000, 'the live tail to catch up');
  expect(numbered(live.logs)).toEqual(range(3000));
}

describe('live logs', () => {
  it('relays numbered lines in order to a subscriber, stores them for the history API with search, and shows nothing to a stranger', async () => {
    const { environmentId } = await newEnvironment();
    const live = await subscribe(environmentId);
    expect(live.ack).toEqual({ ok: true });
    const stranger = await signUp(server.url, 'Stranger');
    const strangerToken = await createApiToken(server.url, stranger);
    const peeker = await subscribe(environmentId, strangerToken);
    expect(peeker.ack).toEqual({ ok: false, reason: 'NOT_FOUND' });

    const serviceId = await deploy(environmentId, 'printer', [
      'sh',
      '-c',
      'for i in $(seq 1 500); do echo "line $i"; done; echo "a needle in stderr" >&2; exec sleep 86400',
    ]);
    // stdout and stderr are read as two streams: the stderr line may overtake stdout lines.
    await waitFor(
      () => live.logs.some((l) => l.stream === 'stderr') && numbered(live.logs).length >= 500,
      15_000,
      'every line over /live',
    );
    expect(numbered(live.logs)).toEqual(range(500));
    const needle = live.logs.find((l) => l.stream === 'stderr') as LogLine;
    expect(needle).toMatchObject({ serviceId, text: 'a needle in stderr', containerId: expect.any(String) });
    // Batched: far fewer messages than lines.
    expect(live.messages).toBeLessThan(50);
    // The container started: an event and a `system` line.
    await waitFor(() => live.events.some((e) => e.type === 'start' && e.serviceId === serviceId), 5_000, 'the start event');

    const history = await api('GET', `/api/services/${serviceId}/logs?environmentId=${environmentId}&limit=1000`);
    expect(history.status).toBe(200);
    const stored = history.body.lines as LogLine[];
    expect(numbered(stored)).toEqual(range(500));
    // Ids are the ones /live sent, so a client can merge both.
    expect(stored.find((l) => l.text === 'line 42')?.id).toBe(live.logs.find((l) => l.text === 'line 42')?.id);
    expect(history.body).toMatchObject({ environmentId, serviceId, hasMore: false, cursor: null });

    // Without environmentId, the one readable environment holding the service is found.
    const search = await api('GET', `/api/services/${serviceId}/logs?q=needle`);
    expect(search.status).toBe(200);
    expect(search.body.lines.map((l: LogLine) => [l.stream, l.text])).toEqual([['stderr', 'a needle in stderr']]);
    const word = await api('GET', `/api/services/${serviceId}/logs?q=${encodeURIComponent('line 250')}&stream=stdout`);
    expect(word.body.lines.map((l: LogLine) => l.text)).toEqual(['line 250']);
    expect((await api('GET', `/api/services/${serviceId}/logs?q=${encodeURIComponent('"(*')}`)).body.lines).toEqual([]);

    // Pages back: the newest 100, then the 100 before them.
    const page1 = await api('GET', `/api/services/${serviceId}/logs?stream=stdout&limit=100`);
    expect(numbered(page1.body.lines)).toEqual(range(100).map((n) => n + 400));
    expect(page1.body.hasMore).toBe(true);
    const page2 = await api('GET', `/api/services/${serviceId}/logs?stream=stdout&limit=100&cursor=${page1.body.cursor}`);
    expect(numbered(page2.body.lines)).toEqual(range(100).map((n) => n + 300));

    // Another team's user learns nothing, over HTTP or the socket.
    const theirs = client(server.url, { token: strangerToken });
    expect((await theirs('GET', `/api/services/${serviceId}/logs?environmentId=${environmentId}`)).status).toBe(404);
    expect((await theirs('GET', `/api/services/${serviceId}/logs`)).status).toBe(404);
    expect((await theirs('GET', `/api/services/${serviceId}/metrics?environmentId=${environmentId}`)).status).toBe(404);
    expect(peeker.logs).toEqual([]);
    expect(peeker.metrics).toEqual([]);
    // Bad input is a 422 with issues.
    const bad = await api('GET', `/api/services/${serviceId}/logs?limit=0&since=yesterday&stream=tty`);
    expect(bad.status).toBe(422);
    expect(bad.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['limit', 'since', 'stream']);
  }, 90_000);

  it('neither loses nor repeats a line when the agent restarts while a container writes', async () => {
    const { environmentId } = await newEnvironment();
    const live = await subscribe(environmentId);
    const serviceId = await deploy(environmentId, 'steady', STEADY);
    await waitFor(() => numbered(live.logs).length >= 300, 20_000, '300 lines before the restart');
    const duplicatesBefore = server.containr.services.telemetry.logs.counters().duplicates;
    await agent.close();
    const seenAtStop = numbered(live.logs).length;
    agent = startNode();
    await waitFor(() => agent.ready, 15_000, 'the agent to come back');

    // Stored and seen live once each, in order, across the restart.
    await expectEveryLineOnce(live, environmentId, serviceId, 60_000);
    expect(seenAtStop).toBeLessThan(3000);
    // The agent resumed from its cursor: at most the batch in flight at the stop was sent twice.
    expect(server.containr.services.telemetry.logs.counters().duplicates - duplicatesBefore).toBeLessThanOrEqual(2_000);
  }, 120_000);
});

describe('a killed agent', () => {
  it('neither loses nor repeats a line when the agent process is killed (SIGKILL) while a container writes', async () => {
    const { environmentId } = await newEnvironment();
    const live = await subscribe(environmentId);
    // The node's agent as its own process (the real entry point), so it can die without a word.
    await agent.close();
    const node = () => server.containr.agents.nodes().find((n) => n.name === 'live-node');
    await waitFor(() => node()?.connected === false, 5_000, 'the in-process agent to be gone');
    const args = ['--import', 'tsx', 'agent/index.ts', '--server', server.url, '--token', nodeToken, '--state-dir', stateDir, '--name', 'live-node'];
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'inherit'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await waitFor(() => node()?.connected && node()?.status === 'ready', 30_000, 'the agent process to connect');
      const serviceId = await deploy(environmentId, 'steady', STEADY);
      await waitFor(() => numbered(live.logs).length >= 300, 20_000, '300 lines before the kill');
      child.kill('SIGKILL');
      await exited;
      const seenAtKill = numbered(live.logs).length;
      agent = startNode();
      await waitFor(() => agent.ready, 15_000, 'the agent to come back');
      await expectEveryLineOnce(live, environmentId, serviceId, 60_000);
      expect(seenAtKill).toBeLessThan(3000);
    } finally {
      child.kill('SIGKILL');
      if (!agent.ready) agent = startNode();
    }
  }, 120_000);
});

describe('live metrics', () => {
  // A busy loop takes a whole core on a quiet machine, but shares the two cores with the
  // other test files here; an idle container shows about 0 %.
  const BUSY = 25;

  /** The burner of the first test, for the rollup test after it. */
  let burner: { environmentId: string; serviceId: string; started: number } | null = null;

  it(`shows a container burning CPU above ${BUSY} % within 3 s, in history and in /metrics`, async () => {
    const { environmentId } = await newEnvironment();
    const live = await subscribe(environmentId);
    const serviceId = await deploy(environmentId, 'burner', ['sh', '-c', 'while :; do :; done']);
    const started = Date.now();
    burner = { environmentId, serviceId, started };
    const busy = await waitFor(
      () => live.metrics.flatMap((m) => m.services).find((s) => s.serviceId === serviceId && s.cpuPercent > BUSY),
      3_000,
      `CPU above ${BUSY} %`,
    );
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(busy).toMatchObject({ containers: 1, memoryBytes: expect.any(Number), memoryLimitBytes: null });
    expect(busy.memoryBytes).toBeGreaterThan(0);
    expect(live.metrics.every((m) => m.environmentId === environmentId)).toBe(true);

    const history = await waitFor(
      async () => {
        const res = await api('GET', `/api/services/${serviceId}/metrics?environmentId=${environmentId}&from=${started - 5_000}&step=1s`);
        return res.body.points?.some((p: { cpuPercent: { avg: number } }) => p.cpuPercent.avg > BUSY) ? res.body : null;
      },
      10_000,
      'history with a busy second',
    );
    expect(history).toMatchObject({ resolution: 'raw', stepS: 1, serviceId, environmentId });

    // Prometheus: the token, or an instance admin's API token; nobody else.
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${ownerToken}` } })).status).toBe(403);
    const adminToken = await createApiToken(server.url, admin);
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } })).status).toBe(200);
    const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
    const samples = parsePrometheus(await res.text());
    const cpu = samples.find((s) => s.name === 'containr_service_cpu_percent' && s.labels.service_id === serviceId);
    expect(cpu?.labels).toMatchObject({ service: 'burner', environment: 'production', environment_id: environmentId });
    expect(cpu?.value).toBeGreaterThan(BUSY);
    expect(samples.find((s) => s.name === 'containr_service_containers_up' && s.labels.service_id === serviceId)?.value).toBe(1);
  }, 90_000);

  it('rolls the real samples up into minutes that say what the raw seconds say', async () => {
    if (!burner) throw new Error('needs the burner of the test before');
    const { environmentId, serviceId, started } = burner;
    const minute = 60_000;
    const metrics = (query: string) => api('GET', `/api/services/${serviceId}/metrics?environmentId=${environmentId}&${query}`);
    // Some seconds of samples, then none: the agent stops (every batch it sent was acknowledged, so stored).
    await waitFor(async () => (await metrics(`from=${started}&step=1s`)).body.points.length >= 5, 15_000, 'five seconds of samples');
    await agent.close();
    try {
      const ended = Date.now();
      // The minute job, run as if two minutes later: the minutes so far are complete.
      await server.containr.services.telemetry.maintain(ended + 2 * minute);
      const from = Math.floor(started / minute) * minute;
      const to = Math.ceil(ended / minute) * minute;
      const rolled = await metrics(`from=${from}&to=${to}&step=1m`);
      expect(rolled.body).toMatchObject({ resolution: '1m', stepS: 60 });
      const minutes = rolled.body.points as MetricPoint[];
      expect(minutes.length).toBeGreaterThan(0);
      let seconds = 0;
      for (const m of minutes) {
        const raw = await metrics(`from=${m.ts}&to=${m.ts + minute}&step=1s`);
        expect(raw.body).toMatchObject({ resolution: 'raw', stepS: 1 });
        const perSecond = raw.body.points as MetricPoint[];
        expect(m.seconds).toBe(perSecond.length);
        const cpu = perSecond.map((p) => p.cpuPercent.avg);
        const memory = perSecond.map((p) => p.memoryBytes.avg);
        expect(m.cpuPercent.min).toBeCloseTo(Math.min(...cpu), 1);
        expect(m.cpuPercent.avg).toBeCloseTo(cpu.reduce((a, b) => a + b, 0) / cpu.length, 1);
        expect(m.cpuPercent.max).toBeCloseTo(Math.max(...cpu), 1);
        expect(m.memoryBytes.min).toBe(Math.min(...memory));
        expect(m.memoryBytes.max).toBe(Math.max(...memory));
        seconds += m.seconds;
      }
      expect(seconds).toBeGreaterThanOrEqual(5);
      expect(Math.max(...minutes.map((m) => m.cpuPercent.max))).toBeGreaterThan(10); // the burner was seen burning
    } finally {
      agent = startNode();
      await waitFor(() => agent.ready, 15_000, 'the agent to come back');
    }
  }, 90_000);
});

type PromSample = { name: string; labels: Record<string, string>; value: number };

/** A strict reader of the text format: every sample's family has HELP and TYPE first; names and labels are valid. */
function parsePrometheus(text: string): PromSample[] {
  const samples: PromSample[] = [];
  const typed = new Set<string>();
  const helped = new Set<string>();
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.trimEnd().split('\n')) {
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') {
        expect(['gauge', 'counter']).toContain(meta[3]);
        typed.add(meta[2]);
      } else helped.add(meta[2]);
      continue;
    }
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const [, name, , body, value] = match;
    expect(typed.has(name) && helped.has(name)).toBe(true);
    const labels: Record<string, string> = {};
    const pair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:\\.|[^"\\])*)"(,|$)/y;
    for (let at = 0; body && at < body.length; ) {
      pair.lastIndex = at;
      const m = pair.exec(body);
      if (!m) throw new Error(`bad labels: ${body}`);
      labels[m[1]] = m[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
      at = pair.lastIndex;
    }
    expect(Number.isNaN(Number(value)) && value !== 'NaN').toBe(false);
    samples.push({ name, labels, value: Number(value) });
  }
  return samples;
}
