// Rollups and retention of metric samples, with samples injected through the
// hub's telemetry sink and time moved by the server's injectable clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentStats, ContainerRef, ContainerSample } from '../../sync/events';
import { client, createApiToken, signUp, startTestServer, type TestServer } from '../test-utils';
import type { MetricPoint } from './store';

let offset = 0;
const clock = { now: () => Date.now() + offset };
let server: TestServer;
let api: ReturnType<typeof client>;
const sender = { nodeId: 'rollup-node', teamId: null };

beforeAll(async () => {
  server = await startTestServer({ clock });
  const session = await signUp(server.url, 'Rollup Owner');
  api = client(server.url, { token: await createApiToken(server.url, session) });
}, 60_000);

afterAll(async () => {
  await server?.close();
});

const MINUTE = 60_000;

function sample(ref: ContainerRef, ts: number, fields: Partial<ContainerSample>): ContainerSample {
  return {
    ...ref,
    ts,
    cpuPercent: 0,
    memoryBytes: 0,
    memoryLimitBytes: null,
    netRxBytes: 0,
    netTxBytes: 0,
    blockReadBytes: 0,
    blockWriteBytes: 0,
    ...fields,
  };
}

const stats = (samples: ContainerSample[]): AgentStats => ({ samples });
const summary = (values: number[]) => ({
  min: Math.min(...values),
  avg: values.reduce((a, b) => a + b, 0) / values.length,
  max: Math.max(...values),
});

describe('metric rollups', () => {
  it('rolls each minute up to the min, average and max of the per-second service totals, and prunes by age', async () => {
    const res = await api('POST', '/api/projects', { name: 'Rollups' });
    const env = { projectId: res.body.project.id as string, environmentId: res.body.environments[0].id as string };
    const a: ContainerRef = { containerId: 'container-a', nodeId: sender.nodeId, ...env, serviceId: 'api', deploymentId: 'd1' };
    const b: ContainerRef = { ...a, containerId: 'container-b' };
    // Two whole minutes, ten minutes ago.
    const m0 = Math.floor(clock.now() / MINUTE) * MINUTE - 10 * MINUTE;
    const cpuA = (i: number) => (i % 7) * 10 + 0.25;
    const bReports = (i: number) => i % 10 !== 0; // b misses every tenth second
    const sink = server.containr.services.telemetry.sink;
    for (let i = 0; i < 120; i++) {
      const ts = m0 + i * 1000 + 137;
      const samples = [sample(a, ts, { cpuPercent: cpuA(i), memoryBytes: 1_000_000 + i * 1000, netRxBytes: i * 2_000 })];
      if (bReports(i)) samples.push(sample(b, ts + 3, { cpuPercent: 50, memoryBytes: 2_000_000, memoryLimitBytes: 64 << 20 }));
      sink.stats(sender, stats(samples));
    }
    // The job rolls up every complete minute up to the clock's now.
    await server.containr.services.telemetry.maintain();

    const expected = [0, 1].map((minute) => {
      const seconds = Array.from({ length: 60 }, (_, s) => minute * 60 + s);
      return {
        cpu: summary(seconds.map((i) => cpuA(i) + (bReports(i) ? 50 : 0))),
        memory: summary(seconds.map((i) => 1_000_000 + i * 1000 + (bReports(i) ? 2_000_000 : 0))),
      };
    });
    const history = await api(
      'GET',
      `/api/services/api/metrics?environmentId=${env.environmentId}&from=${m0}&to=${m0 + 2 * MINUTE}&step=1m`,
    );
    expect(history.status).toBe(200);
    expect(history.body).toMatchObject({ resolution: '1m', stepS: 60, from: m0, to: m0 + 2 * MINUTE });
    const points = history.body.points as MetricPoint[];
    expect(points.map((p) => p.ts)).toEqual([m0, m0 + MINUTE]);
    points.forEach((p, minute) => {
      expect(p.seconds).toBe(60);
      expect(p.containers).toBe(2);
      expect(p.cpuPercent.min).toBeCloseTo(expected[minute].cpu.min, 2);
      expect(p.cpuPercent.avg).toBeCloseTo(expected[minute].cpu.avg, 2);
      expect(p.cpuPercent.max).toBeCloseTo(expected[minute].cpu.max, 2);
      expect(p.memoryBytes.min).toBe(expected[minute].memory.min);
      expect(p.memoryBytes.avg).toBeCloseTo(expected[minute].memory.avg, -1);
      expect(p.memoryBytes.max).toBe(expected[minute].memory.max);
      // a has no limit, so the service has none.
      expect(p.memoryLimitBytes).toBeNull();
      // a receives 2,000 bytes a second (its first sample has no rate yet).
      expect(p.netRxBytesPerS).toBeGreaterThan(1_900);
      expect(p.netRxBytesPerS).toBeLessThanOrEqual(2_000);
    });

    // The raw samples say the same, a second at a time.
    const raw = await api('GET', `/api/services/api/metrics?environmentId=${env.environmentId}&from=${m0}&to=${m0 + MINUTE}&step=1s`);
    expect(raw.body).toMatchObject({ resolution: 'raw', stepS: 1 });
    const perSecond = (raw.body.points as MetricPoint[]).map((p) => p.cpuPercent.avg);
    expect(perSecond).toHaveLength(60);
    expect(summary(perSecond).avg).toBeCloseTo(expected[0].cpu.avg, 2);

    // A late sample (an agent's backlog after a disconnection) rolls its minute up again.
    sink.stats(sender, stats([sample({ ...a, containerId: 'container-c' }, m0 + 31_500, { cpuPercent: 1_000 })]));
    await server.containr.services.telemetry.maintain();
    const again = (await api('GET', `/api/services/api/metrics?environmentId=${env.environmentId}&from=${m0}&to=${m0 + MINUTE}&step=1m`))
      .body.points as MetricPoint[];
    expect(again[0].cpuPercent.max).toBeCloseTo(cpuA(31) + 50 + 1_000, 2);
    expect(again[0].containers).toBe(3);

    // A day later the raw samples are gone and the rollups remain; 30 days later those go too.
    const store = server.containr.services.telemetry.metrics.store;
    offset += 25 * 60 * MINUTE;
    await server.containr.services.telemetry.maintain();
    expect(store.rawPoints(store.keysOf(env.environmentId, 'api'), m0, m0 + 2 * MINUTE, 1000)).toEqual([]);
    expect(store.rollupPoints(env.environmentId, 'api', m0, m0 + 2 * MINUTE, MINUTE)).toHaveLength(2);
    offset += 30 * 24 * 60 * MINUTE;
    await server.containr.services.telemetry.maintain();
    expect(store.rollupPoints(env.environmentId, 'api', m0, m0 + 2 * MINUTE, MINUTE)).toEqual([]);
    expect(store.keysOf(env.environmentId, 'api')).toEqual([]);
  });
});
