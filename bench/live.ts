// Live logs and metrics against ARCHITECTURE's budgets: a log line written in
// a container → a socket.io /live client (p95 ≤ 250 ms), a stats sample → the
// client (≤ 1.5 s), sustained log lines per second for one service with none
// lost, the agent's CPU to collect 100 containers, and the bytes a container's
// metrics take per day. The server and the agent run as their own processes
// (the real entry points); services are deployed by commits on the real engine.
// Run: node --import tsx bench/live.ts   (needs DOCKER_HOST, see scripts/engine.sh)
import Database from 'better-sqlite3';
import Docker from 'dockerode';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Server as SocketServer } from 'socket.io';
import { io as connectLive } from 'socket.io-client';
import { openDb } from '../db/client';
import { BUSYBOX, requireEngine } from '../agent/testing';
import { createMetricStore } from '../server/metrics/store';
import { connectEditor } from '../server/sync/test-clients';
import { ROOT } from '../server/app';
import { client, createApiToken, signUp, spawnServer, waitFor } from '../server/test-utils';
import { addService, initDoc, type NodeInit } from '../sync';
import { LABELS, type LiveLogs, type LiveMetrics } from '../sync/events';

const TICK_SECONDS = 15; // latency sampling window
const FLOOD_LINES = 200_000;
const IDLE_CONTAINERS = Number(process.env.BENCH_LIVE_CONTAINERS ?? 100);
const CPU_WINDOW_S = 20;
const CPU_WINDOWS = 3;
const SETTLE_S = 30;
// BENCH_LIVE_ONLY=agent measures the agent's CPU alone (the quick loop when working on the agent).
const AGENT_ONLY = process.env.BENCH_LIVE_ONLY === 'agent';
// BENCH_LIVE_AGENT_BASELINE=<another checkout>/agent/index.ts runs that agent beside this one, on the
// same containers over the same windows: a ratio that the load of a shared machine does not skew.
const BASELINE_ENTRY = process.env.BENCH_LIVE_AGENT_BASELINE;

const docker = new Docker();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** CPU time (user + system) of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

