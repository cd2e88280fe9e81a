// One `upgrade` listener for the whole server, routing WebSocket upgrades by
// path. socket.io (created with destroyUpgrade: false) and Vite's HMR socket
// attach their own listeners; everything else is refused.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => void;

/** Upgrades under this path are socket.io's (its own listener answers them). */
export const SOCKET_IO_PATH = '/socket.io/';
/** Upgrades with this sub-protocol are Vite's hot reload, on any path (development only). */
export const VITE_HMR_PROTOCOL = 'vite-hmr';

export class UpgradeRouter {
  private routes: { prefix: string; handle: UpgradeHandler }[] = [];

  constructor(httpServer: Server) {
    httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.route(req, socket, head));
  }

  add(prefix: string, handle: UpgradeHandler): void {
    this.routes.push({ prefix, handle });
  }

  /**
   * Every way in: the path prefixes routed here, socket.io's path, and Vite's
   * sub-protocol (as `protocol:<name>`). The authorization test walks this list.
   */
  surfaces(): string[] {
    return [SOCKET_IO_PATH, `protocol:${VITE_HMR_PROTOCOL}`, ...this.routes.map((r) => r.prefix)];
  }

  private route(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith(SOCKET_IO_PATH)) return; // socket.io's own listener
    if (req.headers['sec-websocket-protocol'] === VITE_HMR_PROTOCOL) return; // Vite's listener
    const route = this.routes.find((r) => url.pathname.startsWith(r.prefix));
    if (route) return route.handle(req, socket, head, url);
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
  }
}
