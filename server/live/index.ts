// socket.io namespace /live: browsers (session cookie) and scripts (`auth:
// { token }`) subscribe to environments they may read, and get that
// environment's `status` and `deployment` events in the room `env:<id>`.
// Other features (logs, metrics, alerts) publish to the same rooms through
// `publish`.
//
// A share-link token (`auth: { token }`) subscribes to its own environment
// only, and to a room of its own that gets what a share page shows (status,
// logs, metrics, engine events); deployment steps and alerts are the team's.
// Revoking the link disconnects the socket.
import type { Namespace, Server as SocketServer, Socket } from 'socket.io';
import type { Actor } from '../audit/service';
import { changesAccess } from '../auth/access-changes';
import { DomainError } from '../errors';
import type { Logger } from '../logger';
import type { Services } from '../services';
import { isShareToken, type ShareGrant } from '../share/service';
import { subscribeSchema, type Ack, type LiveRefusal } from '../../sync/events';

export const LIVE_NAMESPACE = '/live';
export const roomOf = (environmentId: string) => `env:${environmentId}`;
/** Share-link sockets: only what `SHARED_EVENTS` lists is sent here. */
export const sharedRoomOf = (environmentId: string) => `share:${environmentId}`;
const SHARED_EVENTS = new Set(['status', 'logs', 'metrics', 'events']);

type SocketData = { actor: Actor; share?: undefined } | { actor: null; share: ShareGrant };

/** Sent to a socket right after it subscribes, so it starts from the current state. */
export type Snapshot = (environmentId: string, socket: Socket) => void;

export function setupLive({ io, services, logger }: { io: SocketServer; services: Services; logger: Logger }) {
  const live: Namespace = io.of(LIVE_NAMESPACE);
  const snapshots: Snapshot[] = [];

  live.use((socket, next) => {
    authenticate(services, socket).then(
      (data) => {
        if (!data) return next(new Error('NOT_AUTHENTICATED'));
        Object.assign(socket.data as SocketData, data);
        next();
      },
      (error: unknown) => {
        logger.error({ err: error }, 'live: authentication failed');
        next(new Error('NOT_AUTHENTICATED'));
      },
    );
  });

  // After a change to members, roles, project access, tokens or sessions, every socket is asked again:
  // one whose credentials no longer hold is disconnected, and it leaves the rooms it may no longer read.
  services.audit.onRecord((entry) => {
    if (!changesAccess(entry.action)) return;
    for (const socket of live.sockets.values()) {
      recheck(socket).catch((error: unknown) => {
        logger.error({ err: error }, 'live: checking access again failed');
        socket.disconnect(true);
      });
    }
  });
  async function recheck(socket: Socket): Promise<void> {
    if ((socket.data as SocketData).share) return; // links end through share.track
    const now = await authenticate(services, socket);
    if (!now?.actor) return void socket.disconnect(true);
    for (const room of socket.rooms) {
      if (!room.startsWith('env:')) continue;
      try {
        services.projects.environmentAccess(now.actor, room.slice('env:'.length), 'environment:read');
      } catch (error) {
        if (!(error instanceof DomainError && (error.code === 'NOT_FOUND' || error.code === 'FORBIDDEN'))) throw error;
        void socket.leave(room);
      }
    }
  }

  live.on('connection', (socket) => {
    const { actor, share } = socket.data as SocketData;
    if (share) {
      const untrack = services.share.track(share, () => socket.disconnect(true));
      socket.on('disconnect', untrack);
    }
    socket.on('subscribe', (payload: unknown, ack?: unknown) => {
      const reply = (answer: Ack) => (typeof ack === 'function' ? ack(answer) : undefined);
      const parsed = subscribeSchema.safeParse(payload);
      if (!parsed.success) return reply(refuse('INVALID_MESSAGE'));
      const { environmentId } = parsed.data;
      if (share) {
        if (environmentId !== share.environmentId) return reply(refuse('NOT_FOUND'));
        void socket.join(sharedRoomOf(environmentId));
        reply({ ok: true });
        const shared = sharedEventsOnly(socket);
        for (const snapshot of snapshots) snapshot(environmentId, shared);
        return;
      }
      if (!actor) return reply(refuse('NOT_AUTHENTICATED'));
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
      if (parsed.success) void socket.leave((share ? sharedRoomOf : roomOf)(parsed.data.environmentId));
      if (typeof ack === 'function') ack(parsed.success ? { ok: true } : refuse('INVALID_MESSAGE'));
    });
  });

  return {
    namespace: live,
    /** Sends `event` to every socket subscribed to the environment. */
    publish: publisher(live),
    /** Registers what a new subscriber is sent first (e.g. the current status). */
    onSubscribe(snapshot: Snapshot): void {
      snapshots.push(snapshot);
    },
  };
}

export type Live = ReturnType<typeof setupLive>;

/** Sends an event to the environment's room, and to its share-link room when share pages show it. */
export function publisher(live: Namespace) {
  return (environmentId: string, event: string, payload: unknown): void => {
    live.to(roomOf(environmentId)).emit(event, payload);
    if (SHARED_EVENTS.has(event)) live.to(sharedRoomOf(environmentId)).emit(event, payload);
  };
}

function refuse(reason: LiveRefusal): Ack {
  return { ok: false, reason };
}

/** Snapshot senders write to the socket directly; a share-link socket gets only the shared events. */
function sharedEventsOnly(socket: Socket): Socket {
  return new Proxy(socket, {
    get(target, property, receiver) {
      if (property !== 'emit') return Reflect.get(target, property, receiver) as unknown;
      return (event: string, ...args: unknown[]) => (SHARED_EVENTS.has(event) ? target.emit(event, ...args) : false);
    },
  });
}

/** An API or share-link token in `auth.token`, else the session cookie of a same-origin handshake. */
async function authenticate(services: Services, socket: Socket): Promise<SocketData | null> {
  const ip = socket.handshake.address || null;
  const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
  if (typeof token === 'string' && token.length > 0 && isShareToken(token)) {
    const grant = services.share.verify(token);
    return grant ? { actor: null, share: grant } : null;
  }
  if (typeof token === 'string' && token.length > 0) {
    const user = services.tokens.verify(token);
    return user ? { actor: { userId: user.id, email: user.email, ip } } : null;
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
  return viewer ? { actor: { userId: viewer.user.id, email: viewer.user.email, ip } } : null;
}
