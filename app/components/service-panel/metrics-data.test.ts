import { describe, expect, it } from 'vitest';
import type { ServiceMetrics } from '../../../sync';
import { bucketSamples, hasSpread, mergePoints, niceBytesMax, niceMax, RANGES, stepFor, summarize, withGaps, type MetricPoint } from './metrics-data';

const sample = (ts: number, cpuPercent: number, memoryBytes = 1_000, patch: Partial<ServiceMetrics> = {}): ServiceMetrics => ({
  serviceId: 's1',
  ts,
  containers: 1,
  cpuPercent,
  memoryBytes,
  memoryLimitBytes: 4_000,
  netRxBytesPerS: 10,
  netTxBytesPerS: 20,
  blockReadBytesPerS: 0,
  blockWriteBytesPerS: 0,
  ...patch,
});

const point = (ts: number, cpu: number, seconds = 5): MetricPoint => ({
  ts,
  seconds,
  containers: 1,
  cpuPercent: { min: cpu, avg: cpu, max: cpu },
  memoryBytes: { min: 1, avg: 1, max: 1 },
  memoryLimitBytes: null,
  netRxBytesPerS: 0,
  netTxBytesPerS: 0,
  blockReadBytesPerS: 0,
  blockWriteBytesPerS: 0,
});

describe('steps per range', () => {
  it('asks for a few hundred points per range, raw for the short ones, whole minutes for rollups', () => {
    for (const range of RANGES) {
      expect(stepFor(range.ms)).toBe(range.stepMs);
      const points = range.ms / range.stepMs;
      expect(points).toBeGreaterThanOrEqual(150);
      expect(points).toBeLessThanOrEqual(400);
      // The server answers from raw samples below a one-minute step, up to 6 h.
      if (range.ms <= 6 * 3_600_000) expect(range.stepMs).toBeLessThan(60_000);
      else expect(range.stepMs % 60_000).toBe(0);
    }
    expect(stepFor(3 * 3_600_000)).toBe(30_000);
    expect(stepFor(90 * 24 * 3_600_000)).toBe(21_600_000);
  });
});

describe('bucketing live samples', () => {
  it('buckets on epoch-aligned steps with min/avg/max, like the server', () => {
    const points = bucketSamples([sample(10_000, 1), sample(11_000, 3, 3_000), sample(14_999, 5), sample(15_000, 7)], 5_000);
    expect(points.map((p) => p.ts)).toEqual([10_000, 15_000]);
    expect(points[0]).toMatchObject({ seconds: 3, cpuPercent: { min: 1, avg: 3, max: 5 }, memoryBytes: { min: 1_000, max: 3_000 }, memoryLimitBytes: 4_000, netRxBytesPerS: 10 });
    expect(points[1].cpuPercent).toEqual({ min: 7, avg: 7, max: 7 });
  });

  it('has no limit when any container has none', () => {
    const [p] = bucketSamples([sample(0, 1), sample(1_000, 1, 1, { memoryLimitBytes: null })], 5_000);
    expect(p.memoryLimitBytes).toBeNull();
  });
});

describe('merging history with live samples', () => {
  const window = { from: 0, to: 100_000, stepMs: 5_000 };

  it('lays the live buckets over the end of the history', () => {
    const history = [point(0, 1), point(5_000, 2), point(10_000, 3, 2)];
    const live = [10_000, 11_000, 12_000, 13_000, 14_000, 15_000, 16_000].map((ts) => sample(ts, 9));
    const merged = mergePoints(history, live, window);
    expect(merged.map((p) => [p.ts, p.cpuPercent.avg])).toEqual([
      [0, 1],
      [5_000, 2],
      [10_000, 9], // history had 2 s of it, live has 5
      [15_000, 9],
    ]);
  });

  it('keeps the history bucket the live samples only began in', () => {
    const merged = mergePoints([point(10_000, 3, 5)], [sample(14_000, 9)], window);
    expect(merged.map((p) => p.cpuPercent.avg)).toEqual([3]);
  });

  it('draws live samples alone before any history exists (a service just deployed)', () => {
    const merged = mergePoints([], [sample(61_000, 4), sample(62_000, 6)], { from: 0, to: 400_000, stepMs: 300_000 });
    expect(merged).toHaveLength(1);
    expect(merged[0]).toMatchObject({ ts: 0, cpuPercent: { avg: 5 } });
  });

  it('keeps only the window', () => {
    const merged = mergePoints([point(0, 1), point(50_000, 2), point(200_000, 3)], [], { from: 20_000, to: 100_000, stepMs: 5_000 });
    expect(merged.map((p) => p.ts)).toEqual([50_000]);
  });
});

describe('chart shaping', () => {
  it('breaks the line where buckets are missing and centres points in their bucket', () => {
    const shaped = withGaps([point(0, 1), point(5_000, 1), point(20_000, 1)], 5_000);
    expect(shaped.map((c) => [c.t, c.point ? 'p' : 'gap'])).toEqual([
      [2_500, 'p'],
      [7_500, 'p'],
      [10_000, 'gap'],
      [22_500, 'p'],
    ]);
  });

  it('shows a band only where buckets of several samples vary', () => {
    expect(hasSpread([point(0, 1)], (p) => p.cpuPercent)).toBe(false);
    const varied = { ...point(0, 1), cpuPercent: { min: 0, avg: 1, max: 3 } };
    expect(hasSpread([varied], (p) => p.cpuPercent)).toBe(true);
    expect(hasSpread([{ ...varied, seconds: 1 }], (p) => p.cpuPercent)).toBe(false);
  });

  it('summarizes min, weighted average, max and the last value', () => {
    expect(summarize([point(0, 1, 1), point(5_000, 4, 3)], (p) => p.cpuPercent.avg)).toEqual({ min: 1, avg: 3.25, max: 4, last: 4 });
    expect(summarize([], (p) => p.cpuPercent.avg)).toBeNull();
  });

  it('rounds axis tops to readable values', () => {
    expect(niceMax(0)).toBe(2);
    expect(niceMax(42)).toBe(50);
    expect(niceMax(95)).toBe(200);
    expect(niceBytesMax(3 * 1024 ** 2)).toBe(4 * 1024 ** 2);
    expect(niceBytesMax(100)).toBe(2 * 1024);
  });
});
