// Alerts against ARCHITECTURE's budget (notification ≤ 5 s after a threshold
// breach): the time from the breaching sample, and from a crash, to the
// webhook request arriving at a local receiver. The server and the agent run
// as their own processes (the real entry points); services are deployed by
// commits on the real engine: burners that each burn CPU for a few seconds,
// one after another, and crashers that each exit non-zero once in turn.
// Run: node --import tsx bench/alerts.ts   (needs DOCKER_HOST, see scripts/engine.sh)
import Docker from 'dockerode';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { io as connectLive } from 'socket.io-client';
import { BUSYBOX, requireEngine } from '../agent/testing';
import { ROOT } from '../server/app';
import { connectEditor } from '../server/sync/test-clients';
import { client, createApiToken, signUp, spawnServer, waitFor } from '../server/test-utils';
import { addService, initDoc, type NodeInit } from '../sync';
import { LABELS, type LiveEvents, type LiveLogs, type LiveMetrics } from '../sync/events';

const TRIALS = Number(process.env.BENCH_ALERT_TRIALS ?? 20);
/** Seconds between one trial's start and the next one's. */
const SPACING_S = 2.5;
const BURN_S = 4;
/** Low enough that a burner on a loaded 2-core machine still crosses it. */
const THRESHOLD = Number(process.env.BENCH_ALERT_CPU_THRESHOLD ?? 25);

