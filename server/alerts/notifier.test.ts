// Webhook targets that hang: each attempt ends at the configured timeout, is
// retried with backoff and logged as a timeout; and while many channels hang,
// other channels' notifications still leave at once and evaluation goes on.
// A real server over HTTP, local receivers; waits on conditions, no sleeps.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, createApiToken, signUp, startTestServer, waitFor } from '../test-utils';
import { DELIVERY_LIMITS } from './delivery-queue';

type Hit = { path: string; at: number; delivery: string; event: string };

/** An HTTP receiver: `hang` keeps every request open (answers nothing); otherwise it answers 204. */
async function receiver(hang: boolean) {
  const hits: Hit[] = [];
  /** Requests held open right now. */
  const open = new Set<ServerResponse>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      hits.push({ path: req.url ?? '', at: Date.now(), delivery: String(req.headers['x-containr-delivery']), event: (JSON.parse(raw) as { event: string }).event });
      if (!hang) return void res.writeHead(204).end();
      open.add(res);
      res.on('close', () => open.delete(res));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    hits,
    open,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type Receiver = Awaited<ReturnType<typeof receiver>>;
type Delivery = { id: string; status: string; attempts: number; statusCode: number | null; error: string | null; durationMs: number | null; nextAttemptAt: string | null; updatedAt: string };

async function setup(env: Record<string, string>) {
  const server = await startTestServer({ env });
  await signUp(server.url, 'Admin');
  const owner = await signUp(server.url, 'Owner');
  const api = client(server.url, { token: await createApiToken(server.url, owner) });
  const res = await api('POST', '/api/projects', { name: `Hooks ${Math.random().toString(36).slice(2, 8)}` });
  return { server, api, projectId: res.body.project.id as string, environmentId: res.body.environments[0].id as string };
}

describe('a webhook target that never answers', () => {
  let hanging: Receiver;
  let ctx: Awaited<ReturnType<typeof setup>>;

  beforeAll(async () => {
    hanging = await receiver(true);
    // Half a second per attempt, three attempts, retries after 1 s then 2 s (±20 %).
    ctx = await setup({ CONTAINR_ALERT_WEBHOOK_TIMEOUT_S: '0.5', CONTAINR_ALERT_WEBHOOK_ATTEMPTS: '3', CONTAINR_ALERT_RETRY_BASE_MS: '1000' });
  });
  afterAll(async () => {
    await hanging?.close();
    await ctx?.server.close();
  });

  it('times out each attempt, retries with backoff, and the delivery log says it timed out', async () => {
    const { api, projectId } = ctx;
    const channel = await api('POST', `/api/projects/${projectId}/alert-channels`, { type: 'webhook', name: 'black hole', url: `${hanging.url}/hang` });
    expect(channel.status).toBe(201);
    const channelId = channel.body.channel.id as string;
    expect((await api('POST', `/api/alert-channels/${channelId}/test`)).status).toBe(202);
    const latest = async () => ((await api('GET', `/api/alert-channels/${channelId}/deliveries`)).body.deliveries as Delivery[])[0];

    // After each failed attempt the row waits for its retry: the delay doubles (base 1 s, ±20 % jitter).
    const first = await waitFor(async () => ((await latest())?.attempts === 1 ? latest() : null), 10_000, 'the first attempt to time out');
    expect(first).toMatchObject({ status: 'pending', statusCode: null, error: 'no answer within 500 ms' });
    expect(first.durationMs).toBeGreaterThanOrEqual(450);
    const firstDelay = Date.parse(first.nextAttemptAt as string) - Date.parse(first.updatedAt);
    expect(firstDelay).toBeGreaterThanOrEqual(800);
    expect(firstDelay).toBeLessThanOrEqual(1_200);
    const second = await waitFor(async () => ((await latest())?.attempts === 2 ? latest() : null), 10_000, 'the second attempt to time out');
    expect(second).toMatchObject({ status: 'pending', error: 'no answer within 500 ms' });
    const secondDelay = Date.parse(second.nextAttemptAt as string) - Date.parse(second.updatedAt);
    expect(secondDelay).toBeGreaterThanOrEqual(1_600);
    expect(secondDelay).toBeLessThanOrEqual(2_400);

    // The last attempt times out too: the delivery has failed, and says why.
    const failed = await waitFor(async () => ((await latest())?.status === 'failed' ? latest() : null), 10_000, 'the delivery to fail');
    expect(failed).toMatchObject({ attempts: 3, statusCode: null, error: 'no answer within 500 ms', nextAttemptAt: null });
    // The receiver saw three requests of the same delivery, each abandoned (none is held open any more).
    const hits = hanging.hits.filter((h) => h.path === '/hang');
    expect(hits.map((h) => h.delivery)).toEqual([failed.id, failed.id, failed.id]);
    expect(hits[1].at - hits[0].at).toBeGreaterThanOrEqual(500 + 800);
    expect(hits[2].at - hits[1].at).toBeGreaterThanOrEqual(500 + 1_600);
    await waitFor(() => hanging.open.size === 0, 5_000, 'the abandoned requests to close');
  }, 30_000);
});

describe('many channels that hang', () => {
  let hanging: Receiver;
  let healthy: Receiver;
  let ctx: Awaited<ReturnType<typeof setup>>;

  beforeAll(async () => {
    hanging = await receiver(true);
    healthy = await receiver(false);
    // Attempts that would hang for a minute: no timeout ends them while the test runs.
    ctx = await setup({ CONTAINR_ALERT_WEBHOOK_TIMEOUT_S: '60' });
  });
  afterAll(async () => {
    // Dropping the held requests ends the attempts in flight, so the server closes at once.
    await hanging?.close();
    await healthy?.close();
    await ctx?.server.close();
  });

  it('delay neither another channel nor evaluation', async () => {
    const { api, server, projectId, environmentId } = ctx;
    // More hanging deliveries than the whole server could once run at a time (8), on as many channels as a rule takes but one.
    const dead: string[] = [];
    for (let i = 0; i < 9; i++) {
      const res = await api('POST', `/api/projects/${projectId}/alert-channels`, { type: 'webhook', name: `dead ${i}`, url: `${hanging.url}/dead-${i}` });
      dead.push(res.body.channel.id);
    }
    for (const id of dead) for (let n = 0; n < 3; n++) expect((await api('POST', `/api/alert-channels/${id}/test`)).status).toBe(202);
    const perChannel = DELIVERY_LIMITS.perChannel;
    await waitFor(() => hanging.open.size === dead.length * perChannel, 10_000, 'every hanging channel to hold its own lane');
    expect(hanging.open.size).toBeGreaterThan(8);

    const ok = await api('POST', `/api/projects/${projectId}/alert-channels`, { type: 'webhook', name: 'pager', url: `${healthy.url}/pager` });
    const rule = await api('POST', `/api/projects/${projectId}/alert-rules`, {
      name: 'Deploys',
      condition: { type: 'deployment_failed' },
      channelIds: [...dead, ok.body.channel.id],
    });
    expect(rule.status).toBe(201);

    // Evaluation does not wait for any delivery: the alert exists as soon as the hook returns.
    server.containr.services.alerts.onDeployment({ environmentId, deploymentId: 'd1', status: 'failed', reason: 'boom' });
    const open = (await api('GET', `/api/projects/${projectId}/alerts?state=firing&ruleId=${rule.body.rule.id}`)).body.alerts as { id: string }[];
    expect(open).toHaveLength(1);
    // The healthy channel is told while every hanging request is still open (their timeout is a minute away).
    await waitFor(() => healthy.hits.some((h) => h.event === 'alert.fired'), 10_000, 'the healthy channel to be notified');
    expect(hanging.open.size).toBe(dead.length * perChannel);
    expect(hanging.hits.every((h) => h.event === 'test')).toBe(true);

    // And again for the next transition: the resolve is evaluated and delivered the same way.
    server.containr.services.alerts.onDeployment({ environmentId, deploymentId: 'd2', status: 'succeeded' });
    expect((await api('GET', `/api/alerts/${open[0].id}`)).body.alert.state).toBe('resolved');
    await waitFor(() => healthy.hits.some((h) => h.event === 'alert.resolved'), 10_000, 'the resolve to reach the healthy channel');
    expect(hanging.open.size).toBe(dead.length * perChannel);
    const [delivery] = (await api('GET', `/api/alert-channels/${ok.body.channel.id}/deliveries`)).body.deliveries as Delivery[];
    expect(delivery).toMatchObject({ status: 'succeeded', statusCode: 204, attempts: 1 });
  }, 60_000);
});
