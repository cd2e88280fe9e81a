// socket.io namespace /live: browsers (session cookie) and scripts (`auth:
// { token }`) subscribe to environments they may read, and get that
// environment's `status` and `deployment` events in the room `env:<id>`.
// Other features (logs, metrics, alerts) publish to the same rooms through
// `publish`.
import type { Namespace, Server as SocketServer, Socket } from 'socket.io';
import type { Actor } from '../audit/service';
import { DomainError } from '../errors';
import type { Logger } from '../logger';
import type { Services } from '../services';
import { subscribeSchema, type Ack, type LiveRefusal } from '../../sync/events';

export const LIVE_NAMESPACE = '/live';
export const roomOf = (environmentId: string) => `env:${environmentId}`;

type SocketData = { actor: Actor };

/** Sent to a socket right after it subscribes, so it starts from the current state. */
export type Snapshot = (environmentId: string, socket: Socket) => void;

export function setupLive({ io, services, logger }: { io: SocketServer; services: Services; logger: Logger }) {
  const live: Namespace = io.of(LIVE_NAMESPACE);
  const snapshots: Snapshot[] = [];

  live.use((socket, next) => {
    authenticate(services, socket).then(
      (actor) => {
        if (!actor) return next(new Error('NOT_AUTHENTICATED'));
        (socket.data as SocketData).actor = actor;
        next();
      },
      (error: unknown) => {
        logger.error({ err: error }, 'live: authentication failed');
        next(new Error('NOT_AUTHENTICATED'));
      },
    );
  });

  live.on('connection', (socket) => {
    const { actor } = socket.data as SocketData;
    socket.on('subscribe', (payload: unknown, ack?: unknown) => {
      const reply = (answer: Ack) => (typeof ack === 'function' ? ack(answer) : undefined);
      const parsed = subscribeSchema.safeParse(payload);
      if (!parsed.success) return reply(refuse('INVALID_MESSAGE'));
      const { environmentId } = parsed.data;
      try {
        services.projects.environmentAccess(actor, environmentId, 'environment:read');
      } catch (error) {
        if (error instanceof DomainError && (error.code === 'NOT_FOUND' || error.code === 'FORBIDDEN')) return reply(refuse(error.code));
        logger.error({ err: error, environmentId }, 'live: subscribe failed');
        return reply(refuse('NOT_FOUND'));
      }
      void socket.join(roomOf(environmentId));
      reply({ ok: true });
      for (const snapshot of snapshots) snapshot(environmentId, socket);
    });
    socket.on('unsubscribe', (payload: unknown, ack?: unknown) => {
      const parsed = subscribeSchema.safeParse(payload);
      if (parsed.success) void socket.leave(roomOf(parsed.data.environmentId));
      if (typeof ack === 'function') ack(parsed.success ? { ok: true } : refuse('INVALID_MESSAGE'));
    });
  });

  return {
    namespace: live,
    /** Sends `event` to every socket subscribed to the environment. */
    publish(environmentId: string, event: string, payload: unknown): void {
      live.to(roomOf(environmentId)).emit(event, payload);
    },
    /** Registers what a new subscriber is sent first (e.g. the current status). */
    onSubscribe(snapshot: Snapshot): void {
      snapshots.push(snapshot);
    },
  };
}

export type Live = ReturnType<typeof setupLive>;

function refuse(reason: LiveRefusal): Ack {
  return { ok: false, reason };
}

/** An API token in `auth.token`, else the session cookie of a same-origin handshake. */
async function authenticate(services: Services, socket: Socket): Promise<Actor | null> {
  const ip = socket.handshake.address || null;
  const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
  if (typeof token === 'string' && token.length > 0) {
    const user = services.tokens.verify(token);
    return user ? { userId: user.id, email: user.email, ip } : null;
  }
  const headers = socket.handshake.headers;
  // Browsers send cookies with cross-site WebSocket handshakes; only our own pages may use them.
  const origin = headers.origin;
  if (origin !== undefined) {
    try {
      if (new URL(origin).host !== headers.host) return null;
    } catch {
      return null;
    }
  }
  const { viewer } = await services.auth.authenticate({ cookie: headers.cookie }, ip);
  return viewer ? { userId: viewer.user.id, email: viewer.user.email, ip } : null;
}
