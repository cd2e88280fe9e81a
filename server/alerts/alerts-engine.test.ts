// Alerts end to end: a real server, a real agent on the real engine, services
// deployed by commits, a local HTTP receiver standing in for a webhook target
// (it checks signatures, recomputing the documented HMAC itself), /live
// subscribers and the outbox. Waits on conditions, never sleeps.
import Docker from 'dockerode';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connectLive, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type Agent } from '../../agent/agent';
import { BUSYBOX, requireEngine } from '../../agent/testing';
import { addService, initDoc, updateService, type NodeInit } from '../../sync';
import { LABELS, liveAlertsSchema, type LiveAlert } from '../../sync/events';
import { client, createApiToken, signUp, startTestServer, waitFor, type Session, type TestServer } from '../test-utils';
import { verifyBody } from './signing';

const docker = new Docker();
let server: TestServer;
let owner: Session;
let ownerToken: string;
let api: ReturnType<typeof client>;
let agent: Agent;
const stateDir = mkdtempSync(join(tmpdir(), 'containr-alerts-agent-'));
const sockets: Socket[] = [];
const projectIds = new Set<string>();

// ── the webhook receiver ─────────────────────────────────────────────────────
type Received = { path: string; headers: IncomingHttpHeaders; bytes: Buffer; raw: string; body: { event: string; alert: { id: string; kind: string; state: string; title: string } | null } };
const received: Received[] = [];
/** Paths that answer 500 this many more times before answering 200. */
const failures = new Map<string, number>();
let receiver: Server;
let receiverUrl: string;

beforeAll(async () => {
  await requireEngine(docker);
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const bytes = Buffer.concat(chunks);
      const raw = bytes.toString('utf8');
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, bytes, raw, body: JSON.parse(raw) as Received['body'] });
      const left = failures.get(path) ?? 0;
      if (left > 0) failures.set(path, left - 1);
      res.writeHead(left > 0 ? 500 : 200).end(left > 0 ? 'try again' : 'ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  server = await startTestServer({
    env: { CONTAINR_ALERT_RETRY_BASE_MS: '100', CONTAINR_ALERT_WEBHOOK_TIMEOUT_S: '2' },
    deploy: { startupGraceMs: 0, resyncMs: 2_000, backoffMs: 200, waitPollMs: 200 },
  });
  await signUp(server.url, 'Instance Admin'); // the first account
  owner = await signUp(server.url, 'Alert Owner');
  ownerToken = await createApiToken(server.url, owner);
  api = client(server.url, { token: ownerToken });
  const { token: nodeToken } = server.containr.agents.registerNode({ name: 'alerts-node', teamId: owner.teamId });
  agent = startAgent({ server: server.url, token: nodeToken, name: 'alerts-node', stateDir, docker, backoff: { initialMs: 50, maxMs: 500 } });
  await waitFor(() => agent.ready, 15_000, 'the agent to connect');
}, 60_000);

afterAll(async () => {
  sockets.forEach((s) => s.disconnect());
  await agent?.close();
  await server?.close();
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  for (const id of projectIds) {
    const filters = { label: [`${LABELS.project}=${id}`] };
    for (const c of await docker.listContainers({ all: true, filters })) {
      await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
    }
    for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove().catch(() => undefined);
  }
  rmSync(stateDir, { recursive: true, force: true });
}, 60_000);

/** A webhook body as docs/alerts.md describes it (the fields these tests read). */
type HookBody = {
  event: string;
  alert: { id: string; kind: string; title: string; message: string; state: string; value: number | null; url: string };
  rule: { id: string; name: string } | null;
};

// ── helpers ──────────────────────────────────────────────────────────────────
async function newProject() {
  const res = await api('POST', '/api/projects', { name: `Alerts ${Math.random().toString(36).slice(2, 8)}` });
  expect(res.status).toBe(201);
  projectIds.add(res.body.project.id);
  return { projectId: res.body.project.id as string, environmentId: res.body.environments[0].id as string };
}

async function webhook(projectId: string, path: string): Promise<{ id: string; secret: string }> {
  const res = await api('POST', `/api/projects/${projectId}/alert-channels`, { type: 'webhook', name: `hook ${path}`, url: `${receiverUrl}${path}` });
  expect(res.status).toBe(201);
  expect(res.body.secret).toMatch(/^whsec_/);
  // Shown once: never in a listing.
  const list = await api('GET', `/api/projects/${projectId}/alert-channels`);
  expect(JSON.stringify(list.body)).not.toContain(res.body.secret);
  return { id: res.body.channel.id, secret: res.body.secret };
}

