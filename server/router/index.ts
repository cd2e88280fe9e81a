// The host-based reverse proxy on the main port. Requests whose Host is
// <service>-<environment>.<project-slug>.<domain> go to a ready container of
// that service; every other host falls through to the API and the UI.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Agent } from 'node:http';
import type { Duplex } from 'node:stream';
import { createProxyServer } from 'http-proxy-3';
import type { Logger } from '../logger';
import type { NodeInfo } from '../reconciler/ports';
import { parseHost, serviceHost } from './hosts';
import { RouteTable, type Route } from './table';

export type { Route } from './table';
export { serviceHost } from './hosts';

export type RouterOptions = {
  /** The domain service hosts live under; `localhost` resolves to loopback everywhere. */
  domain: string;
  /** The port public URLs carry (the server's own); read when a URL is made, since tests listen on port 0. */
  publicPort: () => number;
};

export function createRouter({ nodes, logger, options }: { nodes: () => NodeInfo[]; logger: Logger; options: RouterOptions }) {
  const table = new RouteTable(nodes);
  // No keep-alive towards containers: a pooled socket to a container that was
  // just replaced would fail the next request sent on it.
  const agent = new Agent({ keepAlive: false });
  const proxy = createProxyServer({ xfwd: true, agent, proxyTimeout: 120_000 });
  proxy.on('error', (error, req, res) => {
    logger.debug({ err: error, host: req.headers.host }, 'router: upstream error');
    if (res instanceof Object && 'writeHead' in res) {
      const response = res as ServerResponse;
      if (!response.headersSent) unavailable(response, req.headers.host ?? '');
      else response.destroy();
    } else {
      (res as Duplex).destroy();
    }
  });

  function match(req: IncomingMessage): Route | null {
    const parts = parseHost(req.headers.host, options.domain);
    return parts ? (table.find(parts.label, parts.slug) ?? null) : null;
  }

  /** Returns true when the request was for a service host (and is answered). */
  function request(req: IncomingMessage, res: ServerResponse): boolean {
    const route = match(req);
    if (!route) return false;
    const [target] = table.targets(route);
    if (!target) {
      unavailable(res, req.headers.host ?? '');
      return true;
    }
    const release = table.acquire(target.containerId);
    res.once('close', release);
    proxy.web(req, res, { target: { host: target.host, port: target.port } });
    return true;
  }

  /** Returns true when the upgrade was for a service host (and the socket is taken). */
  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const route = match(req);
    if (!route) return false;
    const [target] = table.targets(route);
    if (!target) {
      socket.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return true;
    }
    const release = table.acquire(target.containerId);
    socket.once('close', release);
    proxy.ws(req, socket, head, { target: { host: target.host, port: target.port } });
    return true;
  }

  return {
    request,
    upgrade,
    /**
     * Puts the router in front of every `request` and `upgrade` listener the
     * server has now (express, socket.io, the upgrade router, Vite's HMR), so a
     * service host never reaches them, whatever its path: socket.io answers
     * /socket.io/ on any host otherwise. Call once every listener is attached.
     */
    intercept(server: Server): void {
      for (const event of ['request', 'upgrade'] as const) {
        const listeners = server.listeners(event).slice() as ((...args: unknown[]) => void)[];
        server.removeAllListeners(event);
        server.on(event, (...args: unknown[]) => {
          const taken =
            event === 'request'
              ? request(args[0] as IncomingMessage, args[1] as ServerResponse)
              : upgrade(args[0] as IncomingMessage, args[1] as Duplex, args[2] as Buffer);
          if (!taken) for (const listener of listeners) listener.apply(server, args);
        });
      }
    },
    table,
    urlOf(route: Pick<Route, 'serviceName' | 'environmentName' | 'projectSlug'>): string {
      const port = options.publicPort();
      const host = serviceHost(route.serviceName, route.environmentName, route.projectSlug, options.domain);
      return `http://${host}${port === 80 ? '' : `:${port}`}`;
    },
    close(): void {
      agent.destroy();
    },
  };
}

export type Router = ReturnType<typeof createRouter>;

function unavailable(res: ServerResponse, host: string): void {
  const safe = host.replace(/[^a-zA-Z0-9.:-]/g, '');
  const body = `<!doctype html><html><head><meta charset="utf-8"><title>502 · No healthy container</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:15vh auto;padding:0 1rem;color:#222}code{background:#f3f3f3;padding:.1em .3em;border-radius:3px}</style></head>
<body><h1>No healthy container</h1><p>Nothing is ready to answer <code>${safe}</code> right now. It may be starting or restarting; try again in a moment.</p><p><small>Containr</small></p></body></html>`;
  res.writeHead(502, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'retry-after': '2' });
  res.end(body);
}
