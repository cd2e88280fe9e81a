// Share links end to end on a real server: what a link opens (one
// environment, read-only) and everything it must not: other environments'
// documents and /live rooms, any /api route, writes, the team's awareness,
// logs and metrics. Revoking and expiry end open connections at once.
import { io as connect, type Socket } from 'socket.io-client';
import * as Y from 'yjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addService, initDoc, type NodeInit } from '../../sync';
import type { Ack } from '../../sync/events';
import { listRoutes, ROUTE_PERMISSIONS } from '../http/route-permissions';
import { publisher } from '../live';
import { encodeAwareness, encodeSyncStep1, encodeUpdate } from '../sync/protocol';
import { connectEditor, documentJson, rawClient, storedDocument, type RawClient } from '../sync/test-clients';
import { client, createApiToken, signUp, startTestServer, waitFor, type Session, type TestServer } from '../test-utils';
import { encodeAwarenessUpdate, Awareness } from 'y-protocols/awareness';

let server: TestServer;
let owner: Session & { token: string };
let api: ReturnType<typeof client>;
/** Added to the real time: lets a test move past a link's expiry without waiting. */
let offsetMs = 0;
const cleanups: (() => void)[] = [];

beforeAll(async () => {
  server = await startTestServer({ clock: { now: () => Date.now() + offsetMs }, deploy: { startupGraceMs: 0 } });
  const session = await signUp(server.url, 'Share Owner');
  owner = { ...session, token: await createApiToken(server.url, session) };
  api = client(server.url, { cookie: owner.cookie });
});
afterEach(() => {
  offsetMs = 0;
  cleanups.splice(0).forEach((fn) => fn());
});
afterAll(async () => {
  await server.close();
});

async function newEnvironment(name = 'Shared'): Promise<{ projectId: string; environmentId: string }> {
  const res = await api('POST', '/api/projects', { name: `${name} ${Math.random().toString(36).slice(2, 8)}` });
  expect(res.status).toBe(201);
  const environmentId = res.body.environments[0].id as string;
  await server.containr.sync.documents.withDocument(environmentId, (doc) => {
    initDoc(doc, { environmentName: 'production' });
    addService(doc, { kind: 'service', name: 'web', source: { type: 'image', image: 'containr/busybox' } } as NodeInit);
  });
  return { projectId: res.body.project.id, environmentId };
}

async function shareLink(environmentId: string, ttlHours = 1): Promise<{ id: string; url: string; token: string }> {
  const res = await api('POST', `/api/environments/${environmentId}/share-links`, { ttlHours });
  expect(res.status).toBe(201);
  const token = (res.body.url as string).split('/share/')[1];
  return { id: res.body.id, url: res.body.url, token };
}

function live(token: string): Socket {
  const socket = connect(`${server.url}/live`, { transports: ['websocket'], reconnection: false, auth: { token } });
  cleanups.push(() => socket.disconnect());
  return socket;
}

const subscribe = (socket: Socket, environmentId: string): Promise<Ack> => socket.timeout(5_000).emitWithAck('subscribe', { environmentId });

function sync(path: string): RawClient {
  const raw = rawClient(server.url, path);
  cleanups.push(() => raw.ws.terminate());
  return raw;
}

/** Sends sync step 1 and waits for the answer: everything sent before it has been handled. */
async function roundTrip(raw: RawClient): Promise<void> {
  const count = raw.received.length;
  raw.ws.send(encodeSyncStep1(new Y.Doc()));
  await waitFor(() => raw.received.slice(count).some((m) => m[0] === 0 && m[1] === 1), 5_000, 'sync step 2');
}

