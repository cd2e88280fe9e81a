/**
 * The share page's live link: `/live` with the share token, subscribed to its one environment.
 * It brings service states (and so public URLs) as they change, and tells the page when the
 * link stops working: the server disconnects a link's sockets when it is revoked or expires.
 */
import { useEffect, useState } from 'react';
import { io } from 'socket.io-client';
import { liveStatusSchema, type Ack, type ServiceStatus } from '../../../sync';

export type SharedService = { serviceId: string; name: string; state: string; url: string | null };
export type SharedLinkState = 'connecting' | 'live' | 'offline' | 'ended';

export function useSharedStatus(token: string, environmentId: string, initial: SharedService[]) {
  const [services, setServices] = useState<SharedService[]>(initial);
  const [state, setState] = useState<SharedLinkState>('connecting');

  useEffect(() => {
    const socket = io('/live', { auth: { token }, transports: ['websocket'] });
    let ended = false;
    const end = () => {
      ended = true;
      setState('ended');
      socket.disconnect();
    };
    socket.on('connect', () => {
      socket.emit('subscribe', { environmentId }, (ack: Ack) => {
        if (ended) return;
        if (ack.ok) setState('live');
        else end();
      });
    });
    socket.on('connect_error', (error: Error) => {
      // The handshake names the reason: a dead link is final, anything else is retried.
      if (error.message === 'NOT_AUTHENTICATED') end();
      else if (!ended) setState('offline');
    });
    socket.on('disconnect', (reason) => {
      if (ended) return;
      if (reason === 'io server disconnect') end();
      else setState('offline');
    });
    socket.on('status', (payload: unknown) => {
      const parsed = liveStatusSchema.safeParse(payload);
      if (!parsed.success || parsed.data.environmentId !== environmentId) return;
      setServices(parsed.data.services.map(({ serviceId, name, state: s, url }: ServiceStatus) => ({ serviceId, name, state: s, url })));
    });
    return () => {
      ended = true;
      socket.removeAllListeners();
      socket.disconnect();
    };
  }, [token, environmentId]);

  return { services, state };
}
