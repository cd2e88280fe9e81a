// The Yjs endpoint, WebSocket /sync/:environmentId. It speaks the y-websocket
// protocol itself (rather than using the stock server utilities) to get
// authorization, read-only roles, persist-before-relay, size limits and a
// closed set of close reasons. A stock `WebsocketProvider` connects with
// serverUrl `ws://host/sync` and the environment id as the room name.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { changesAccess } from '../auth/access-changes';
import type { Logger } from '../logger';
import type { Services } from '../services';
import { CLOSE_CODES } from './close-reasons';
import { acceptConnection } from './connection';
import { createDocuments, type DocumentsOptions } from './documents';
import { createDocumentStore } from './store';

export { CLOSE_CODES, CLOSE_REASONS, type CloseReason } from './close-reasons';
export type { Documents } from './documents';

export const SYNC_PATH = '/sync/';

export type SyncOptions = DocumentsOptions & {
  /** Largest message a client may send (ws maxPayload); larger closes with TOO_LARGE. */
  maxMessageBytes: number;
  /** How often sockets are pinged; one that has not answered the previous ping is dropped. */
  pingIntervalMs: number;
  /** Bytes queued for one client before it counts as not reading and is dropped. */
  maxBufferedBytes: number;
};

export const DEFAULT_SYNC_OPTIONS: SyncOptions = {
  maxMessageBytes: 1024 * 1024,
  compactEvery: 500,
  unloadAfterMs: 30_000,
  pingIntervalMs: 30_000,
  maxBufferedBytes: 16 * 1024 * 1024,
};

export function createSyncServer({ services, logger, options }: { services: Services; logger: Logger; options?: Partial<SyncOptions> }) {
  const opts: SyncOptions = { ...DEFAULT_SYNC_OPTIONS, ...options };
  const store = createDocumentStore(services.db, services.clock);
  const documents = createDocuments({ store, logger, options: opts });
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxMessageBytes });
  // Open connections check their access again after a change to members, roles, project access, tokens or sessions.
  const rechecks = new Set<() => void>();
  const unwatch = services.audit.onRecord((entry) => {
    if (changesAccess(entry.action)) rechecks.forEach((recheck) => recheck());
  });
  const watchAccess = (recheck: () => void) => {
    rechecks.add(recheck);
    return () => void rechecks.delete(recheck);
  };
  const context = { services, documents, logger, maxBufferedBytes: opts.maxBufferedBytes, watchAccess };
  let closing: Promise<void> | null = null;

  // Half-open TCP connections never emit 'close'; without pings their documents would stay loaded.
  const answered = new WeakSet<WebSocket>();
  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!answered.has(ws)) {
        ws.terminate();
        continue;
      }
      answered.delete(ws);
      ws.ping();
    }
  }, opts.pingIntervalMs);
  heartbeat.unref();

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void {
    if (closing) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
      return;
    }
    // Upgrade first, refuse after: a browser cannot read an HTTP error
    // response to a WebSocket handshake, but it can read a close reason.
    wss.handleUpgrade(req, socket, head, (ws) => {
      answered.add(ws);
      ws.on('pong', () => answered.add(ws));
      useOurCloseReasons(ws);
      acceptConnection(ws, req, url, environmentIdOf(url), context);
    });
  }

  async function close(): Promise<void> {
    closing ??= (async () => {
      clearInterval(heartbeat);
      unwatch();
      const sockets = [...wss.clients];
      for (const ws of sockets) {
        ws.resume();
        ws.close(CLOSE_CODES.UNAVAILABLE, 'UNAVAILABLE');
      }
      await allClosed(sockets, 2_000);
      // Every client update is stored already; this snapshots and unloads the documents.
      await documents.close();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    })();
    return closing;
  }

  return { handleUpgrade, documents, close };
}

export type SyncServer = ReturnType<typeof createSyncServer>;

function environmentIdOf(url: URL): string | null {
  const rest = url.pathname.slice(SYNC_PATH.length);
  if (!rest || rest.includes('/')) return null;
  try {
    return decodeURIComponent(rest);
  } catch {
    return null;
  }
}

/**
 * ws answers a few protocol violations itself, closing before it emits
 * 'error': 1009 for a message over maxPayload, 1002 and 1007 for bad frames.
 * Those are the only closes it starts on its own; give them our reasons.
 */
function useOurCloseReasons(ws: WebSocket): void {
  const close = ws.close.bind(ws);
  ws.close = (code?: number, reason?: string | Buffer) => {
    if (code === 1009) return close(CLOSE_CODES.TOO_LARGE, 'TOO_LARGE');
    if (code === 1002 || code === 1007) return close(CLOSE_CODES.INVALID_MESSAGE, 'INVALID_MESSAGE');
    return close(code, reason);
  };
}

/** Waits for the sockets' close handshakes, then cuts those still open. */
async function allClosed(sockets: WebSocket[], timeoutMs: number): Promise<void> {
  const open = sockets.filter((ws) => ws.readyState !== ws.CLOSED);
  if (open.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(open.map((ws) => new Promise<void>((resolve) => ws.once('close', () => resolve())))),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
  ]);
  clearTimeout(timer);
  for (const ws of open) if (ws.readyState !== ws.CLOSED) ws.terminate();
}
