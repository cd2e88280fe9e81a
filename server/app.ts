// Composes the server: database, services, HTTP (API + Remix) and WebSocket
// upgrades on one port. `startContainr` is what index.ts and the tests call.
import express from 'express';
import { Server as SocketServer } from 'socket.io';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDb } from '../db/client';
import type { Clock } from './clock';
import type { Env } from './env';
import { authenticate, sameOrigin } from './http/context';
import { createApi } from './http/api';
import { errorHandler } from './http/errors';
import { mountRemix, type RemixMode } from './http/remix';
import { UpgradeRouter } from './http/upgrade';
import type { Logger } from './logger';
import { createServices, type Services } from './services';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export type Containr = {
  server: Server;
  /** socket.io on the same port: namespaces /agent and /live. */
  io: SocketServer;
  services: Services;
  upgrades: UpgradeRouter;
  url: string;
  close(): Promise<void>;
};

export async function startContainr(opts: { env: Env; logger: Logger; remix: RemixMode; clock?: Clock }): Promise<Containr> {
  const { env, logger } = opts;
  const db = openDb(env.dbFile);
  const services = createServices({ db, env, clock: opts.clock });

  const app = express();
  app.disable('x-powered-by');
  const server = createServer(app);
  const upgrades = new UpgradeRouter(server);
  // destroyUpgrade: false, or socket.io kills every other WebSocket upgrade after 1 s.
  const io = new SocketServer(server, { destroyUpgrade: false, serveClient: false, maxHttpBufferSize: 1e6 });

  app.get('/healthz', (_req, res) => {
    db.$client.prepare('select 1').get();
    res.json({ ok: true });
  });
  app.use(sameOrigin);
  app.use(authenticate(services));
  app.use('/api', createApi(services));
  const remix = await mountRemix(app, server, services, opts.remix, ROOT);
  app.use(errorHandler(logger));

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
  const url = `http://localhost:${port}`;

  let closing: Promise<void> | undefined;
  async function close() {
    closing ??= (async () => {
      // Stop accepting, let in-flight requests finish briefly, then cut the rest.
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => sockets.forEach((s) => s.destroy()), 5_000);
      io.disconnectSockets(true);
      await remix.close();
      await drained;
      clearTimeout(timer);
      db.$client.close();
    })();
    return closing;
  }

  return { server, io, services, upgrades, url, close };
}