const docker = new Docker();

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function spawnAgent(server: string, token: string, stateDir: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'agent/index.ts', '--server', server, '--token', token, '--state-dir', stateDir, '--name', 'bench'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function kill(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function removeByLabel(label: string) {
  for (const c of await docker.listContainers({ all: true, filters: { label: [label] } })) {
    await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
  }
  for (const n of await docker.listNetworks({ filters: { label: [label] } })) await docker.getNetwork(n.Id).remove().catch(() => undefined);
}

type Hook = { at: number; event: string; kind: string; serviceId: string | null };

async function main() {
  await requireEngine(docker);
  const t0 = performance.now();
  const loadBefore = loadavg()[0];
  const cleanups: (() => unknown)[] = [];
  const projectIds: string[] = [];
  // Registered first so it runs last: with the server and agent gone, nothing recreates the containers.
  cleanups.push(async () => {
    for (const id of projectIds) await removeByLabel(`${LABELS.project}=${id}`);
  });
  try {
    // The webhook receiver: the arrival time of each request.
    const hooks: Hook[] = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const at = Date.now();
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { event: string; alert: { kind: string }; service: { id: string } | null };
        hooks.push({ at, event: body.event, kind: body.alert.kind, serviceId: body.service?.id ?? null });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

    const dataDir = mkdtempSync(join(tmpdir(), 'containr-bench-alerts-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const server = await spawnServer(dataDir);
    cleanups.push(() => server.kill());
    const session = await signUp(server.url, 'Bench');
    const token = await createApiToken(server.url, session);
    const api = client(server.url, { token });
    const joinToken = await api('POST', '/api/nodes/join-tokens', { teamId: session.teamId });
    const agentDir = mkdtempSync(join(tmpdir(), 'containr-bench-agent-'));
    cleanups.push(() => rmSync(agentDir, { recursive: true, force: true }));
    const agent = spawnAgent(server.url, joinToken.body.token as string, agentDir);
    cleanups.push(() => kill(agent));
    await waitFor(async () => (await api('GET', '/api/nodes')).body.nodes.some((n: { status: string }) => n.status === 'ready'), 90_000, 'the agent');

    const project = await api('POST', '/api/projects', { name: 'bench alerts' });
    const projectId = project.body.project.id as string;
    projectIds.push(projectId);
    const environmentId = project.body.environments[0].id as string;
    const hook = await api('POST', `/api/projects/${projectId}/alert-channels`, { type: 'webhook', name: 'bench', url: receiverUrl });
    const channelId = hook.body.channel.id as string;
    await api('POST', `/api/projects/${projectId}/alert-rules`, {
      name: 'CPU',
      environmentId,
      condition: { type: 'metric', metric: 'cpuPercent', operator: '>', threshold: THRESHOLD, forS: 0, resolveForS: 5 },
      channelIds: [channelId],
    });
    // The default crash rule, told to the receiver too.
    const rules = (await api('GET', `/api/projects/${projectId}/alert-rules`)).body.rules as { id: string; condition: { type: string } }[];
    const crashRule = rules.find((r) => r.condition.type === 'crashed') as { id: string };
    await api('PATCH', `/api/alert-rules/${crashRule.id}`, { channelIds: [channelId] });

    // /live: the first breaching sample and the burn's start line per burner, the first crash per crasher.
    const breachAt = new Map<string, number>();
    const burnAt = new Map<string, number>();
    const crashAt = new Map<string, number>();
    const maxCpu = new Map<string, number>();
    const live = connectLive(`${server.url}/live`, { auth: { token }, transports: ['websocket'] });
    cleanups.push(() => live.disconnect());
    await new Promise<void>((resolve) => live.once('connect', () => resolve()));
    live.on('metrics', (m: LiveMetrics) => {
      for (const s of m.services) {
        maxCpu.set(s.serviceId, Math.max(maxCpu.get(s.serviceId) ?? 0, s.cpuPercent));
        if (s.cpuPercent > THRESHOLD && !breachAt.has(s.serviceId)) breachAt.set(s.serviceId, s.ts);
      }
    });
    live.on('logs', (m: LiveLogs) => {
      for (const l of m.lines) if (l.text === 'burn' && !burnAt.has(l.serviceId)) burnAt.set(l.serviceId, l.ts);
    });
    live.on('events', (m: LiveEvents) => {
      for (const e of m.events) if (e.type === 'die' && e.exitCode === 3 && !crashAt.has(e.serviceId)) crashAt.set(e.serviceId, e.ts);
    });
    await live.emitWithAck('subscribe', { environmentId });

    // Every trial's service on the canvas, one commit. Each waits its turn from the moment it starts.
    const editor = await connectEditor(server.url, environmentId, token);
    initDoc(editor.doc, { environmentName: 'production' });
    const burners: string[] = [];
    const crashers: string[] = [];
    const lead = 8; // seconds for the deployment to finish before the first trial
    for (let i = 0; i < TRIALS; i++) {
      const burnDelay = lead + i * SPACING_S * 2;
      const crashDelay = burnDelay + SPACING_S;
      const burn = `sleep ${burnDelay}; echo burn; timeout ${BURN_S} sh -c 'while :; do :; done'; exec sleep 86400`;
      burners.push(addService(editor.doc, { kind: 'service', name: `burn-${i}`, source: { type: 'image', image: BUSYBOX }, command: ['sh', '-c', burn] } as NodeInit));
      // Exits once; after the engine restarts it, it sleeps for good (the marker file survives in the container).
      const crash = `[ -e /crashed ] && exec sleep 86400; sleep ${crashDelay}; touch /crashed; exit 3`;
      crashers.push(addService(editor.doc, { kind: 'service', name: `crash-${i}`, source: { type: 'image', image: BUSYBOX }, command: ['sh', '-c', crash] } as NodeInit));
    }
    await waitFor(async () => {
      const check = await connectEditor(server.url, environmentId, token);
      const has = check.doc.getMap('services').size === TRIALS * 2;
      check.destroy();
      return has;
    }, 10_000, 'the edit to be stored');
    editor.destroy();
    const commit = await api('POST', `/api/environments/${environmentId}/commits`, { message: 'bench' });
    if (commit.status !== 201) throw new Error(`commit failed: ${JSON.stringify(commit.body)}`);
    const deployStart = Date.now();

    const fired = (kind: string, serviceId: string) => hooks.find((h) => h.event === 'alert.fired' && h.kind === kind && h.serviceId === serviceId);
    const total = (lead + TRIALS * SPACING_S * 2 + 30) * 1000;
    await waitFor(() => burners.every((s) => fired('metric', s)) && crashers.every((s) => fired('crashed', s)), total, 'every trial to be notified').catch(
      (error: unknown) => console.error(`${error instanceof Error ? error.message : String(error)}: measuring what arrived`),
    );
    const deployment = (await api('GET', `/api/deployments/${commit.body.deployment.id}`)).body.deployment as { status: string; updatedAt?: string };

    const series = (starts: Map<string, number>, services: string[], kind: string) =>
      services
        .map((s) => {
          const start = starts.get(s);
          const hit = fired(kind, s);
          return start !== undefined && hit ? hit.at - start : null;
        })
        .filter((v): v is number => v !== null)
        .sort((a, b) => a - b);
    const fromSample = series(breachAt, burners, 'metric');
    const fromBurn = series(burnAt, burners, 'metric');
    const fromCrash = series(crashAt, crashers, 'crashed');

    const fmt = (values: number[]) =>
      values.length === 0 ? 'no data' : `${percentile(values, 50)} / ${percentile(values, 95)} / ${values[values.length - 1]} ms (n=${values.length})`;
    const verdict = (values: number[]) => (values.length >= Math.min(20, TRIALS) && percentile(values, 95) <= 5_000 ? 'met (≤ 5 s)' : values.length ? 'NOT met' : '—');
    const rows = [
      ['breaching sample → webhook received', fmt(fromSample), verdict(fromSample)],
      ['burn starts → webhook received', fmt(fromBurn), 'includes the agent\'s 1-s sampling'],
      [
        'burners: peak CPU (median) / over the threshold',
        `${percentile(burners.map((b) => maxCpu.get(b) ?? 0).sort((a, b) => a - b), 50).toFixed(0)} % / ${burners.filter((b) => breachAt.has(b)).length} of ${TRIALS}`,
        `threshold ${THRESHOLD} % of a core, forS 0`,
      ],
      ['crash (engine die) → webhook received', fmt(fromCrash), verdict(fromCrash)],
      ['deployment of the trial services', deployment.status, `${TRIALS * 2} services, ${((Date.now() - deployStart) / 1000).toFixed(0)} s of trials`],
    ];
    const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length), ['figure', 'p50 / p95 / max', 'budget / note'][c].length));
    const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
    console.log('\nAlerts: time to the webhook; server, agent and receiver in separate processes, real engine');
    console.log(`machine: ${cpus().length} CPUs, 1-min load average ${loadBefore.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end`);
    console.log(line(['figure', 'p50 / p95 / max', 'budget / note']));
    console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
    for (const r of rows) console.log(line(r));
    console.log(`(total ${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
