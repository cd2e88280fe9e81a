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
