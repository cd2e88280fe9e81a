import { describe, expect, it } from 'vitest';
import type { ServiceMetrics } from '../../../sync';
import { percent, SPARK_WINDOW_MS, sparkPaths } from './node-telemetry';

const sample = (ts: number, cpuPercent: number): ServiceMetrics => ({
  serviceId: 's',
  ts,
  containers: 1,
  cpuPercent,
  memoryBytes: 1024,
  memoryLimitBytes: null,
  netRxBytesPerS: 0,
  netTxBytesPerS: 0,
  blockReadBytesPerS: 0,
  blockWriteBytesPerS: 0,
});
const cpu = (s: ServiceMetrics) => s.cpuPercent;
const top100 = () => 100;
/** The x of every point the line visits, in order. */
const xs = (d: string) => [...d.matchAll(/[ML]([\d.]+) /g)].map((m) => Number(m[1]));

describe('sparkPaths', () => {
  it('draws nothing without samples, and a visible tick for the first one', () => {
    expect(sparkPaths([], cpu, top100)).toEqual({ line: '', area: '' });
    const one = sparkPaths([sample(1_000, 50)], cpu, top100);
    expect(one.line).toMatch(/^M100 [\d.]+h-2$/);
  });

  it('puts the newest sample at the right edge and scales values to the top', () => {
    const t = 1_000_000;
    // A young series spans at least 30 s: 2 s of samples sit at the right.
    const { line } = sparkPaths([sample(t - 2_000, 0), sample(t - 1_000, 50), sample(t, 100)], cpu, top100);
    expect(line).toBe('M93.3 17L96.7 9L100 1');
  });

  it('keeps only the last window and breaks the line over a gap', () => {
    const t = 10_000_000;
    const samples = [
      sample(t - 18_000 - SPARK_WINDOW_MS - 1_000, 10), // older than the window before the newest
      sample(t - 60_000, 10),
      sample(t - 59_000, 10),
      sample(t - 20_000, 10), // 39 s later: a gap
      sample(t - 19_000, 10),
      sample(t - 18_000, 10),
    ];
    const { line, area } = sparkPaths(samples, cpu, top100);
    expect(xs(line)).toHaveLength(5);
    expect(line.match(/M/g)).toHaveLength(2);
    // Each run of the area is closed down to the baseline.
    expect(area.match(/Z/g)).toHaveLength(2);
    expect(Math.max(...xs(line))).toBe(100);
  });

  it('clamps values over the top instead of drawing out of the box', () => {
    const { line } = sparkPaths([sample(0, 500), sample(1_000, 500)], cpu, () => 100);
    expect(line).toBe('M96.7 1L100 1');
  });
});

describe('percent', () => {
  it('keeps one decimal under 10 and rounds above', () => {
    expect(percent(0.04)).toBe('0.0%');
    expect(percent(4.26)).toBe('4.3%');
    expect(percent(12.4)).toBe('12%');
    expect(percent(180)).toBe('180%');
  });
});
