/**
 * For pages outside the canvas (the history page): the environment's live service status,
 * deployment events as they arrive, and a nudge to reload when a deployment starts or ends.
 */
import { useEffect, useRef, useState } from 'react';
import type { ServiceStatus } from '../../../sync';
import type { DeploymentEvent } from './api';
import { connectLive } from './live';

export interface LiveEnvironment {
  /** null until the first `status` message. */
  services: ServiceStatus[] | null;
  /** Events that arrived live, by deployment id. */
  events: Map<string, DeploymentEvent[]>;
}

export function useLiveEnvironment(environmentId: string, onDeploymentChange: () => void): LiveEnvironment {
  const [services, setServices] = useState<ServiceStatus[] | null>(null);
  const [events, setEvents] = useState<Map<string, DeploymentEvent[]>>(() => new Map());
  const changed = useRef(onDeploymentChange);
  useEffect(() => {
    changed.current = onDeploymentChange;
  });

  useEffect(() => {
    setServices(null);
    setEvents(new Map());
    let timer: ReturnType<typeof setTimeout> | undefined;
    // A burst of messages (a deployment starting, its first steps) reloads once.
    const nudge = () => {
      clearTimeout(timer);
      timer = setTimeout(() => changed.current(), 150);
    };
    const connection = connectLive(environmentId, {
      status: (message) => setServices(message.services),
      deployment: (message) => {
        const { deploymentId, event } = message;
        if (message.status) nudge();
        if (!deploymentId || !event) return;
        const createdAt = typeof event.createdAt === 'string' ? event.createdAt : event.createdAt.toISOString();
        setEvents((previous) => {
          const list = previous.get(deploymentId) ?? [];
          if (list.some((e) => e.id === event.id)) return previous;
          const next = new Map(previous);
          next.set(deploymentId, [...list, { ...event, createdAt }]);
          return next;
        });
      },
    });
    return () => {
      clearTimeout(timer);
      connection.close();
    };
  }, [environmentId]);

  return { services, events };
}

/** Stored events and live ones, once each, oldest first. */
export function mergeEvents(stored: DeploymentEvent[], live: DeploymentEvent[] | undefined): DeploymentEvent[] {
  if (!live?.length) return stored;
  const seen = new Set(stored.map((e) => e.id));
  const extra = live.filter((e) => !seen.has(e.id));
  return extra.length ? [...stored, ...extra].sort((a, b) => a.id - b.id) : stored;
}
