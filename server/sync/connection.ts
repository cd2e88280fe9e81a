// One client socket: authorize, join the document, then answer the
// y-websocket protocol. Read-only connections (roles without canvas:edit) get
// the document and cursors but their sync step 2 and update messages are
// dropped unread. Their awareness is relayed, so a viewer's presence shows.
// Share-link connections are read-only too, and see no awareness at all (the
// team's names and cursors are not the link holder's business); their own is
// only echoed back, which keeps a y-websocket client from timing out.
import type { IncomingMessage } from 'node:http';
import { applyAwarenessUpdate, encodeAwarenessUpdate } from 'y-protocols/awareness';
import type { RawData, WebSocket } from 'ws';
import type { Logger } from '../logger';
import type { Services } from '../services';
import { authorize } from './authorize';
import { CLOSE_CODES, type CloseReason } from './close-reasons';
import { ShuttingDownError, type Documents } from './documents';
import { StoreFailedError, type LiveDocument, type Peer } from './live-document';
import {
  MESSAGE_AWARENESS,
  decodeMessage,
  encodeAwareness,
  encodeSyncStep1,
  encodeSyncStep2,
  InvalidMessageError,
  type ClientMessage,
} from './protocol';

export type ConnectionContext = {
  services: Services;
  documents: Documents;
  logger: Logger;
  /** Bytes queued for a client that does not read before it is cut off. */
  maxBufferedBytes: number;
  /** Calls `recheck` whenever someone may have lost or gained access (auth/access-changes.ts); returns the unsubscribe. */
  watchAccess: (recheck: () => void) => () => void;
};

type Incoming = { data: RawData; isBinary: boolean };

export function acceptConnection(
  ws: WebSocket,
  req: IncomingMessage,
  url: URL,
  environmentId: string | null,
  ctx: ConnectionContext,
): void {
  const { documents, logger } = ctx;
  let log = logger.child({ environmentId });
  // Messages that arrive while we authorize and load; pause() stops reading
  // further, but what was already read is still emitted.
  const early: Incoming[] = [];
  let receive: ((message: Incoming) => void) | null = null;
  // Set once a share link authorizes the connection: no awareness reaches it.
  let shareLink = false;

  const isOpen = () => ws.readyState === ws.OPEN;
  const close = (reason: CloseReason) => {
    if (ws.readyState !== ws.OPEN && ws.readyState !== ws.CONNECTING) return;
    // A paused socket would never read the client's close frame, and the close would hang for 30 s.
    ws.resume();
    ws.close(CLOSE_CODES[reason], reason);
  };
  const peer: Peer = {
    send(message) {
      if (!isOpen()) return;
      if (shareLink && message[0] === MESSAGE_AWARENESS) return;
      // A client that stops reading would make us buffer every later update; cut it
      // off (no close frame can get through either). It re-syncs when it reconnects.
      if (ws.bufferedAmount > ctx.maxBufferedBytes) {
        log.warn('sync: client is not reading; dropping the connection');
        ws.terminate();
        return;
      }
      ws.send(message);
    },
    close,
  };

  ws.on('error', (error) => log.debug({ err: error }, 'sync: socket error'));
  ws.on('message', (data, isBinary) => (receive ? receive({ data, isBinary }) : early.push({ data, isBinary })));
  ws.pause();

  async function start(): Promise<void> {
    if (environmentId === null) return close('NOT_FOUND');
    const access = await authorize(ctx.services, req, url, environmentId);
    if (!access.ok) return close(access.reason);
    if (!isOpen()) return;
    log = log.child(access.share ? { shareLinkId: access.share.linkId, readOnly: true } : { userId: access.actor.userId, readOnly: access.readOnly });
    shareLink = access.share !== null;
    // Revoking the link (or its expiry) ends the connection; NOT_AUTHENTICATED stops the client retrying.
    const untrack = access.share ? ctx.services.share.track(access.share, () => close('NOT_AUTHENTICATED')) : null;
    if (untrack) ws.on('close', untrack);

    const live = await documents.open(environmentId);
    if (!isOpen()) return documents.release(live);
    live.join(peer);
    ws.on('close', () => {
      live.leave(peer);
      documents.release(live);
    });

    // Ask for what the client has and we lack; pointless when we would drop it.
    if (!access.readOnly) peer.send(encodeSyncStep1(live.doc));
    const states = live.awareness.getStates();
    if (states.size > 0) peer.send(encodeAwareness(encodeAwarenessUpdate(live.awareness, [...states.keys()])));

    let readOnly = access.readOnly;
    // While access is checked again, messages wait and are then handled with the new answer.
    let held: Incoming[] | null = null;
    receive = (message) => (held ? held.push(message) : onMessage(live, readOnly, shareLink, message));
    if (!access.share) {
      let again = false;
      const recheck = (): void => {
        if (held) return void (again = true);
        held = [];
        authorize(ctx.services, req, url, environmentId)
          .then((now) => {
            if (!now.ok) return close(now.reason);
            readOnly = now.readOnly;
          })
          .catch((error: unknown) => {
            log.error({ err: error }, 'sync: checking access again failed');
            close('INTERNAL_ERROR');
          })
          .finally(() => {
            const waiting = held ?? [];
            held = null;
            for (const message of waiting) receive?.(message);
            if (again) {
              again = false;
              recheck();
            }
          });
      };
      ws.on('close', ctx.watchAccess(recheck));
    }
    for (const message of early.splice(0)) receive(message);
    ws.resume();
  }

  function onMessage(live: LiveDocument, readOnly: boolean, share: boolean, { data, isBinary }: Incoming): void {
    if (!isOpen()) return;
    // A throw here would escape the 'message' event and take the process down.
    try {
      if (!isBinary) throw new InvalidMessageError('text frame');
      const bytes = toBytes(data);
      const message = decodeMessage(bytes);
      if (share && (message.type === 'awareness' || message.type === 'query-awareness')) {
        if (message.type === 'awareness') ws.send(bytes);
        return;
      }
      handle(live, readOnly, message);
    } catch (error) {
      if (error instanceof InvalidMessageError) {
        log.info({ err: error }, 'sync: invalid message; closing');
        close('INVALID_MESSAGE');
      } else if (error instanceof StoreFailedError) {
        if (error.reason === 'INTERNAL_ERROR') log.error({ err: error.cause }, 'sync: storing an update failed');
        close(error.reason);
      } else {
        log.error({ err: error }, 'sync: message handling failed');
        close('INTERNAL_ERROR');
      }
    }
  }

  function handle(live: LiveDocument, readOnly: boolean, message: ClientMessage): void {
    switch (message.type) {
      case 'sync-step-1':
        peer.send(encodeSyncStep2(live.doc, message.stateVector));
        return;
      case 'sync-step-2':
        if (readOnly || live.contains(message.update)) return;
        live.write(message.update, peer);
        return;
      case 'update':
        if (readOnly) return;
        live.write(message.update, peer);
        return;
      case 'awareness':
        applyAwarenessUpdate(live.awareness, message.update, peer);
        return;
      case 'query-awareness':
        peer.send(encodeAwareness(encodeAwarenessUpdate(live.awareness, [...live.awareness.getStates().keys()])));
        return;
    }
  }

  start().catch((error: unknown) => {
    if (error instanceof ShuttingDownError) return close('UNAVAILABLE');
    log.error({ err: error }, 'sync: could not open the document');
    close('INTERNAL_ERROR');
  });
}

// With the default binaryType ('nodebuffer') ws delivers one Buffer per message.
function toBytes(data: RawData): Uint8Array {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return new Uint8Array(data);
}
