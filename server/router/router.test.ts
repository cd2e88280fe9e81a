// The router against stand-in containers (local HTTP servers): host matching,
// fall-through, pinned spec hashes, 502 when nothing is ready, WebSockets,
// and draining.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { LABELS, type ObservedContainer } from '../../sync/events';
import { createLogger } from '../logger';
import type { NodeInfo } from '../reconciler/ports';
import { createRouter, type Router } from '.';

const servers: Server[] = [];
let front: Server;
let frontPort: number;
let router: Router;
let nodes: NodeInfo[];
let slowRelease: () => void = () => {};
let slowArrived: () => void = () => {};

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A stand-in container answering its name; /slow waits until the test releases it. */
async function upstream(name: string): Promise<number> {
  const server = createServer((req, res) => {
    if (req.url === '/slow') {
      slowRelease = () => res.end(`${name} slow`);
      slowArrived();
      return;
    }
    res.end(`${name} ${req.headers.host} ${req.headers['x-forwarded-for'] ?? ''}`);
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`${name}: ${m.toString()}`)));
  return listen(server);
}

function container(id: string, hash: string, port: number, fields: Partial<ObservedContainer> = {}): ObservedContainer {
  return {
    id,
    name: id,
    image: 'x',
    labels: { [LABELS.environment]: 'env1', [LABELS.service]: 'svc-web', [LABELS.specHash]: hash },
    state: 'running',
    health: 'healthy',
    exitCode: null,
    startedAt: null,
    ports: [{ containerPort: 8080, hostIp: '127.0.0.1', hostPort: port }],
    ...fields,
  };
}

function get(path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: frontPort, path, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const HOST = 'web-production.shop.localhost';

beforeAll(async () => {
  const [a, b] = [await upstream('old'), await upstream('new')];
  nodes = [
    {
      id: 'n1',
      name: 'n1',
      teamId: null,
      status: 'ready',
      connected: true,
      engineVersion: null,
      cpus: 2,
      memoryBytes: 1e9,
      lastHeartbeatAt: null,
      containers: [container('c-old', 'h1', a), container('c-new', 'h2', b)],
    },
  ];
  router = createRouter({ nodes: () => nodes, logger: createLogger('silent', false), options: { domain: 'localhost', publicPort: () => 3000 } });
  router.table.setEnvironment('env1', [
    { environmentId: 'env1', environmentName: 'production', projectSlug: 'shop', serviceId: 'svc-web', serviceName: 'web', port: 8080 },
  ]);
  front = createServer((_req, res) => res.end('the app'));
  front.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 404 Not Found\r\n\r\n'));
  router.intercept(front);
  frontPort = await listen(front);
});

afterAll(async () => {
  router.close();
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

describe('router', () => {
  it('lets every other host through to the app', async () => {
    expect(await get('/', `localhost:${frontPort}`)).toEqual({ status: 200, body: 'the app' });
    expect(await get('/', 'api.shop.localhost')).toEqual({ status: 200, body: 'the app' });
    expect(await get('/', 'web-production.shop.example.com')).toEqual({ status: 200, body: 'the app' });
  });

  it('sends a service host to the pinned spec, keeping the Host header and adding X-Forwarded-For', async () => {
    router.table.pin('env1', 'svc-web', 'h1');
    expect((await get('/', `${HOST}:${frontPort}`)).body).toBe(`old ${HOST}:${frontPort} 127.0.0.1`);
    router.table.pin('env1', 'svc-web', 'h2');
    expect((await get('/', HOST)).body).toMatch(/^new /);
  });

  it('falls back to any ready container while the pinned spec has none, and skips unready ones', async () => {
    router.table.pin('env1', 'svc-web', 'h2');
    nodes[0].containers[1] = { ...nodes[0].containers[1], health: 'starting' };
    expect((await get('/', HOST)).body).toMatch(/^old /);
    nodes[0].containers[1] = { ...nodes[0].containers[1], health: 'healthy' };
  });

  it('answers 502 with a page when nothing is ready', async () => {
    const saved = nodes[0].containers;
    nodes[0].containers = saved.map((c) => ({ ...c, state: 'exited' }));
    const res = await get('/', HOST);
    expect(res.status).toBe(502);
    expect(res.body).toContain('No healthy container');
    nodes[0].containers = saved;
  });

  it('passes WebSockets through, and leaves other hosts’ upgrades to the server', async () => {
    router.table.pin('env1', 'svc-web', 'h2');
    const ws = new WebSocket(`ws://127.0.0.1:${frontPort}/socket.io/?EIO=4`, { headers: { host: HOST } });
    const reply = await new Promise<string>((resolve, reject) => {
      ws.once('open', () => ws.send('ping'));
      ws.once('message', (m) => resolve(m.toString()));
      ws.once('error', reject);
    });
    expect(reply).toBe('new: ping');
    ws.close();

    const other = new WebSocket(`ws://127.0.0.1:${frontPort}/`);
    await expect(new Promise((resolve, reject) => (other.once('open', resolve), other.once('error', reject)))).rejects.toThrow(/404/);
  });

  it('drains a container: no new requests, resolves once in-flight ones finish', async () => {
    router.table.pin('env1', 'svc-web', 'h1');
    const arrived = new Promise<void>((resolve) => (slowArrived = resolve));
    const inFlight = get('/slow', HOST);
    await arrived; // the stand-in holds the request
    let drained = false;
    const drain = router.table.drain('c-old', 5_000, Date.now()).then(() => (drained = true));
    expect((await get('/', HOST)).body).toMatch(/^new /); // drained: the other ready container answers
    expect(drained).toBe(false);
    slowRelease();
    expect((await inFlight).body).toBe('old slow');
    await drain;
    expect(drained).toBe(true);
  });
});
