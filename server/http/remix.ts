// Mounts the Remix app: in development through Vite's middleware (hot reload),
// in production from the built bundle in build/.
import { createRequestHandler } from '@remix-run/express';
import type { ServerBuild } from '@remix-run/node';
import express, { type Express } from 'express';
import type { Server } from 'node:http';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Viewer } from '../auth/service';
import type { Services } from '../services';

export type RemixMode = 'development' | 'production' | 'none';

declare module '@remix-run/node' {
  interface AppLoadContext {
    services: Services;
    viewer: Viewer | null;
    /** The client's address, also for pages opened without an account (share links). */
    ip: string | null;
  }
}

export async function mountRemix(app: Express, httpServer: Server, services: Services, mode: RemixMode, root: string) {
  if (mode === 'none') return { close: async () => {} };

  const getLoadContext = (req: express.Request) => ({ services, viewer: req.viewer ?? null, ip: req.socket.remoteAddress ?? null });

  if (mode === 'development') {
    const vite = await import('vite');
    const devServer = await vite.createServer({
      root,
      server: { middlewareMode: true, hmr: { server: httpServer } },
      appType: 'custom',
    });
    app.use(devServer.middlewares);
    app.all(
      '*',
      createRequestHandler({
        build: () => devServer.ssrLoadModule('virtual:remix/server-build') as Promise<ServerBuild>,
        getLoadContext,
      }),
    );
    return { close: () => devServer.close() };
  }

  // CONTAINR_BUILD_DIR (also read by remix.config.js) lets two checkouts' test runs build side by side.
  const buildDir = join(root, process.env.CONTAINR_BUILD_DIR ?? 'build');
  const buildFile = join(buildDir, 'server/index.js');
  if (!existsSync(buildFile)) {
    throw new Error(`no production build at ${buildFile}: run \`npm run build\` first (or start with --dev)`);
  }
  const build = (await import(buildFile)) as ServerBuild;
  app.use('/assets', express.static(join(buildDir, 'client/assets'), { immutable: true, maxAge: '1y' }));
  app.use(express.static(join(buildDir, 'client'), { maxAge: '1h' }));
  app.all('*', createRequestHandler({ build, getLoadContext }));
  return { close: async () => {} };
}
