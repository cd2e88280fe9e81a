// The Yjs endpoint against ARCHITECTURE's budgets: a canvas edit seen by a
// peer (20 editors, loopback, p95 ≤ 50 ms) and one server process holding
// 1,000 sync clients (≤ 500 MB resident). The server runs as its own process
// (the real entry point), so its RSS is not mixed with the clients'.
// Run: node --import tsx bench/sync-latency.ts
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { connectEditor, newEnvironment } from '../server/sync/test-clients';
import { client, createApiToken, signUp, spawnServer, waitFor, type ServerProcess } from '../server/test-utils';

const EDITORS = 20;
const WARM_UP_EDITS = 200; // not measured: JIT and first-use allocations on both sides
const EDITS = 1_000;
const EDIT_INTERVAL_MS = 5; // 200 edits/s across the 20 editors
const IDLE_CLIENTS = 1_000;
const DOCUMENTS = 50;
const CONNECT_BATCH = 100;

// Each y-websocket provider adds a process 'exit' listener; 1,000 of them are expected here.
process.setMaxListeners(0);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB$/m);
  if (!line) throw new Error('no VmRSS in /proc/<pid>/status');
  return Number(line[1]) * 1024;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function startServer(cleanups: (() => unknown)[]) {
  const dataDir = mkdtempSync(join(tmpdir(), 'containr-bench-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const server = await spawnServer(dataDir, { LOG_LEVEL: 'info' });
  cleanups.push(() => server.kill());
  const session = await signUp(server.url, 'Bench');
  const token = await createApiToken(server.url, session);
  return { server, token };
}

/** 20 editors on one document; every edit stamps a time that each peer compares with its arrival. */
async function measureLatency(server: ServerProcess, token: string) {
  const environmentId = await newEnvironment(server.url, { token });
  const editors: WebsocketProvider[] = [];
  for (let i = 0; i < EDITORS; i++) editors.push(await connectEditor(server.url, environmentId, token));

  let samples: number[] = [];
  for (const editor of editors) {
    editor.doc.getMap<{ t: number }>('bench').observe((event) => {
      if (event.transaction.local) return;
      const now = performance.now();
      for (const key of event.keysChanged) {
        const value = event.target.get(key) as { t: number } | undefined;
        if (value) samples.push(now - value.t);
      }
    });
  }

  async function edit(count: number) {
    for (let n = 0; n < count; n++) {
      // One key per editor, overwritten: like dragging a node, the document stays small.
      editors[n % EDITORS].doc.getMap('bench').set(`editor-${n % EDITORS}`, { t: performance.now(), n });
      await sleep(EDIT_INTERVAL_MS);
    }
    const expected = count * (EDITORS - 1);
    // Lost deliveries show in the table; do not hang on them.
    await waitFor(() => samples.length >= expected, 30_000, `${expected} deliveries`).catch(() => {});
    return expected;
  }

  await edit(WARM_UP_EDITS);
  samples = [];
  const started = performance.now();
  const expected = await edit(EDITS);
  const seconds = (performance.now() - started) / 1000;
  for (const editor of editors) editor.destroy();

  const sorted = [...samples].sort((a, b) => a - b);
  return {
    deliveries: samples.length,
    expected,
    seconds,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
  };
}

/** 1,000 stock clients spread over 50 documents, connected and idle. */
async function measureMemory(server: ServerProcess, token: string) {
  const first = await newEnvironment(server.url, { token });
  const projectId = (await client(server.url, { token })('GET', `/api/projects`)).body.projects[0].id as string;
  const environmentIds = [first];
  for (let i = 1; i < DOCUMENTS; i++) {
    const res = await client(server.url, { token })('POST', `/api/projects/${projectId}/environments`, { name: `env-${i}` });
    if (res.status !== 201) throw new Error(`environment creation failed: ${res.status} ${JSON.stringify(res.body)}`);
    environmentIds.push(res.body.environment.id as string);
  }

  await sleep(1_000); // let start-up allocations settle before the baseline
  const before = rssBytes(server.pid);
  const clients: WebsocketProvider[] = [];
  const started = performance.now();
  for (let i = 0; i < IDLE_CLIENTS; i += CONNECT_BATCH) {
    const batch = Array.from({ length: CONNECT_BATCH }, (_, j) => {
      const doc = new Y.Doc();
      // A little content per document, as a small canvas would have.
      if ((i + j) < DOCUMENTS) for (let s = 0; s < 20; s++) doc.getMap('services').set(`svc-${s}`, { name: `svc-${s}`, replicas: 1 });
      return connectEditor(server.url, environmentIds[(i + j) % DOCUMENTS], token, doc);
    });
    clients.push(...(await Promise.all(batch)));
  }
  const connectSeconds = (performance.now() - started) / 1000;
  await sleep(3_000); // idle: only awareness renewals flow
  const after = rssBytes(server.pid);
  for (const c of clients) c.destroy();
  return { before, after, perClientKb: (after - before) / IDLE_CLIENTS / 1024, connectSeconds };
}

async function main() {
  const cleanups: (() => unknown)[] = [];
  const t0 = performance.now();
  const loadBefore = loadavg()[0];
  try {
    const latencyServer = await startServer(cleanups);
    const latency = await measureLatency(latencyServer.server, latencyServer.token);
    // A fresh process for memory, so the latency run's garbage does not count.
    const memoryServer = await startServer(cleanups);
    const memory = await measureMemory(memoryServer.server, memoryServer.token);

    const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
    const ms = (v: number) => `${v.toFixed(1)} ms`;
    const rows: [string, string, string][] = [
      [`edit → peer p50`, ms(latency.p50), ''],
      [`edit → peer p95`, ms(latency.p95), `≤ 50 ms ${latency.p95 <= 50 ? 'ok' : 'OVER'}`],
      [`edit → peer p99`, ms(latency.p99), ''],
      [`edit → peer max`, ms(latency.max), ''],
      [`deliveries`, `${latency.deliveries} / ${latency.expected}`, `${EDITS} edits in ${latency.seconds.toFixed(1)} s`],
      [`server RSS, no clients`, mb(memory.before), ''],
      [`server RSS, ${IDLE_CLIENTS} idle clients`, mb(memory.after), `≤ 500 MB ${memory.after <= 500 * 1024 * 1024 ? 'ok' : 'OVER'}`],
      [`RSS per client`, `${memory.perClientKb.toFixed(1)} KB`, `${DOCUMENTS} documents, connected in ${memory.connectSeconds.toFixed(1)} s`],
    ];
    const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length), ['figure', 'value', 'budget / note'][c].length));
    const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
    console.log(`\nYjs sync endpoint: ${EDITORS} y-websocket editors on one document (loopback, clients in one process)`);
    // Other work on the machine shows up as latency; say how busy it was.
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