async function commit(environmentId: string, message: string) {
  const res = await api('POST', `/api/environments/${environmentId}/commits`, { message });
  expect(res.status).toBe(201);
  return res.body.deployment.id as string;
}

async function deployed(deploymentId: string, what: string) {
  await waitFor(
    async () => {
      const d = (await api('GET', `/api/deployments/${deploymentId}`)).body.deployment;
      if (d.status === 'failed') throw new Error(`deployment failed: ${d.reason}`);
      return d.status === 'succeeded';
    },
    60_000,
    what,
  );
}

async function putService(environmentId: string, name: string, command: string[]) {
  return server.containr.sync.documents.withDocument(environmentId, (doc) => {
    initDoc(doc, { environmentName: 'production' });
    return addService(doc, { kind: 'service', name, source: { type: 'image', image: BUSYBOX }, command } as NodeInit);
  });
}

async function subscribe(environmentId: string) {
  const socket = connectLive(`${server.url}/live`, { auth: { token: ownerToken }, transports: ['websocket'], reconnection: false });
  sockets.push(socket);
  const messages: LiveAlert[][] = [];
  socket.on('alerts', (m: unknown) => messages.push(liveAlertsSchema.parse(m).alerts));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  const ack = (await socket.timeout(5_000).emitWithAck('subscribe', { environmentId })) as { ok: boolean };
  expect(ack).toEqual({ ok: true });
  return messages;
}

/** CPU % (of one core) the burner must exceed. */
const BURN_THRESHOLD = 20;

const hooksAt = (path: string, event?: string) => received.filter((r) => r.path === path && (!event || r.body.event === event));

