// The agent's socket.io connection to /agent. socket.io reconnects by itself
// (with backoff) after a network failure; when the server refuses a connection
// or closes it, we decide here whether to try again, with our own backoff.
import { io, type Socket } from 'socket.io-client';
import { welcomeSchema, type Ack, type Welcome } from '../sync/events';
import type { AgentLogger } from './log';

export type ConnectionHandlers = {
  /** The token to present; asked again on every (re)connection. */
  token(): string;
  onWelcome(welcome: Welcome): void;
  onTask(payload: unknown, ack: (ack: Ack) => void): void;
  /** The server refused the connection with this reason: try again, or give up for good. */
  onRefused(reason: string): 'retry' | 'stop';
  onDisconnect(reason: string): void;
};

export type Connection = {
  readonly connected: boolean;
  /** Sends only while connected: what is missed is re-sent by the protocol, never replayed stale. */
  send(event: string, payload: unknown): boolean;
  request(event: string, payload: unknown, timeoutMs: number): Promise<unknown>;
  /** Clock time of the last message sent: any message is a sign of life, so heartbeats go only into silences. */
  readonly lastSentAt: number;
  close(): void;
};

export type Backoff = { initialMs: number; maxMs: number };
export const DEFAULT_BACKOFF: Backoff = { initialMs: 500, maxMs: 10_000 };

export function openConnection(
  server: string,
  handlers: ConnectionHandlers,
  logger: AgentLogger,
  backoff: Backoff = DEFAULT_BACKOFF
): Connection {
  const socket: Socket = io(`${server}/agent`, {
    auth: (cb) => cb({ token: handlers.token() }),
    transports: ['websocket'],
    reconnectionDelay: backoff.initialMs,
    reconnectionDelayMax: backoff.maxMs,
    randomizationFactor: 0.5,
  });
  let closed = false;
  let attempts = 0;
  let retryTimer: NodeJS.Timeout | null = null;
  let lastSentAt = 0;

  const retryLater = () => {
    if (closed || retryTimer) return;
    const delay = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempts++, 10)) * (0.75 + Math.random() / 2);
    retryTimer = setTimeout(() => {
      retryTimer = null;
      if (!closed) socket.connect();
    }, delay);
  };

  socket.on('connect', () => {
    attempts = 0;
    logger.info({ server }, 'connected');
  });
  socket.on('connect_error', (error: Error) => {
    // Still active: a transport failure that socket.io retries itself.
    if (socket.active) return logger.debug({ err: error.message }, 'cannot reach the server; retrying');
    logger.warn({ reason: error.message }, 'the server refused the connection');
    if (handlers.onRefused(error.message) === 'stop') closed = true;
    else retryLater();
  });
  socket.on('disconnect', (reason) => {
    logger.info({ reason }, 'disconnected');
    handlers.onDisconnect(reason);
    // Not active: the server closed us; socket.io leaves reconnecting to us.
    if (!socket.active) retryLater();
  });
  socket.on('welcome', (payload: unknown) => {
    const welcome = welcomeSchema.safeParse(payload);
    if (!welcome.success) return logger.error({ issues: welcome.error.issues }, 'malformed welcome from the server');
    handlers.onWelcome(welcome.data);
  });
  socket.on('task', (payload: unknown, ack: unknown) => {
    handlers.onTask(payload, typeof ack === 'function' ? (ack as (a: Ack) => void) : () => undefined);
  });

  return {
    get connected() {
      return socket.connected;
    },
    send(event, payload) {
      if (!socket.connected) return false;
      socket.emit(event, payload);
      lastSentAt = Date.now();
      return true;
    },
    request(event, payload, timeoutMs) {
      if (socket.connected) lastSentAt = Date.now();
      return socket.timeout(timeoutMs).emitWithAck(event, payload);
    },
    get lastSentAt() {
      return lastSentAt;
    },
    close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      socket.disconnect();
    },
  };
}
