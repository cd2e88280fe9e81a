import { describe, expect, it, vi } from 'vitest';
import type { LogLine, ServiceMetrics } from '../../../sync';
import { LIVE_WINDOW_MS, TelemetryStore } from './telemetry';

const sample = (serviceId: string, ts: number, cpuPercent = 1): ServiceMetrics => ({
  serviceId,
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
const line = (serviceId: string, id: number, ts: number, text = `line ${id}`): LogLine => ({
  id,
  serviceId,
  deploymentId: null,
  containerId: 'c1',
  stream: 'stdout',
  ts,
  text,
});

describe('TelemetryStore', () => {
  it('keeps the last window of samples per service and notifies only that service', () => {
    const store = new TelemetryStore();
    const api = vi.fn();
    const web = vi.fn();
    store.subscribe('api', api);
    store.subscribe('web', web);
    store.applyMetrics({ environmentId: 'e', services: [sample('api', 1_000, 5)] });
    const first = store.samples('api');
    expect(first.map((s) => s.cpuPercent)).toEqual([5]);
    expect(api).toHaveBeenCalledTimes(1);
    expect(web).not.toHaveBeenCalled();

    // An older or repeated sample is ignored and keeps the snapshot identical.
    store.applyMetrics({ environmentId: 'e', services: [sample('api', 1_000, 9)] });
    expect(store.samples('api')).toBe(first);

    store.applyMetrics({ environmentId: 'e', services: [sample('api', 1_000 + LIVE_WINDOW_MS + 1, 7)] });
    expect(store.samples('api').map((s) => s.cpuPercent)).toEqual([7]);
    expect(store.samples('web')).toEqual([]);
  });

  it('remembers the newest line per service and streams batches to tails', () => {
    const store = new TelemetryStore();
    const tail = vi.fn();
    store.onLogs('api', tail);
    store.applyLogs({ environmentId: 'e', lines: [line('api', 1, 10), line('web', 2, 11), line('api', 3, 12, 'newest')], skipped: 4 });
    expect(store.lastLine('api')?.text).toBe('newest');
    expect(store.lastLine('web')?.id).toBe(2);
    expect(tail).toHaveBeenCalledWith([line('api', 1, 10), line('api', 3, 12, 'newest')], 4);
  });

  it("shows a build's line as the service's newest until its container writes a newer one", () => {
    const store = new TelemetryStore();
    const tail = vi.fn();
    store.onLogs('web', tail);
    store.applyBuildLine({ eventId: 7, serviceId: 'web', deploymentId: 'd1', text: 'Step 2/5 : RUN npm ci', ts: 2_000 });
    expect(store.lastLine('web')).toMatchObject({ id: -7, stream: 'system', text: 'Step 2/5 : RUN npm ci', deploymentId: 'd1' });
    // An older build line does not replace a newer one; the container's first line does.
    store.applyBuildLine({ eventId: 6, serviceId: 'web', deploymentId: 'd1', text: 'Step 1/5', ts: 1_000 });
    expect(store.lastLine('web')?.text).toBe('Step 2/5 : RUN npm ci');
    store.applyLogs({ environmentId: 'e', lines: [line('web', 1, 3_000, 'listening')], skipped: 0 });
    expect(store.lastLine('web')?.text).toBe('listening');
    // Panels tailing the service's logs get the container's lines only.
    expect(tail.mock.calls.map(([lines]) => (lines as LogLine[]).map((l) => l.text))).toEqual([['listening']]);
  });
});