/** The scheme as docs/alerts.md states it, computed here with node:crypto (not with signing.ts): a wrong key or algorithm fails. */
function documentedSignature(secret: string, rawBody: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

function expectSigned(r: Received, secret: string) {
  expect(r.headers['content-type']).toBe('application/json');
  expect(r.headers['x-containr-signature']).toBe(documentedSignature(secret, r.bytes));
  expect(r.headers['x-containr-signature']).not.toBe(documentedSignature(`${secret}x`, r.bytes));
  // The server's own helper (what its docs offer receivers) agrees.
  expect(verifyBody(secret, r.raw, r.headers['x-containr-signature'] as string)).toBe(true);
  const ts = Number(r.headers['x-containr-timestamp']);
  expect(Math.abs(ts - Date.now() / 1000)).toBeLessThan(60);
  expect(r.headers['x-containr-delivery']).toBe((JSON.parse(r.raw) as { id: string }).id);
}

// ── the tests ────────────────────────────────────────────────────────────────
describe('alerts on a real engine', () => {
  it('a container burning CPU fires a metric alert, a signed webhook and a live message; stopping it resolves', async () => {
    const { projectId, environmentId } = await newProject();
    const hook = await webhook(projectId, '/cpu');
    const rule = await api('POST', `/api/projects/${projectId}/alert-rules`, {
      name: 'High CPU',
      severity: 'critical',
      environmentId,
      // Far below what the burner's four loops get on a busy shared machine (one loop alone hovered around 50 % there and
      // flapped: fired, resolved, fired again), far above a sleeping container's 0 %.
      condition: { type: 'metric', metric: 'cpuPercent', operator: '>', threshold: BURN_THRESHOLD, forS: 2, resolveForS: 3 },
      channelIds: [hook.id],
    });
    expect(rule.status).toBe(201);
    const live = await subscribe(environmentId);
    // The snapshot on subscribe: nothing open yet.
    await waitFor(() => live.length > 0, 5_000, 'the alerts snapshot');
    expect(live[0]).toEqual([]);

    const serviceId = await putService(environmentId, 'burner', ['sh', '-c', "for i in 1 2 3 4; do sh -c 'while :; do :; done' & done; wait"]);
    await deployed(await commit(environmentId, 'burn'), 'the burner to be deployed');

    await waitFor(() => hooksAt('/cpu', 'alert.fired').length > 0, 30_000, 'the webhook of the fired alert');
    const fired = hooksAt('/cpu', 'alert.fired')[0];
    expectSigned(fired, hook.secret);
    const body = JSON.parse(fired.raw) as HookBody;
    expect(body).toMatchObject({
      event: 'alert.fired',
      alert: { kind: 'metric', severity: 'critical', state: 'firing', threshold: BURN_THRESHOLD, title: 'burner: High CPU' },
      rule: { id: rule.body.rule.id, name: 'High CPU' },
      project: { id: projectId },
      environment: { id: environmentId, name: 'production' },
      service: { id: serviceId, name: 'burner' },
    });
    expect(body.alert.value).toBeGreaterThan(BURN_THRESHOLD);
    expect(body.alert.url).toContain(`/projects/${projectId}/alerts?alert=${body.alert.id}`);

    // The API and /live agree.
    const firing = await api('GET', `/api/projects/${projectId}/alerts?state=firing`);
    expect(firing.body.alerts).toHaveLength(1);
    expect(firing.body.alerts[0]).toMatchObject({ id: body.alert.id, serviceId, environmentId, state: 'firing', ruleName: 'High CPU' });
    await waitFor(() => live.flat().some((a) => a.id === body.alert.id && a.state === 'firing'), 5_000, 'the live alerts message');
    const unread = await api('GET', '/api/alerts/unread');
    expect(unread.body).toMatchObject({ firing: 1 });
    expect(unread.body.unread).toBeGreaterThanOrEqual(1);

    // The delivery log.
    const log = await api('GET', `/api/alert-channels/${hook.id}/deliveries`);
    await waitFor(async () => (await api('GET', `/api/alert-channels/${hook.id}/deliveries`)).body.deliveries[0]?.status === 'succeeded', 5_000, 'the delivery to be logged');
    expect(log.status).toBe(200);
    const delivery = (await api('GET', `/api/alert-channels/${hook.id}/deliveries`)).body.deliveries.at(-1);
    expect(delivery).toMatchObject({ alertId: body.alert.id, reason: 'fired', status: 'succeeded', statusCode: 200, attempts: 1, error: null });
    expect(delivery.durationMs).toBeGreaterThanOrEqual(0);

    // Stop burning: the same service now sleeps. Containr stopping the old container is not a crash.
    await server.containr.sync.documents.withDocument(environmentId, (doc) => updateService(doc, serviceId, { command: ['sleep', '86400'] }));
    await deployed(await commit(environmentId, 'cool down'), 'the sleeper to be deployed');
    await waitFor(() => hooksAt('/cpu', 'alert.resolved').length > 0, 30_000, 'the webhook of the resolved alert');
    expectSigned(hooksAt('/cpu', 'alert.resolved')[0], hook.secret);
    const after = await api('GET', `/api/alerts/${body.alert.id}`);
    expect(after.body.alert).toMatchObject({ state: 'resolved', occurrences: 1 });
    expect(after.body.deliveries.map((d: { reason: string }) => d.reason).sort()).toEqual(['fired', 'resolved']);
    await waitFor(() => live.flat().some((a) => a.id === body.alert.id && a.state === 'resolved'), 5_000, 'the live resolved message');
    // One alert in all (no re-fire while it cooled down), and the replaced container raised no crash alert.
    const all = await api('GET', `/api/projects/${projectId}/alerts`);
    expect(all.body.alerts.map((a: { kind: string }) => a.kind)).toEqual(['metric']);
    // The bell: marking seen clears unread.
    expect((await api('POST', '/api/alerts/seen', {})).status).toBe(200);
    expect((await api('GET', '/api/alerts/unread')).body).toMatchObject({ unread: 0, firing: 0 });
  }, 120_000);

  it('a container exiting non-zero fires the default crash alert (mail with a signed acknowledge link), escalates when nobody acknowledges, and the link acknowledges', async () => {
    const { projectId, environmentId } = await newProject();
    const rules = (await api('GET', `/api/projects/${projectId}/alert-rules`)).body.rules as { id: string; name: string; condition: { type: string }; channelIds: string[] }[];
    expect(rules.map((r) => r.condition.type).sort()).toEqual(['crashed', 'deployment_failed', 'node_lost']);
    const crash = rules.find((r) => r.condition.type === 'crashed')!;
    const hook = await webhook(projectId, '/crash');
    const pager = await webhook(projectId, '/pager');
    const patched = await api('PATCH', `/api/alert-rules/${crash.id}`, {
      channelIds: [...crash.channelIds, hook.id],
      escalation: { afterS: 2, channelIds: [pager.id] },
    });
    expect(patched.status).toBe(200);

    await putService(environmentId, 'crasher', ['sh', '-c', 'echo bye; exit 3']);
    await commit(environmentId, 'crash');
    await waitFor(() => hooksAt('/crash', 'alert.fired').length > 0, 30_000, 'the crash webhook');
    const fired = JSON.parse(hooksAt('/crash', 'alert.fired')[0].raw) as HookBody;
    expect(fired.alert).toMatchObject({ kind: 'crashed', title: 'crasher: Container crashed', state: 'firing' });
    expect(fired.alert.message).toContain('exited with code 3');

    // Not acknowledged within 2 s: the escalation channel is told, once.
    await waitFor(() => hooksAt('/pager', 'alert.escalated').length > 0, 15_000, 'the escalation');
    expectSigned(hooksAt('/pager', 'alert.escalated')[0], pager.secret);
    expect(JSON.parse(hooksAt('/pager')[0].raw).alert.id).toBe(fired.alert.id);
    const escalated = (await api('GET', `/api/alerts/${fired.alert.id}`)).body.alert;
    expect(escalated.escalatedAt).not.toBeNull();

    // The team email (owners and admins) went to the outbox, readable, with the acknowledge link.
    const mail = await waitFor(
      () => server.containr.services.mailer.list({ limit: 50 }).find((m) => m.to === owner.user.email && m.subject === '[Alert] crasher: Container crashed'),
      10_000,
      'the alert mail',
    );
    expect(mail.text).toContain('exited with code 3');
    const link = /Acknowledge: (\S+)/.exec(mail.text)?.[1] as string;
    expect(link).toMatch(/\/alerts\/ack\/[\w-]+\.[\w-]+$/);
    // Opening the link shows the alert; only the button acknowledges.
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Acknowledge it as');
    expect((await api('GET', `/api/alerts/${fired.alert.id}`)).body.alert.state).toBe('firing');
    const tampered = await fetch(link.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), { method: 'POST' });
    expect(tampered.status).toBe(404);
    const acked = await fetch(link, { method: 'POST' });
    expect(acked.status).toBe(200);
    expect(await acked.text()).toContain('Acknowledged');
    const alert = (await api('GET', `/api/alerts/${fired.alert.id}`)).body.alert;
    expect(alert).toMatchObject({ state: 'acknowledged', acknowledgedBy: { userId: owner.user.id, email: owner.user.email } });
    const audit = await api('GET', `/api/audit?projectId=${projectId}&action=alert.*`);
    expect(audit.body.entries.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['alert.acknowledge', 'alert.rule.update', 'alert.channel.create']),
    );
  }, 120_000);

  it('acknowledging in the app stops the escalation; a resolved alert cannot be acknowledged', async () => {
    const { projectId, environmentId } = await newProject();
    const pager = await webhook(projectId, '/pager-2');
    const rule = await api('POST', `/api/projects/${projectId}/alert-rules`, {
      name: 'Down',
      condition: { type: 'crashed', resolveForS: 1 },
      // Long: acknowledging can never lose a race with it, and the test moves time with a tick instead of waiting.
      escalation: { afterS: 600, channelIds: [pager.id] },
    });
    expect(rule.status).toBe(201);
    await putService(environmentId, 'flaky', ['sh', '-c', 'exit 1']);
    await commit(environmentId, 'flaky');
    const alert = await waitFor(
      async () => ((await api('GET', `/api/projects/${projectId}/alerts?ruleId=${rule.body.rule.id}`)).body.alerts as { id: string }[])[0],
      30_000,
      'the crash alert',
    );
    const alerts = server.containr.services.alerts;
    expect(alerts.escalationArmed(alert.id)).toBe(true);
    const ack = await api('POST', `/api/alerts/${alert.id}/ack`);
    expect(ack.status).toBe(200);
    expect(ack.body.alert).toMatchObject({ state: 'acknowledged', acknowledgedBy: { userId: owner.user.id, name: 'Alert Owner' } });
    // No waiting out the escalation time: acknowledging took the alert's timer away, and a tick a minute past its
    // due time (what that timer would have done) escalates other alerts, if any, but not this one.
    const escalateAt = new Date((await api('GET', `/api/alerts/${alert.id}`)).body.alert.firedAt).getTime() + 600_000;
    expect(alerts.escalationArmed(alert.id)).toBe(false);
    expect(alerts.escalateDue(escalateAt + 60_000)).not.toContain(alert.id);
    expect(alerts.store.alert(alert.id)?.escalatedAt).toBeNull();
    expect(alerts.store.deliveriesOfAlert(alert.id).map((d) => d.reason)).not.toContain('escalated');
    expect(hooksAt('/pager-2')).toEqual([]);

    // Deleting the rule resolves its open alerts; a resolved alert answers 409.
    expect((await api('DELETE', `/api/alert-rules/${rule.body.rule.id}`)).status).toBe(204);
    const resolved = await api('GET', `/api/alerts/${alert.id}`);
    expect(resolved.body.alert).toMatchObject({ state: 'resolved', ruleId: null });
    expect((await api('POST', `/api/alerts/${alert.id}/ack`)).status).toBe(409);
  }, 90_000);

  it('webhook deliveries retry with backoff until the receiver answers 2xx, and give up after the attempts', async () => {
    const { projectId } = await newProject();
    const hook = await webhook(projectId, '/flaky');
    failures.set('/flaky', 2);
    const test = await api('POST', `/api/alert-channels/${hook.id}/test`);
    expect(test.status).toBe(202);
    await waitFor(async () => (await api('GET', `/api/alert-channels/${hook.id}/deliveries`)).body.deliveries[0]?.status === 'succeeded', 15_000, 'the retried delivery');
    const [delivery] = (await api('GET', `/api/alert-channels/${hook.id}/deliveries`)).body.deliveries;
    expect(delivery).toMatchObject({ reason: 'test', attempts: 3, statusCode: 200, error: null });
    const attempts = hooksAt('/flaky');
    expect(attempts).toHaveLength(3);
    // The same body (and delivery id) on every attempt, each signed.
    expect(new Set(attempts.map((a) => a.raw)).size).toBe(1);
    attempts.forEach((a) => expectSigned(a, hook.secret));

    // A port nothing listens on: every attempt fails, the log says why.
    const dead = await api('POST', `/api/projects/${projectId}/alert-channels`, { type: 'webhook', name: 'dead', url: 'http://127.0.0.1:9/nothing' });
    await api('POST', `/api/alert-channels/${dead.body.channel.id}/test`);
    const failed = await waitFor(
      async () => {
        const d = (await api('GET', `/api/alert-channels/${dead.body.channel.id}/deliveries`)).body.deliveries[0];
        return d?.status === 'failed' ? d : null;
      },
      30_000,
      'the dead delivery to give up',
    );
    expect(failed.attempts).toBe(6);
    expect(failed.statusCode).toBeNull();
    expect(failed.error).toMatch(/fetch failed|ECONNREFUSED/);
  }, 60_000);

  it('refuses bad channels and rules with clear errors', async () => {
    const { projectId } = await newProject();
    const port = new URL(server.url).port;
    const self = await api('POST', `/api/projects/${projectId}/alert-channels`, { type: 'webhook', name: 'self', url: `http://localhost:${port}/api/projects` });
    expect(self.status).toBe(422);
    expect(self.body.error.issues).toEqual([{ path: 'url', message: expect.stringMatching(/this Containr server/) }]);
    const ftp = await api('POST', `/api/projects/${projectId}/alert-channels`, { type: 'webhook', name: 'ftp', url: 'ftp://example.test/' });
    expect(ftp.status).toBe(422);
    const rule = await api('POST', `/api/projects/${projectId}/alert-rules`, {
      name: 'x',
      condition: { type: 'metric', metric: 'cpuPercent', operator: '>', threshold: 5 },
      channelIds: ['nope'],
      environmentId: 'elsewhere',
    });
    expect(rule.status).toBe(422);
    expect(rule.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['channelIds.0', 'environmentId']);
    const stranger = await signUp(server.url, 'Stranger');
    const peek = await client(server.url, { cookie: stranger.cookie })('GET', `/api/projects/${projectId}/alert-rules`);
    expect(peek.status).toBe(404);
  });
});
