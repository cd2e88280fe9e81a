// Alerts without containers: the lifecycle driven through the reconciler's
// deployment hook, escalation due times surviving a restart, the /live
// snapshot and messages, the bell, permissions by role, and mailed links that
// expire. A real server over HTTP and socket.io; no sleeps.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connectLive, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teamMembers } from '../../db/schema';
import { liveAlertsSchema, type LiveAlert } from '../../sync/events';
import type { Clock } from '../clock';
import { client, createApiToken, signUp, startTestServer, waitFor, type Session, type TestServer } from '../test-utils';

const received: { path: string; event: string }[] = [];
let receiver: Server;
let receiverUrl: string;
const sockets: Socket[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', event: (JSON.parse(raw) as { event: string }).event });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterAll(async () => {
  sockets.forEach((s) => s.disconnect());
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

async function project(api: ReturnType<typeof client>) {
  const res = await api('POST', '/api/projects', { name: `Alerts ${Math.random().toString(36).slice(2, 8)}` });
  return { projectId: res.body.project.id as string, environmentId: res.body.environments[0].id as string };
}

describe('alerts over the API', () => {
  let server: TestServer;
  let owner: Session;
  let api: ReturnType<typeof client>;
  let token: string;

  beforeAll(async () => {
    server = await startTestServer({ env: { CONTAINR_ALERT_RETRY_BASE_MS: '50' } });
    await signUp(server.url, 'Admin');
    owner = await signUp(server.url, 'Owner');
    token = await createApiToken(server.url, owner);
    api = client(server.url, { token });
  });
  afterAll(() => server?.close());

  it('a failed deployment fires (live message, bell, webhook); the next success resolves; viewers read but cannot change or acknowledge', async () => {
    const { projectId, environmentId } = await project(api);
    const hook = await api('POST', `/api/projects/${projectId}/alert-channels`, { type: 'webhook', name: 'ops', url: `${receiverUrl}/deploys` });
    const rules = (await api('GET', `/api/projects/${projectId}/alert-rules`)).body.rules as { id: string; condition: { type: string } }[];
    const deployRule = rules.find((r) => r.condition.type === 'deployment_failed')!;
    await api('PATCH', `/api/alert-rules/${deployRule.id}`, { channelIds: [hook.body.channel.id] });

    const socket = connectLive(`${server.url}/live`, { auth: { token }, transports: ['websocket'], reconnection: false });
    sockets.push(socket);
    const live: LiveAlert[][] = [];
    socket.on('alerts', (m: unknown) => live.push(liveAlertsSchema.parse(m).alerts));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    expect(await socket.timeout(5_000).emitWithAck('subscribe', { environmentId })).toEqual({ ok: true });
    await waitFor(() => live.length === 1, 5_000, 'the snapshot');
    expect(live[0]).toEqual([]);

    const before = (await api('GET', '/api/alerts/unread')).body;
    server.containr.services.alerts.onDeployment({ environmentId, deploymentId: 'd1', status: 'failed', reason: 'the image does not exist' });
    // Twice: one alert, two occurrences.
    server.containr.services.alerts.onDeployment({ environmentId, deploymentId: 'd2', status: 'failed', reason: 'again' });
    const list = await api('GET', `/api/projects/${projectId}/alerts?state=open`);
    expect(list.body.alerts).toHaveLength(1);
    const alert = list.body.alerts[0];
    expect(alert).toMatchObject({
      kind: 'deployment_failed',
      title: 'production: Deployment failed',
      message: 'A deployment of production failed: the image does not exist',
      severity: 'critical',
      state: 'firing',
      serviceId: null,
      occurrences: 2,
    });
    await waitFor(() => live.flat().some((a) => a.id === alert.id && a.state === 'firing'), 5_000, 'the live message');
    await waitFor(() => received.some((r) => r.path === '/deploys' && r.event === 'alert.fired'), 5_000, 'the webhook');
    const after = (await api('GET', '/api/alerts/unread')).body;
    expect(after.unread).toBe(before.unread + 1);
    expect(after.firing).toBe(before.firing + 1);

    // A viewer of the team reads, but neither acknowledges nor edits.
    const viewer = await signUp(server.url, 'Viewer');
    server.containr.services.db.insert(teamMembers).values({ teamId: owner.teamId, userId: viewer.user.id, role: 'viewer', createdAt: new Date() }).run();
    const asViewer = client(server.url, { cookie: viewer.cookie });
    expect((await asViewer('GET', `/api/alerts/${alert.id}`)).status).toBe(200);
    expect((await asViewer('POST', `/api/alerts/${alert.id}/ack`)).status).toBe(403);
    expect((await asViewer('PATCH', `/api/alert-rules/${deployRule.id}`, { enabled: false })).status).toBe(403);
    expect((await asViewer('GET', '/api/alerts/unread')).body.firing).toBeGreaterThanOrEqual(1);

    server.containr.services.alerts.onDeployment({ environmentId, deploymentId: 'd3', status: 'succeeded' });
    expect((await api('GET', `/api/alerts/${alert.id}`)).body.alert).toMatchObject({ state: 'resolved', acknowledgedAt: null });
    await waitFor(() => live.flat().some((a) => a.id === alert.id && a.state === 'resolved'), 5_000, 'the resolved message');
    await waitFor(() => received.some((r) => r.path === '/deploys' && r.event === 'alert.resolved'), 5_000, 'the resolved webhook');

    // Filters and paging.
    const resolved = await api('GET', `/api/projects/${projectId}/alerts?state=resolved&environmentId=${environmentId}&limit=1`);
    expect(resolved.body.alerts.map((a: { id: string }) => a.id)).toEqual([alert.id]);
    expect((await api('GET', `/api/projects/${projectId}/alerts?state=firing`)).body.alerts).toEqual([]);
    expect((await api('GET', `/api/projects/${projectId}/alerts?state=bogus`)).status).toBe(422);
    expect((await api('GET', `/api/projects/${projectId}/alerts?from=${Date.now() + 60_000}`)).body.alerts).toEqual([]);
  });

  it('the seen mark only moves forward', async () => {
    const first = await api('POST', '/api/alerts/seen', { at: Date.now() });
    const back = await api('POST', '/api/alerts/seen', { at: 1_000 });
    expect(back.body.seenAt).toBe(first.body.seenAt);
    expect((await api('GET', '/api/alerts/unread')).body.unread).toBe(0);
  });
});

describe('alert history filters', () => {
  it('narrow by environment, service, severity and time range (bounds included), and page', async () => {
    // A clock of the test's own: each alert fires an hour after the one before.
    const t0 = Date.parse('2026-12-01T00:00:00.000Z');
    let now = t0;
    const clock: Clock = { now: () => now };
    const server = await startTestServer({ clock });
    try {
      await signUp(server.url, 'Admin');
      const owner = await signUp(server.url, 'Owner');
      const api = client(server.url, { cookie: owner.cookie });
      const { projectId, environmentId: prod } = await project(api);
      const staging = await api('POST', `/api/projects/${projectId}/environments`, { name: 'staging' });
      expect(staging.status).toBe(201);
      const stage = staging.body.environment.id as string;
      const rules = (await api('GET', `/api/projects/${projectId}/alert-rules`)).body.rules as { id: string; condition: { type: string } }[];
      const crashRule = rules.find((r) => r.condition.type === 'crashed')!;
      expect((await api('PATCH', `/api/alert-rules/${crashRule.id}`, { severity: 'warning' })).status).toBe(200);

      const alerts = server.containr.services.alerts;
      const crash = (environmentId: string, serviceId: string) =>
        alerts.onEvents([{ containerId: `c-${serviceId}`, nodeId: 'n1', projectId, environmentId, serviceId, deploymentId: null, ts: now, type: 'die', exitCode: 1 }]);
      alerts.onDeployment({ environmentId: prod, deploymentId: 'd1', status: 'failed', reason: 'one' }); // t0: critical, prod
      now += 3_600_000;
      alerts.onDeployment({ environmentId: stage, deploymentId: 'd2', status: 'failed', reason: 'two' }); // t0+1h: critical, staging
      now += 3_600_000;
      crash(prod, 'svc-web'); // t0+2h: warning, prod, web
      now += 3_600_000;
      crash(stage, 'svc-worker'); // t0+3h: warning, staging, worker

      const ids = async (query: string) => {
        const res = await api('GET', `/api/projects/${projectId}/alerts?${query}`);
        expect(res.status).toBe(200);
        return (res.body.alerts as { environmentId: string; serviceId: string | null; severity: string; firedAt: string }[]).map(
          (a) => `${a.environmentId === prod ? 'prod' : 'stage'}/${a.serviceId ?? '-'}/${a.severity}/${(Date.parse(a.firedAt) - t0) / 3_600_000}h`,
        );
      };
      // Newest first.
      expect(await ids('')).toEqual(['stage/svc-worker/warning/3h', 'prod/svc-web/warning/2h', 'stage/-/critical/1h', 'prod/-/critical/0h']);
      expect(await ids(`environmentId=${prod}`)).toEqual(['prod/svc-web/warning/2h', 'prod/-/critical/0h']);
      expect(await ids('serviceId=svc-worker')).toEqual(['stage/svc-worker/warning/3h']);
      expect(await ids('severity=critical')).toEqual(['stage/-/critical/1h', 'prod/-/critical/0h']);
      expect(await ids(`severity=warning&environmentId=${stage}`)).toEqual(['stage/svc-worker/warning/3h']);
      expect(await ids('severity=info')).toEqual([]);
      // from/to bound firedAt, both included; epoch ms or ISO 8601.
      expect(await ids(`from=${t0 + 3_600_000}&to=${t0 + 2 * 3_600_000}`)).toEqual(['prod/svc-web/warning/2h', 'stage/-/critical/1h']);
      expect(await ids(`from=${encodeURIComponent(new Date(t0 + 2 * 3_600_000 + 1).toISOString())}`)).toEqual(['stage/svc-worker/warning/3h']);
      expect(await ids(`to=${t0 - 1}`)).toEqual([]);
      expect(await ids(`severity=warning&from=${t0 + 2 * 3_600_000}&environmentId=${prod}`)).toEqual(['prod/svc-web/warning/2h']);
      // Filters with paging: the cursor keeps them.
      const page1 = await api('GET', `/api/projects/${projectId}/alerts?severity=critical&limit=1`);
      expect(page1.body.alerts).toHaveLength(1);
      const page2 = await api('GET', `/api/projects/${projectId}/alerts?severity=critical&limit=1&before=${page1.body.nextCursor}`);
      expect([page1.body.alerts[0].environmentId, page2.body.alerts[0].environmentId]).toEqual([stage, prod]);
      expect(page2.body.nextCursor).toBeNull();
      // Bad filters: 422, naming the parameter.
      for (const bad of ['severity=loud', 'from=yesterday', 'limit=0', 'colour=red']) {
        const res = await api('GET', `/api/projects/${projectId}/alerts?${bad}`);
        expect(res.status, bad).toBe(422);
      }
    } finally {
      await server.close();
    }
  });
});

describe('alerts across a restart', () => {
  it('an escalation due while the server was down is sent when it starts again; a mailed link expires', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'containr-alerts-restart-'));
    let now = Date.now();
    const clock: Clock = { now: () => now };
    const first = await startTestServer({ dataDir, clock });
    let second: TestServer | undefined;
    try {
      await signUp(first.url, 'Admin');
      const owner = await signUp(first.url, 'Owner');
      const api = client(first.url, { cookie: owner.cookie });
      const { projectId, environmentId } = await project(api);
      const pager = await api('POST', `/api/projects/${projectId}/alert-channels`, { type: 'webhook', name: 'pager', url: `${receiverUrl}/restart-pager` });
      const rule = await api('POST', `/api/projects/${projectId}/alert-rules`, {
        name: 'Deploys',
        condition: { type: 'deployment_failed' },
        escalation: { afterS: 600, channelIds: [pager.body.channel.id] },
      });
      expect(rule.status).toBe(201);
      first.containr.services.alerts.onDeployment({ environmentId, deploymentId: 'd1', status: 'failed', reason: 'boom' });
      const alert = (await api('GET', `/api/projects/${projectId}/alerts?ruleId=${rule.body.rule.id}`)).body.alerts[0];
      const link = first.containr.services.alerts.ackUrl(alert.id, owner.user.email);
      await first.close();

      // Eleven minutes later (the escalation was due after ten), the server starts again.
      now += 11 * 60_000;
      second = await startTestServer({ dataDir, clock });
      await waitFor(() => received.some((r) => r.path === '/restart-pager' && r.event === 'alert.escalated'), 10_000, 'the escalation after the restart');
      expect(second.containr.services.alerts.store.alert(alert.id)?.escalatedAt?.getTime()).toBe(now);

      // The mailed link (made 11 minutes ago) still works on the new server; 73 hours on it does not.
      const token = link.split('/alerts/ack/')[1];
      expect((await fetch(`${second.url}/alerts/ack/${token}`)).status).toBe(200);
      now += 73 * 3_600_000;
      const expired = await fetch(`${second.url}/alerts/ack/${token}`, { method: 'POST' });
      expect(expired.status).toBe(410);
      expect(await expired.text()).toContain('This link has expired');
      expect((await fetch(`${second.url}/alerts/ack/not-a-token`)).status).toBe(404);
      expect(second.containr.services.alerts.store.alert(alert.id)?.state).toBe('firing');
      // Exactly one escalation, not one per start.
      expect(received.filter((r) => r.path === '/restart-pager')).toHaveLength(1);
    } finally {
      await second?.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
