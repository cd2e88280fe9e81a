// Composes the server: database, services, HTTP (API + Remix) and WebSocket
// upgrades on one port. `startContainr` is what index.ts and the tests call.
import express from 'express';
import { Server as SocketServer } from 'socket.io';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDb } from '../db/client';
import { startLocalAgent, type AgentHub } from './agents';
import type { Clock } from './clock';
import type { Env } from './env';
import { authenticate, sameOrigin } from './http/context';
import { createApi } from './http/api';
import { alertAckPages } from './http/alerts-api';
import { errorHandler } from './http/errors';
import { setupLive } from './live';
import { mountRemix, type RemixMode } from './http/remix';
import { UpgradeRouter } from './http/upgrade';
import type { Logger } from './logger';
import type { ReconcilerOptions } from './reconciler';
import { createServices, type Services } from './services';
import { createSyncServer, SYNC_PATH, type SyncOptions, type SyncServer } from './sync';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export type Containr = {
  server: Server;
  /** The express app behind `server` (its router lists every HTTP route: see http/route-permissions.ts). */
  app: express.Express;
  /** socket.io on the same port: namespaces /agent and /live. */
  io: SocketServer;
  services: Services;
  upgrades: UpgradeRouter;
  /** Every socket.io namespace and WebSocket upgrade the server answers (http/route-permissions.ts has an entry for each). */
  surfaces(): Surfaces;
  /** The Yjs endpoint; `sync.documents` gives server code the live canvas documents. */
  sync: SyncServer;
  /** Node agents on /agent: registry, inventories, task dispatch (also `services.agents`). */
  agents: AgentHub;
  url: string;
  close(): Promise<void>;
};

export type Surfaces = {
  /** socket.io namespaces, the main one (`/`) included. */
  namespaces: string[];
  /** WebSocket upgrades: path prefixes, and `protocol:<name>` for sub-protocols routed on any path. */
  upgrades: string[];
};

export async function startContainr(opts: {
  env: Env;
  logger: Logger;
  remix: RemixMode;
  clock?: Clock;
  sync?: Partial<SyncOptions>;
  /** Reconciler timings (tests shorten them). */
  deploy?: Partial<ReconcilerOptions>;
}): Promise<Containr> {
  const { env, logger } = opts;
  const db = openDb(env.dbFile);
  const services = createServices({ db, env, clock: opts.clock, logger });

  const app = express();
  app.disable('x-powered-by');
  const server = createServer(app);
  const upgrades = new UpgradeRouter(server);
  // destroyUpgrade: false, or socket.io kills every other WebSocket upgrade after 1 s.
  const io = new SocketServer(server, { destroyUpgrade: false, serveClient: false, maxHttpBufferSize: 1e6 });
  // Nothing is served on the main namespace, which socket.io always has: refuse it rather than leave an open door.
  io.of('/').use((_socket, next) => next(new Error('NOT_FOUND')));
  const sync = createSyncServer({ services, logger, options: opts.sync });
  upgrades.add(SYNC_PATH, sync.handleUpgrade);
  services.agents.attach(io.of('/agent'), logger.child({ module: 'agents' }));
  services.telemetry.attach(io);
  let listeningPort = env.port;
  const live = setupLive({ io, services, logger });
  services.deploy.attach({
    documents: sync.documents,
    live,
    publicPort: () => listeningPort,
    options: opts.deploy,
  });
  services.environments.attach({ documents: sync.documents });
  services.alerts.attach({ live, ownPort: () => listeningPort });

  app.get('/healthz', (_req, res) => {
    db.$client.prepare('select 1').get();
    res.json({ ok: true });
  });
  app.use(sameOrigin);
  app.use(authenticate(services));
  app.get('/metrics', services.telemetry.prometheus);
  app.use('/api', createApi(services));
  app.use('/alerts/ack', alertAckPages(services));
  const remix = await mountRemix(app, server, services, opts.remix, ROOT);
  app.use(errorHandler(logger));
  // Last: service hosts (<service>-<env>.<slug>.localhost) go to the router before any listener sees them.
  services.deploy.router.intercept(server);

  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(env.port, env.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  listeningPort = port;
  const url = `http://localhost:${port}`;
  services.links.setListening(url);
  const localAgent = env.localAgent ? startLocalAgent({ hub: services.agents, env, port, logger }) : null;
  services.deploy.start();
  services.environments.start();
  services.alerts.start();

  let closing: Promise<void> | undefined;
  async function close() {
    closing ??= (async () => {
      // Stop accepting, let in-flight requests finish briefly, then cut the rest.
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => sockets.forEach((s) => s.destroy()), 5_000);
      await services.environments.close();
      // Stops the reconciler's steps; closing the hub settles the tasks they still wait on.
      const deployClosed = services.deploy.close();
      await localAgent?.close();
      await services.agents.close();
      await deployClosed;
      io.disconnectSockets(true);
      // Before the database closes: it writes the documents' final snapshots.
      await sync.close();
      await remix.close();
      await drained;
      clearTimeout(timer);
      await services.telemetry.close();
      await services.alerts.close();
      db.$client.close();
    })();
    return closing;
  }

  // `_nsps` is socket.io's typed (public) map of the namespaces created so far, `/` included.
  const surfaces = (): Surfaces => ({ namespaces: [...io._nsps.keys()].sort(), upgrades: upgrades.surfaces() });

  return { server, app, io, services, upgrades, surfaces, sync, agents: services.agents, url, close };
}