describe('share links', () => {
  it('are random, stored hashed, listed with their opens, and every open is counted and audited', async () => {
    const { projectId, environmentId } = await newEnvironment();
    const link = await shareLink(environmentId, 24);
    expect(link.url).toMatch(new RegExp(`^${server.url}/share/ctrs_[A-Za-z0-9_-]{43}$`));
    const row = server.containr.services.db.$client.prepare('select * from share_links where id = ?').get(link.id) as Record<string, unknown>;
    expect(JSON.stringify(row)).not.toContain(link.token);
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);

    const share = server.containr.services.share;
    const opened = share.open(link.token, '203.0.113.7');
    expect(opened.status).toBe('ok');
    share.open(link.token, '203.0.113.7');
    const [listed] = (await api('GET', `/api/environments/${environmentId}/share-links`)).body.links;
    expect(listed).toMatchObject({ id: link.id, state: 'active', opens: 2, createdBy: { id: owner.user.id, name: 'Share Owner' } });
    expect(listed.lastOpenedAt).not.toBeNull();
    const audit = await api('GET', `/api/audit?projectId=${projectId}&action=share.*`);
    expect(audit.body.entries.map((e: { action: string }) => e.action)).toEqual(['share.open', 'share.open', 'share.create']);
    expect(audit.body.entries[0].ip).toBe('203.0.113.7');
  });

  it('the page data is the environment, its services and URLs: no secrets, no team, no other environments', async () => {
    const { environmentId } = await newEnvironment();
    await api('PUT', `/api/environments/${environmentId}/secrets/API_KEY`, { value: 'very-secret-value' });
    const link = await shareLink(environmentId);
    const opened = server.containr.services.share.open(link.token, null);
    if (opened.status !== 'ok') throw new Error(opened.status);
    expect(Object.keys(opened.page).sort()).toEqual(['environment', 'link', 'project', 'services']);
    expect(Object.keys(opened.page.project)).toEqual(['name']);
    const text = JSON.stringify(opened.page);
    for (const leak of ['very-secret-value', 'API_KEY', owner.user.email, owner.teamId]) expect(text).not.toContain(leak);
  });

  it('expired, revoked, unknown and malformed tokens open nothing (gone vs unknown)', async () => {
    const { environmentId } = await newEnvironment();
    const share = server.containr.services.share;
    const expiring = await shareLink(environmentId, 1);
    const revoked = await shareLink(environmentId, 1);
    expect((await api('DELETE', `/api/share-links/${revoked.id}`)).status).toBe(204);
    expect(share.open(revoked.token, null)).toEqual({ status: 'gone' });
    expect(share.open(`ctrs_${'A'.repeat(43)}`, null)).toEqual({ status: 'unknown' });
    expect(share.open('not a token', null)).toEqual({ status: 'unknown' });
    expect(share.open(`${expiring.token}x`, null)).toEqual({ status: 'unknown' });
    expect(share.open(expiring.token, null).status).toBe('ok');
    offsetMs = 2 * 3_600_000;
    expect(share.open(expiring.token, null)).toEqual({ status: 'gone' });
    expect(share.verify(expiring.token)).toBeNull();
    const states = (await api('GET', `/api/environments/${environmentId}/share-links`)).body.links.map((l: { state: string }) => l.state).sort();
    expect(states).toEqual(['expired', 'revoked']);
  });

  it('only editors of the environment manage links; others get 404', async () => {
    const { environmentId } = await newEnvironment();
    const link = await shareLink(environmentId);
    const stranger = client(server.url, { cookie: (await signUp(server.url, 'Stranger')).cookie });
    expect((await stranger('POST', `/api/environments/${environmentId}/share-links`, { ttlHours: 1 })).status).toBe(404);
    expect((await stranger('GET', `/api/environments/${environmentId}/share-links`)).status).toBe(404);
    expect((await stranger('DELETE', `/api/share-links/${link.id}`)).status).toBe(404);
  });
});

