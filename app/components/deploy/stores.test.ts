import { describe, expect, it, vi } from 'vitest';
import type { LiveDeployment, ServiceStatus } from '../../../sync';
import type { Deployment, DeploymentEvent } from './api';
import { stepRows } from './event-list';
import { DeploymentsStore, IssuesStore, StatusStore } from './stores';

const deployment = (over: Partial<Deployment> = {}): Deployment => ({
  id: 'd1',
  environmentId: 'e1',
  commitId: 'c1',
  commitNumber: 1,
  trigger: 'commit',
  status: 'queued',
  reason: null,
  createdBy: null,
  createdAt: '2025-01-01T00:00:00.000Z',
  startedAt: null,
  finishedAt: null,
  ...over,
});

const event = (id: number, over: Partial<DeploymentEvent> = {}): DeploymentEvent => ({
  id,
  deploymentId: 'd1',
  serviceId: null,
  type: 'progress',
  message: `event ${id}`,
  details: null,
  createdAt: `2025-01-01T00:00:0${id}.000Z`,
  ...over,
});

const live = (over: Partial<LiveDeployment>): LiveDeployment => ({ environmentId: 'e1', deploymentId: 'd1', ...over });

describe('DeploymentsStore', () => {
  it('keeps every event whichever arrives first: the socket, the fetch or the commit answer', () => {
    const store = new DeploymentsStore();
    // The socket is quicker than the POST that created the deployment.
    expect(store.receive(live({ status: 'running' }))).toBe(true);
    expect(store.receive(live({ event: event(1) }))).toBe(true);
    // The fetch the store asked for answers with what the server had then.
    store.show(deployment({ status: 'running', events: [event(1)] }));
    store.receive(live({ event: event(2) }));
    // The commit's own answer comes last, with the status it had when created.
    store.show({ ...deployment({ status: 'queued' }), events: [] });
    store.receive(live({ event: event(3) }));
    store.receive(live({ status: 'succeeded', reason: null }));

    const { latest, events } = store.get();
    expect(events.map((e) => e.id)).toEqual([1, 2, 3]);
    expect(latest?.status).toBe('succeeded');
    expect(latest?.finishedAt).not.toBeNull();
  });

  it('never moves a status backwards', () => {
    const store = new DeploymentsStore();
    store.show(deployment({ status: 'succeeded' }));
    store.receive(live({ status: 'running' }));
    store.show(deployment({ status: 'running' }));
    expect(store.get().latest?.status).toBe('succeeded');
  });

  it('shows a newer deployment, never an older one over it', () => {
    const store = new DeploymentsStore();
    store.show(deployment({ id: 'd2', createdAt: '2025-01-02T00:00:00.000Z' }));
    store.show(deployment({ id: 'd1', createdAt: '2025-01-01T00:00:00.000Z' }));
    expect(store.get().latest?.id).toBe('d2');
  });

  it('ignores steps outside any deployment', () => {
    const store = new DeploymentsStore();
    expect(store.receive(live({ deploymentId: null, event: event(1, { deploymentId: null }) }))).toBe(false);
    expect(store.get().latest).toBeNull();
  });
});

describe('StatusStore', () => {
  const status = (serviceId: string, state: ServiceStatus['state']): ServiceStatus => ({
    serviceId,
    name: serviceId,
    state,
    replicas: { desired: 1, running: state === 'running' ? 1 : 0 },
    url: null,
    nodes: [],
  });

  it('tells only the cards whose service changed', () => {
    const store = new StatusStore();
    const web = vi.fn();
    const api = vi.fn();
    store.subscribe('web', web);
    store.subscribe('api', api);
    expect(store.get('web')).toBeUndefined();

    store.apply([status('web', 'deploying'), status('api', 'running')]);
    expect(web).toHaveBeenCalledTimes(1);
    expect(api).toHaveBeenCalledTimes(1);
    const apiBefore = store.get('api');

    store.apply([status('web', 'running'), status('api', 'running')]);
    expect(web).toHaveBeenCalledTimes(2);
    expect(api).toHaveBeenCalledTimes(1);
    // Unchanged: the same object, so useSyncExternalStore does not re-render.
    expect(store.get('api')).toBe(apiBefore);

    store.apply([status('web', 'running')]);
    expect(api).toHaveBeenCalledTimes(2);
    expect(store.get('api')).toBeNull();
  });
});

describe('IssuesStore', () => {
  it('forgets one service at a time', () => {
    const store = new IssuesStore();
    store.set(new Map([['a', ['x']], ['b', ['y']]]), []);
    store.clear('a');
    expect(store.get('a')).toEqual([]);
    expect(store.get('b')).toEqual(['y']);
    expect(store.count()).toBe(1);
  });
});

describe('stepRows', () => {
  it('shows a started step and its end as one line with how long it took', () => {
    const rows = stepRows(
      [
        event(1, { type: 'status', message: 'deployment started', details: { status: 'running' } }),
        event(2, { type: 'step.started', serviceId: 's', message: 'start web' }),
        event(3, { type: 'progress', serviceId: 's', message: 'pulling' }),
        event(4, { type: 'step.succeeded', serviceId: 's', message: 'start web' }),
        event(5, { type: 'step.started', serviceId: 's', message: 'route web' }),
        event(6, { type: 'step.failed', serviceId: 's', message: 'route web failed: boom' }),
      ],
      false,
    );
    expect(rows.map((r) => [r.text, r.tone, r.tookMs])).toEqual([
      ['Deployment started', 'info', null],
      ['start web', 'ok', 2000],
      ['Pulling', 'info', null],
      ['route web failed: boom', 'error', 1000],
    ]);
  });
});
