// /live: who may connect and subscribe, and what a subscriber receives.
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addService, initDoc, type NodeInit } from '../../sync';
import { liveDeploymentSchema, liveStatusSchema, type Ack } from '../../sync/events';
import { client, createApiToken, signUp, startTestServer, waitFor, type Session, type TestServer } from '../test-utils';

let server: TestServer;
let owner: Session & { token: string };
const sockets: Socket[] = [];

beforeAll(async () => {
  server = await startTestServer({ deploy: { startupGraceMs: 0, maxAttempts: 1 } });
  const session = await signUp(server.url, 'Live Owner');
  owner = { ...session, token: await createApiToken(server.url, session) };
});
afterAll(async () => {
  sockets.forEach((s) => s.disconnect());
  await server.close();
});

function open(auth: { token?: string; cookie?: string }): Socket {
  const socket = connect(`${server.url}/live`, {
    transports: ['websocket'],
    reconnection: false,
    ...(auth.token ? { auth: { token: auth.token } } : {}),
    ...(auth.cookie ? { extraHeaders: { cookie: auth.cookie } } : {}),
  });
  sockets.push(socket);
  return socket;
}

function subscribe(socket: Socket, payload: unknown): Promise<Ack> {
  return socket.timeout(5_000).emitWithAck('subscribe', payload);
}

async function environment(): Promise<string> {
  const res = await client(server.url, { token: owner.token })('POST', '/api/projects', { name: `Live ${Math.random().toString(36).slice(2, 7)}` });
  return res.body.environments[0].id;
}

describe('/live', () => {
  it('refuses a connection without credentials', async () => {
    const socket = open({});
    const error = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
    expect(error.message).toBe('NOT_AUTHENTICATED');
  });

  it('subscribes with a token, sends the current status, then status and deployment events', async () => {
    const environmentId = await environment();
    const socket = open({ token: owner.token });
    const statuses: unknown[] = [];
    const deployments: unknown[] = [];
    socket.on('status', (s) => statuses.push(s));
    socket.on('deployment', (d) => deployments.push(d));
    expect(await subscribe(socket, { environmentId })).toEqual({ ok: true });
    await waitFor(() => statuses.length > 0, 5_000, 'the first status');
    expect(liveStatusSchema.parse(statuses[0])).toEqual({ environmentId, services: [] });

    await server.containr.sync.documents.withDocument(environmentId, (doc) => {
      initDoc(doc, { environmentName: 'production' });
      addService(doc, { kind: 'service', name: 'web', source: { type: 'image', image: 'containr/busybox' } } as NodeInit);
    });
    const commit = await client(server.url, { token: owner.token })('POST', `/api/environments/${environmentId}/commits`, {});
    expect(commit.status).toBe(201);
    // No agent here: the deployment starts, finds no node, and fails; each step arrives as an event.
    await waitFor(() => deployments.some((d) => (d as { status?: string }).status === 'failed'), 10_000, 'the deployment to fail');
    const parsed = deployments.map((d) => liveDeploymentSchema.parse(d));
    expect(parsed.map((d) => d.status).filter(Boolean)).toEqual(['running', 'failed']);
    expect(parsed.some((d) => d.event?.type === 'step.failed' && d.event.message.includes('no ready node'))).toBe(true);
    expect(parsed.every((d) => d.environmentId === environmentId)).toBe(true);
    await waitFor(() => statuses.length > 1, 5_000, 'a status with the service');
    const last = liveStatusSchema.parse(statuses.at(-1));
    expect(last.services).toEqual([expect.objectContaining({ name: 'web', replicas: { desired: 1, running: 0 } })]);
  });

  it('subscribes with the session cookie, and hides environments of other teams', async () => {
    const environmentId = await environment();
    const mine = open({ cookie: owner.cookie });
    expect(await subscribe(mine, { environmentId })).toEqual({ ok: true });

    const stranger = await signUp(server.url, 'Stranger');
    const theirs = open({ cookie: stranger.cookie });
    expect(await subscribe(theirs, { environmentId })).toEqual({ ok: false, reason: 'NOT_FOUND' });
    expect(await subscribe(theirs, { environment: 42 })).toEqual({ ok: false, reason: 'INVALID_MESSAGE' });
  });

  it('refuses a cookie sent by another site', async () => {
    const socket = connect(`${server.url}/live`, {
      transports: ['websocket'],
      reconnection: false,
      extraHeaders: { cookie: owner.cookie, origin: 'http://evil.example' },
    });
    sockets.push(socket);
    const error = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
    expect(error.message).toBe('NOT_AUTHENTICATED');
  });
});