describe('a share token', () => {
  it('opens its own environment over /sync, and no other (NOT_FOUND)', async () => {
    const mine = await newEnvironment();
    const sibling = await api('POST', `/api/projects/${mine.projectId}/environments`, { name: 'staging', from: mine.environmentId });
    const other = await newEnvironment('Other');
    const { token } = await shareLink(mine.environmentId);

    const provider = await connectEditor(server.url, mine.environmentId, token);
    cleanups.push(() => provider.destroy());
    expect(documentJson(provider.doc).services).toEqual(documentJson(storedDocument(server.containr, mine.environmentId).doc).services);

    for (const id of [sibling.body.environment.id, other.environmentId, 'no-such-environment']) {
      const closed = await sync(`${id}?token=${token}`).closed;
      expect(closed).toEqual({ code: 4404, reason: 'NOT_FOUND' });
    }
  });

  it('subscribes to its own environment on /live, and no other', async () => {
    const mine = await newEnvironment();
    const other = await newEnvironment('Other');
    const { token } = await shareLink(mine.environmentId);
    const socket = live(token);
    expect(await subscribe(socket, other.environmentId)).toEqual({ ok: false, reason: 'NOT_FOUND' });
    expect(await subscribe(socket, mine.environmentId)).toEqual({ ok: true });
  });

  it('gets status, logs, metrics and engine events on /live, not the deployment steps', async () => {
    const { environmentId } = await newEnvironment();
    const { token } = await shareLink(environmentId);
    const shared = live(token);
    const team = live(owner.token);
    const seen: string[] = [];
    shared.onAny((event: string) => seen.push(event));
    expect(await subscribe(shared, environmentId)).toEqual({ ok: true });
    expect(await subscribe(team, environmentId)).toEqual({ ok: true });
    const teamSeen: string[] = [];
    team.onAny((event: string) => teamSeen.push(event));

    // As the deploy and telemetry services publish.
    const publish = publisher(server.containr.io.of('/live'));
    publish(environmentId, 'deployment', { environmentId, deploymentId: null });
    publish(environmentId, 'logs', { environmentId, lines: [], skipped: 0 });
    publish(environmentId, 'metrics', { environmentId, services: [] });
    publish(environmentId, 'events', { environmentId, events: [] });
    publish(environmentId, 'status', { environmentId, services: [] });
    await waitFor(() => teamSeen.includes('status') && seen.includes('status'), 5_000, 'the events');
    expect(teamSeen).toEqual(expect.arrayContaining(['deployment', 'logs', 'metrics', 'events', 'status']));
    expect(seen.filter((e) => e !== 'status')).toEqual(['logs', 'metrics', 'events']);
  });

  it('reads the logs and metrics history of its own environment only, never its source’s by the same service id', async () => {
    // A fork keeps its source's service ids: production and its preview both hold `serviceId`.
    const production = await newEnvironment();
    const serviceId = [...storedDocument(server.containr, production.environmentId).doc.getMap('services').keys()][0];
    const fork = await api('POST', `/api/projects/${production.projectId}/environments`, { name: 'pr-7', from: production.environmentId, preview: true });
    expect(fork.status).toBe(201);
    const preview = { projectId: production.projectId, environmentId: fork.body.environment.id as string };
    expect([...storedDocument(server.containr, preview.environmentId).doc.getMap('services').keys()]).toEqual([serviceId]);
    const other = await newEnvironment('Other');
    const otherServiceId = [...storedDocument(server.containr, other.environmentId).doc.getMap('services').keys()][0];
    for (const env of [production, preview]) {
      expect((await api('PUT', `/api/environments/${env.environmentId}/secrets/API_KEY`, { value: `secret-of-${env.environmentId}` })).status).toBe(201);
    }

    // What an agent sends: lines and samples of the service in each environment, told apart by their text and memory.
    const { logs, metrics } = server.containr.services.telemetry;
    const sender = { nodeId: 'share-test-node', teamId: null };
    const now = Date.now();
    const stored = [
      { env: production, serviceId, text: 'production-only line', memoryBytes: 111_000 },
      { env: preview, serviceId, text: 'preview line', memoryBytes: 222_000 },
      { env: other, serviceId: otherServiceId, text: 'other project line', memoryBytes: 333_000 },
    ];
    for (const [i, { env, serviceId: sid, text, memoryBytes }] of stored.entries()) {
      const ref = { containerId: `share-c${i}-${now}`, nodeId: sender.nodeId, ...env, serviceId: sid, deploymentId: null };
      logs.ingest(sender, { containers: [{ ...ref, lines: [{ stream: 'stdout', tsUs: (now - 5_000) * 1000, seq: 0, text }] }] });
      const sample = { ...ref, cpuPercent: 1, memoryBytes, memoryLimitBytes: null, netRxBytes: 0, netTxBytes: 0, blockReadBytes: 0, blockWriteBytes: 0 };
      metrics.ingest(sender, { samples: [{ ...sample, ts: now - 4_000 }, { ...sample, ts: now - 3_000 }] });
    }
    // The team reads each environment's own data: there is something to leak.
    const teamLogs = await api('GET', `/api/services/${serviceId}/logs?environmentId=${production.environmentId}`);
    expect(teamLogs.body.lines.map((l: { text: string }) => l.text)).toEqual(['production-only line']);

    const { token } = await shareLink(preview.environmentId);
    const bearer = client(server.url, { token });
    const texts = (res: { body: { lines: { text: string }[] } }) => res.body.lines.map((l) => l.text);
    const memory = (res: { body: { points: { memoryBytes: { avg: number } }[] } }) => [...new Set(res.body.points.map((p) => p.memoryBytes.avg))];
    for (const query of ['', `?environmentId=${preview.environmentId}`]) {
      const own = await bearer('GET', `/api/services/${serviceId}/logs${query}`);
      expect(own.status).toBe(200);
      expect(own.body).toMatchObject({ environmentId: preview.environmentId, serviceId });
      expect(texts(own)).toEqual(['preview line']);
      const samples = await bearer('GET', `/api/services/${serviceId}/metrics${query}`);
      expect(samples.status).toBe(200);
      expect(samples.body.environmentId).toBe(preview.environmentId);
      expect(memory(samples)).toEqual([222_000]);
    }
    // The source environment, another project, and another project's service id: nothing.
    for (const env of [production, other]) {
      for (const kind of ['logs', 'metrics']) {
        const res = await bearer('GET', `/api/services/${serviceId}/${kind}?environmentId=${env.environmentId}`);
        expect(res.status).toBe(404);
      }
    }
    const foreign = await bearer('GET', `/api/services/${otherServiceId}/logs`);
    expect(foreign.status === 404 || (foreign.status === 200 && foreign.body.lines.length === 0)).toBe(true);
    const foreignMetrics = await bearer('GET', `/api/services/${otherServiceId}/metrics`);
    expect(foreignMetrics.status === 404 || (foreignMetrics.status === 200 && foreignMetrics.body.points.length === 0)).toBe(true);
    // Nor secrets, of either environment.
    for (const env of [production, preview]) {
      expect((await bearer('GET', `/api/environments/${env.environmentId}/secrets`)).status).toBe(401);
    }

    // Revoked: back to no credentials at all.
    const link = await shareLink(preview.environmentId);
    expect((await api('DELETE', `/api/share-links/${link.id}`)).status).toBe(204);
    expect((await client(server.url, { token: link.token })('GET', `/api/services/${serviceId}/logs`)).status).toBe(401);
  });

  it('is refused by every other /api route (401), and by /metrics', async () => {
    const { environmentId } = await newEnvironment();
    const link = await shareLink(environmentId);
    const bearer = client(server.url, { token: link.token });
    // Every /api route of the app, less those that answer without an account by design (route-permissions.ts).
    const routes = listRoutes(server.containr.app)
      .filter((route) => route.split(' ')[1].startsWith('/api/') && ROUTE_PERMISSIONS[route]?.kind !== 'public')
      .map((route) => ({ method: route.split(' ')[0], path: route.split(' ')[1].slice('/api'.length) }));
    expect(routes.length).toBeGreaterThan(40);
    // The share page's own history routes (the test above).
    const SHARED = /^GET \/services\/:id\/(logs|metrics)$/;
    const ids: Record<string, string> = { id: environmentId, userId: owner.user.id, name: 'API_KEY' };
    // Valid bodies for the routes that validate before they authenticate, so they get as far as the credentials.
    const bodies: Record<string, unknown> = {
      'POST /teams': { name: 'Sneaky' },
      'POST /teams/:id/invites': { email: 'someone@example.test', role: 'viewer' },
    };
    const refused: string[] = [];
    for (const { method, path } of routes) {
      if (SHARED.test(`${method} ${path}`)) continue;
      const concrete = path.replace(/:(\w+)/g, (_, param: string) => ids[param] ?? environmentId);
      const body = bodies[`${method} ${path}`] ?? (method === 'GET' || method === 'DELETE' ? undefined : {});
      const res = await bearer(method, `/api${concrete}`, body);
      if (res.status !== 401) refused.push(`${method} ${path} → ${res.status}`);
    }
    expect(refused).toEqual([]);
    expect((await bearer('GET', '/metrics')).status).toBe(401);
  });

  it('cannot write: its updates are dropped and the stored document is unchanged', async () => {
    const { environmentId } = await newEnvironment();
    const { token } = await shareLink(environmentId);
    const before = storedDocument(server.containr, environmentId).json;

    const raw = sync(`${environmentId}?token=${token}`);
    await raw.opened;
    const intruder = new Y.Doc();
    intruder.getMap('services').set('evil', new Y.Map());
    const update = Y.encodeStateAsUpdate(intruder);
    raw.ws.send(encodeUpdate(update));
    // Sync step 2 as well (what a client sends when it has something the server lacks).
    raw.ws.send(Uint8Array.from([0, 1, ...encodeVarUint8Array(update)]));
    await roundTrip(raw);
    expect(raw.ws.readyState).toBe(raw.ws.OPEN);
    expect(storedDocument(server.containr, environmentId).json).toEqual(before);

    // And a stock provider making a change locally changes nothing on the server.
    const provider = await connectEditor(server.url, environmentId, token);
    cleanups.push(() => provider.destroy());
    provider.doc.getMap('services').delete([...provider.doc.getMap('services').keys()][0]);
    await roundTrip(raw);
    expect(storedDocument(server.containr, environmentId).json).toEqual(before);
  });

  it('sees none of the team’s presence, and its own is not relayed', async () => {
    const { environmentId } = await newEnvironment();
    const { token } = await shareLink(environmentId);
    const shared = sync(`${environmentId}?token=${token}`);
    const viewer = sync(`${environmentId}?token=${owner.token}`);
    await Promise.all([shared.opened, viewer.opened]);

    const editor = await connectEditor(server.url, environmentId, owner.token);
    cleanups.push(() => editor.destroy());
    editor.awareness.setLocalState({ user: { id: owner.user.id, name: 'Share Owner', color: '#000' } });
    await waitFor(() => viewer.received.some((m) => m[0] === 1), 5_000, 'the viewer to see the editor');

    // The share connection's own awareness comes back to it only.
    const guest = new Awareness(new Y.Doc());
    guest.setLocalState({ user: { id: 'guest', name: 'Mallory' } });
    const before = viewer.received.length;
    shared.ws.send(encodeAwareness(encodeAwarenessUpdate(guest, [guest.clientID])));
    await roundTrip(shared);
    await roundTrip(viewer);
    const awareness = shared.received.filter((m) => m[0] === 1);
    expect(awareness).toHaveLength(1);
    expect(Buffer.from(awareness[0]).toString()).toContain('Mallory');
    expect(Buffer.from(awareness[0]).toString()).not.toContain('Share Owner');
    expect(viewer.received.slice(before).some((m) => Buffer.from(m).toString().includes('Mallory'))).toBe(false);
  });

  it('loses its open connections when revoked, and cannot reconnect', async () => {
    const { environmentId } = await newEnvironment();
    const link = await shareLink(environmentId);
    const raw = sync(`${environmentId}?token=${link.token}`);
    await raw.opened;
    const socket = live(link.token);
    expect(await subscribe(socket, environmentId)).toEqual({ ok: true });
    await waitFor(() => server.containr.services.share.openConnections(link.id) === 2, 5_000, 'both connections tracked');
    const disconnected = new Promise<string>((resolve) => socket.once('disconnect', resolve));

    expect((await api('DELETE', `/api/share-links/${link.id}`)).status).toBe(204);
    expect(await raw.closed).toEqual({ code: 4401, reason: 'NOT_AUTHENTICATED' });
    expect(await disconnected).toBe('io server disconnect');
    expect(server.containr.services.share.openConnections(link.id)).toBe(0);

    expect(await sync(`${environmentId}?token=${link.token}`).closed).toEqual({ code: 4401, reason: 'NOT_AUTHENTICATED' });
    const again = live(link.token);
    expect((await new Promise<Error>((resolve) => again.once('connect_error', resolve))).message).toBe('NOT_AUTHENTICATED');
  });

  it('loses its connections when the link expires', async () => {
    const { environmentId } = await newEnvironment();
    const link = await shareLink(environmentId, 1 / 3600); // one second
    const raw = sync(`${environmentId}?token=${link.token}`);
    expect(await raw.closed).toEqual({ code: 4401, reason: 'NOT_AUTHENTICATED' });
  });
});

function encodeVarUint8Array(bytes: Uint8Array): number[] {
  const length: number[] = [];
  let n = bytes.length;
  while (n > 127) {
    length.push((n & 127) | 128);
    n >>>= 7;
  }
  length.push(n);
  return [...length, ...bytes];
}
