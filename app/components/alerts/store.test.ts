import { describe, expect, it } from 'vitest';
import type { LiveAlert } from '../../../sync';
import { AlertsStore } from './store';

const ENV = 'env-1';

function alert(over: Partial<LiveAlert> & { id: string }): LiveAlert {
  return {
    ruleId: 'rule-1',
    serviceId: 'svc-a',
    kind: 'metric',
    title: 'web: CPU > 50 %',
    severity: 'warning',
    state: 'firing',
    firedAt: '2026-11-22T03:00:00.000Z',
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    ...over,
  };
}

describe('AlertsStore', () => {
  it('shows a firing alert on its service, amber once acknowledged, gone once resolved', () => {
    const store = new AlertsStore();
    let calls = 0;
    store.subscribe('svc-a', () => calls++);
    store.apply({ environmentId: ENV, alerts: [alert({ id: 'a1' })] });
    expect(store.forService('svc-a')).toMatchObject({ id: 'a1', state: 'firing', title: 'web: CPU > 50 %', more: 0 });
    expect(store.forService('svc-b')).toBeNull();

    store.apply({ environmentId: ENV, alerts: [alert({ id: 'a1', state: 'acknowledged', acknowledgedAt: '2026-11-22T03:01:00.000Z' })] });
    expect(store.forService('svc-a')?.state).toBe('acknowledged');

    store.apply({ environmentId: ENV, alerts: [alert({ id: 'a1', state: 'resolved', resolvedAt: '2026-11-22T03:02:00.000Z' })] });
    expect(store.forService('svc-a')).toBeNull();
    expect(calls).toBe(3);
  });

  it('puts firing before acknowledged, critical before warning, and counts the others', () => {
    const store = new AlertsStore();
    store.apply({
      environmentId: ENV,
      alerts: [
        alert({ id: 'acked', state: 'acknowledged', severity: 'critical' }),
        alert({ id: 'warn', severity: 'warning', firedAt: '2026-11-22T03:05:00.000Z' }),
        alert({ id: 'crit', severity: 'critical' }),
      ],
    });
    expect(store.forService('svc-a')).toMatchObject({ id: 'crit', more: 2 });
    expect(store.list().map((a) => a.id)).toEqual(['crit', 'warn', 'acked']);
  });

  it('notifies only the services a message touches, and keeps the snapshot object stable otherwise', () => {
    const store = new AlertsStore();
    store.apply({ environmentId: ENV, alerts: [alert({ id: 'b1', serviceId: 'svc-b' })] });
    const before = store.forService('svc-b');
    const touched: string[] = [];
    store.subscribe('svc-a', () => touched.push('a'));
    store.subscribe('svc-b', () => touched.push('b'));
    store.apply({ environmentId: ENV, alerts: [alert({ id: 'a1', serviceId: 'svc-a' })] });
    expect(touched).toEqual(['a']);
    expect(store.forService('svc-b')).toBe(before);
  });

  it('an environment-wide alert concerns every node', () => {
    const store = new AlertsStore();
    const touched: string[] = [];
    store.subscribe('svc-a', () => touched.push('a'));
    store.subscribe('svc-b', () => touched.push('b'));
    store.apply({ environmentId: ENV, alerts: [alert({ id: 'd1', serviceId: null, kind: 'deployment_failed', title: 'production: Deployment failed' })] });
    expect(touched.sort()).toEqual(['a', 'b']);
    expect(store.forService('svc-b')?.title).toBe('production: Deployment failed');
  });

  it('a snapshot after a reconnect drops alerts that resolved while away', () => {
    const store = new AlertsStore();
    store.apply({ environmentId: ENV, alerts: [alert({ id: 'a1' }), alert({ id: 'b1', serviceId: 'svc-b' })] }, true);
    let calls = 0;
    store.subscribe('svc-a', () => calls++);
    store.apply({ environmentId: ENV, alerts: [alert({ id: 'b1', serviceId: 'svc-b' })] }, true);
    expect(store.forService('svc-a')).toBeNull();
    expect(store.forService('svc-b')?.id).toBe('b1');
    expect(calls).toBe(1);
  });

  it('tells change listeners about changes, not about an empty snapshot', () => {
    const store = new AlertsStore();
    const seen: number[] = [];
    store.onChange((alerts) => seen.push(alerts.length));
    store.apply({ environmentId: ENV, alerts: [] }, true);
    store.apply({ environmentId: ENV, alerts: [alert({ id: 'a1' })] });
    expect(seen).toEqual([1]);
  });
});