function spawnAgent(server: string, token: string, stateDir: string, entry = 'agent/index.ts'): ChildProcess {
  // BENCH_LIVE_AGENT_PROFILE=<dir> writes a V8 CPU profile of each agent there when it stops.
  const profile = process.env.BENCH_LIVE_AGENT_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_LIVE_AGENT_PROFILE}`] : [];
  return spawn(process.execPath, [...profile, '--import', 'tsx', entry, '--server', server, '--token', token, '--state-dir', stateDir, '--name', 'bench'], {
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

/** A real server and a real agent process joined to it; services deployed by commits. */
async function measureEndToEnd(cleanups: (() => unknown)[]) {
  // Registered first so it runs last: with the server and agent gone, nothing recreates the containers.
  const projectIds: string[] = [];
  cleanups.push(async () => {
    for (const id of projectIds) await removeByLabel(`${LABELS.project}=${id}`);
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'containr-bench-live-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const server = await spawnServer(dataDir, { LOG_LEVEL: 'info', CONTAINR_LOG_MAX_MB_PER_SERVICE: '2000' });
  cleanups.push(() => server.kill());
  const session = await signUp(server.url, 'Bench');
  const token = await createApiToken(server.url, session);
  const api = client(server.url, { token });

  const joinToken = await api('POST', '/api/nodes/join-tokens', { teamId: session.teamId });
  const agentDir = mkdtempSync(join(tmpdir(), 'containr-bench-agent-'));
  cleanups.push(() => rmSync(agentDir, { recursive: true, force: true }));
  const agent = spawnAgent(server.url, joinToken.body.token as string, agentDir);
  cleanups.push(() => kill(agent));
  await waitFor(async () => (await api('GET', '/api/nodes')).body.nodes.some((n: { status: string }) => n.status === 'ready'), 30_000, 'the agent');

  async function deploy(name: string, command: string[]) {
    const res = await api('POST', '/api/projects', { name: `bench ${name}` });
    projectIds.push(res.body.project.id);
    const environmentId = res.body.environments[0].id as string;
    const live = connectLive(`${server.url}/live`, { auth: { token }, transports: ['websocket'] });
    cleanups.push(() => live.disconnect());
    await new Promise<void>((resolve) => live.once('connect', () => resolve()));
    await live.emitWithAck('subscribe', { environmentId });
    const editor = await connectEditor(server.url, environmentId, token);
    initDoc(editor.doc, { environmentName: 'production' });
    const serviceId = addService(editor.doc, { kind: 'service', name, source: { type: 'image', image: BUSYBOX }, command } as NodeInit);
    // Persisted once a fresh client sees it (the server persists before it relays).
    await waitFor(async () => {
      const check = await connectEditor(server.url, environmentId, token);
      const has = check.doc.getMap('services').has(serviceId);
      check.destroy();
      return has;
    }, 10_000, 'the edit to be stored');
    editor.destroy();
    const commit = await api('POST', `/api/environments/${environmentId}/commits`, { message: name });
    if (commit.status !== 201) throw new Error(`commit failed: ${JSON.stringify(commit.body)}`);
    return { environmentId, serviceId, live, deploymentId: commit.body.deployment.id as string };
  }

  // 1. Latency: a service writing a line every 5 ms (busybox's shell makes it ~150/s); every line and metrics message is timed on arrival.
  const ticker = await deploy('ticker', ['sh', '-c', 'while :; do echo tick; usleep 5000; done']);
  const logLatency: number[] = [];
  const statsLatency: number[] = [];
  let measuring = false;
  ticker.live.on('logs', (m: LiveLogs) => {
    const now = Date.now();
    if (measuring) for (const line of m.lines) if (line.stream === 'stdout') logLatency.push(now - line.ts);
  });
  ticker.live.on('metrics', (m: LiveMetrics) => {
    const now = Date.now();
    if (measuring) for (const s of m.services) statsLatency.push(now - s.ts);
  });
  await waitFor(async () => (await api('GET', `/api/deployments/${ticker.deploymentId}`)).body.deployment.status === 'succeeded', 60_000, 'ticker');
  await sleep(2_000); // warm-up: JIT on both sides
  measuring = true;
  await sleep(TICK_SECONDS * 1000);
  measuring = false;

  // 2. Throughput: one service writes FLOOD_LINES lines at once; time until all are stored (read from the server's database).
  const cpuBefore = { server: cpuSeconds(server.pid), agent: cpuSeconds(agent.pid!) };
  const flood = await deploy('flood', ['sh', '-c', `seq 1 ${FLOOD_LINES}; exec sleep 3600`]);
  let liveLines = 0;
  let skipped = 0;
  flood.live.on('logs', (m: LiveLogs) => {
    liveLines += m.lines.length;
    skipped += m.skipped;
  });
  const db = new Database(join(dataDir, 'containr.db'), { readonly: true, fileMustExist: true });
  cleanups.push(() => db.close());
  const count = db.prepare<[string], { n: number; distinct: number; first: number | null; last: number | null; lastTs: number | null }>(
    `SELECT COUNT(*) AS n, COUNT(DISTINCT text) AS "distinct", MIN(ts) AS first, MAX(CAST(text AS INTEGER)) AS last, MAX(ts) AS lastTs
     FROM log_lines WHERE service_id = ? AND stream = 'stdout'`,
  );
  const done = await waitFor(
    () => {
      const row = count.get(flood.serviceId);
      return row && row.n >= FLOOD_LINES ? { ...row, storedAt: Date.now() } : null;
    },
    180_000,
    'the flood to be stored',
  );
  const cpuUsed = { server: cpuSeconds(server.pid) - cpuBefore.server, agent: cpuSeconds(agent.pid!) - cpuBefore.agent };
  await sleep(500); // anything beyond FLOOD_LINES would be a duplicate
  const final = count.get(flood.serviceId)!;
  const floodSeconds = (done.storedAt - (done.first ?? done.storedAt)) / 1000;
  const engineSeconds = ((done.lastTs ?? 0) - (done.first ?? 0)) / 1000;

  const sortedLogs = [...logLatency].sort((a, b) => a - b);
  const sortedStats = [...statsLatency].sort((a, b) => a - b);
  return {
    log: { n: sortedLogs.length, p50: percentile(sortedLogs, 50), p95: percentile(sortedLogs, 95), max: sortedLogs.at(-1) ?? NaN },
    stats: { n: sortedStats.length, p50: percentile(sortedStats, 50), p95: percentile(sortedStats, 95), max: sortedStats.at(-1) ?? NaN },
    flood: {
      stored: final.n,
      distinct: final.distinct,
      last: final.last,
      seconds: floodSeconds,
      engineSeconds,
      linesPerS: FLOOD_LINES / floodSeconds,
      liveLines,
      skipped,
      // CPU per 1,000 lines (includes deploying the service and relaying the live tail).
      serverMsPerK: (cpuUsed.server * 1000) / (FLOOD_LINES / 1000),
      agentMsPerK: (cpuUsed.agent * 1000) / (FLOOD_LINES / 1000),
    },
  };
}

/** The agent process alone, against a stand-in server that acknowledges everything, with 100 idle containers. */
async function measureAgentCpu(cleanups: (() => unknown)[]) {
  const runLabel = `containr.test-run=bench-live-${process.pid}`;
  cleanups.push(() => removeByLabel(runLabel));
  const http = createServer();
  const io = new SocketServer(http, { serveClient: false, maxHttpBufferSize: 1e6 });
  const nodeId = 'bench-node';
  const seen = new Set<string>();
  let samples = 0;
  io.of('/agent').on('connection', (socket) => {
    socket.emit('welcome', { nodeId });
    socket.on('hello', (_p: unknown, ack: (a: unknown) => void) => ack({ ok: true }));
    socket.on('stats', (p: { samples: { containerId: string }[] }, ack: (a: unknown) => void) => {
      samples += p.samples.length;
      for (const s of p.samples) seen.add(s.containerId);
      ack({ ok: true });
    });
    for (const event of ['logs', 'event', 'heartbeat', 'inventory', 'task:result', 'task:progress']) {
      socket.on(event, (_p: unknown, ack?: (a: unknown) => void) => ack?.({ ok: true }));
    }
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => io.close(() => resolve(undefined))));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

  const created = performance.now();
  for (let i = 0; i < IDLE_CONTAINERS; i += 10) {
    await Promise.all(
      Array.from({ length: 10 }, async (_, j) => {
        const container = await docker.createContainer({
          Image: BUSYBOX,
          Cmd: ['sleep', '3600'],
          Labels: {
            [LABELS.managed]: 'true',
            [LABELS.node]: nodeId,
            [LABELS.project]: 'bench',
            [LABELS.environment]: 'bench',
            [LABELS.service]: `svc-${(i + j) % 10}`,
            [LABELS.deployment]: 'bench',
            'containr.test': 'live',
            'containr.test-run': runLabel.split('=')[1],
          },
        });
        await container.start();
      }),
    );
  }
  const startSeconds = (performance.now() - created) / 1000;
  const start = (entry?: string) => {
    const stateDir = mkdtempSync(join(tmpdir(), 'containr-bench-agent-'));
    cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
    const child = spawnAgent(url, 'cnode_bench-token-0123456789', stateDir, entry);
    cleanups.push(() => kill(child));
    return child;
  };
  const agent = start();
  const baseline = BASELINE_ENTRY ? start(BASELINE_ENTRY) : null;
  const agents = baseline ? 2 : 1;
  await waitFor(() => seen.size >= IDLE_CONTAINERS && agent.pid !== undefined, 60_000, `samples from ${IDLE_CONTAINERS} containers`);
  // The steady state, not the start: opening 100 log streams and probes, compiling, and V8's memory
  // reducer shrinking the start-up heap (two full GCs about 25 s in) are one-time costs.
  await sleep(SETTLE_S * 1000);
  // Several windows, their median: one window can catch a burst of other work on the shared cores.
  const windows: { percent: number; baseline: number; samplesPerS: number }[] = [];
  for (let w = 0; w < CPU_WINDOWS; w++) {
    const cpu0 = cpuSeconds(agent.pid!);
    const base0 = baseline ? cpuSeconds(baseline.pid!) : 0;
    const samples0 = samples;
    const t0 = performance.now();
    await sleep(CPU_WINDOW_S * 1000);
    const seconds = (performance.now() - t0) / 1000;
    windows.push({
      percent: ((cpuSeconds(agent.pid!) - cpu0) / seconds) * 100,
      baseline: baseline ? ((cpuSeconds(baseline.pid!) - base0) / seconds) * 100 : NaN,
      samplesPerS: (samples - samples0) / seconds / agents,
    });
  }
  const ratios = windows.map((w) => w.percent / w.baseline).sort((a, b) => a - b);
  windows.sort((a, b) => a.percent - b.percent);
  const rss = Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${agent.pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;
  return {
    ...windows[Math.floor(windows.length / 2)],
    all: windows.map((w) => w.percent),
    ratio: baseline ? ratios[Math.floor(ratios.length / 2)] : null,
    rss,
    startSeconds,
  };
}

/** Storage of one container's raw samples for a day, and of one service's rollups for a day, measured with dbstat. */
function measureStorage() {
  const dir = mkdtempSync(join(tmpdir(), 'containr-bench-metrics-'));
  try {
    const db = openDb(join(dir, 'metrics.db'));
    const store = createMetricStore(db);
    const ref = { containerId: 'x'.repeat(64), nodeId: 'n', projectId: 'p'.repeat(20), environmentId: 'e'.repeat(20), serviceId: crypto.randomUUID(), deploymentId: 'd'.repeat(20) };
    const key = store.containerKey(ref, ref.projectId, 0);
    const day = 86_400;
    const start = Date.now() - day * 1000;
    const rows = Array.from({ length: day }, (_, i) => ({
      containerKey: key,
      ts: start + i * 1000 + (i % 17),
      cpu: 200 + ((i * 7919) % 3000), // 2–32 %
      memory: 48_000_000 + ((i * 104_729) % 4_000_000),
      memoryLimit: 256 * 1024 * 1024,
      netRx: (i * 31) % 5_000,
      netTx: (i * 17) % 3_000,
      blockRead: 0,
      blockWrite: (i * 13) % 20_000,
    }));
    for (let i = 0; i < rows.length; i += 10_000) store.insert(rows.slice(i, i + 10_000));
    store.rollup(start, start + day * 1000);
    const size = (names: string[]) =>
      db.$client.prepare(`SELECT SUM(pgsize) AS bytes FROM dbstat WHERE name IN (${names.map(() => '?').join(',')})`).get(...names) as { bytes: number };
    const raw = size(['metric_samples', 'sqlite_autoindex_metric_samples_1']).bytes;
    const rollups = size(['metric_rollups', 'sqlite_autoindex_metric_rollups_1', 'metric_rollups_ts_idx']).bytes;
    db.$client.close();
    return { rawPerDay: raw, bytesPerSample: raw / day, rollupsPerDay: rollups };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const cleanups: (() => unknown)[] = [];
  const t0 = performance.now();
  const loadBefore = loadavg()[0];
  await requireEngine(docker);
  try {
    const storage = AGENT_ONLY ? null : measureStorage();
    const e2e = AGENT_ONLY ? null : await measureEndToEnd(cleanups);
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    const agent = await measureAgentCpu(cleanups);

    const ms = (v: number) => `${v.toFixed(0)} ms`;
    const kb = (v: number) => `${(v / 1024).toFixed(0)} KB`;
    const mb = (v: number) => `${(v / 1024 / 1024).toFixed(1)} MB`;
    const agentRow: [string, string, string] = [
      `agent CPU, ${IDLE_CONTAINERS} containers`,
      `${agent.percent.toFixed(2)} % of a core`,
      `median of ${agent.all.map((p) => p.toFixed(2)).join(' / ')} % (${CPU_WINDOW_S} s windows after ${SETTLE_S} s); ${agent.samplesPerS.toFixed(0)} samples/s; RSS ${mb(agent.rss)}; ≤ 1 % ${agent.percent <= 1 ? 'ok' : 'OVER'}`,
    ];
    const baselineRow: [string, string, string][] =
      agent.ratio === null ? [] : [['agent CPU, this / baseline', `${agent.ratio.toFixed(2)}`, `median of per-window ratios; baseline ${BASELINE_ENTRY}`]];
    const rows: [string, string, string][] =
      !e2e || !storage
        ? [agentRow, ...baselineRow]
        : [
            ['log line → /live client p50', ms(e2e.log.p50), `${e2e.log.n} lines, ${Math.round(e2e.log.n / TICK_SECONDS)}/s`],
            ['log line → /live client p95', ms(e2e.log.p95), `≤ 250 ms ${e2e.log.p95 <= 250 ? 'ok' : 'OVER'}`],
            ['log line → /live client max', ms(e2e.log.max), ''],
            ['stats sample → /live client p50', ms(e2e.stats.p50), `${e2e.stats.n} messages`],
            ['stats sample → /live client p95', ms(e2e.stats.p95), `≤ 1.5 s ${e2e.stats.p95 <= 1500 ? 'ok' : 'OVER'}`],
            [
              'sustained lines/s, one service',
              `${Math.round(e2e.flood.linesPerS).toLocaleString('en')}`,
              `${FLOOD_LINES.toLocaleString('en')} lines stored in ${e2e.flood.seconds.toFixed(1)} s (engine wrote them in ${e2e.flood.engineSeconds.toFixed(1)} s)`,
            ],
            [
              'lines stored / distinct / last',
              `${e2e.flood.stored} / ${e2e.flood.distinct} / ${e2e.flood.last}`,
              e2e.flood.stored === FLOOD_LINES && e2e.flood.distinct === FLOOD_LINES && e2e.flood.last === FLOOD_LINES ? 'none lost, none repeated' : 'MISMATCH',
            ],
            [
              'CPU per 1,000 lines: server / agent',
              `${e2e.flood.serverMsPerK.toFixed(1)} / ${e2e.flood.agentMsPerK.toFixed(1)} ms`,
              'store (FTS) + live relay / read, name, batch',
            ],
            ['flood over /live: sent / skipped', `${e2e.flood.liveLines} / ${e2e.flood.skipped}`, 'live tail capped at 1,000 lines per 100 ms; all stored'],
            ['raw metrics per container per day', mb(storage.rawPerDay), `${storage.bytesPerSample.toFixed(1)} B per 1-s sample; kept 24 h`],
            ['rollups per service per day', kb(storage.rollupsPerDay), '1,440 one-minute rows; kept 30 days'],
            [
              'steady-state metrics per 1-container service',
              mb(storage.rawPerDay + 30 * storage.rollupsPerDay),
              '24 h raw + 30 days of rollups',
            ],
            agentRow,
            ...baselineRow,
          ];
    const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length), ['figure', 'value', 'budget / note'][c].length));
    const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
    console.log('\nLive logs and metrics: server, agent and clients in separate processes, real engine');
    console.log(`machine: ${cpus().length} CPUs, 1-min load average ${loadBefore.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end`);
    console.log(line(['figure', 'value', 'budget / note']));
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
