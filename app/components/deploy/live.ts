/**
 * One socket.io connection to `/live` for one environment: subscribes on every (re)connect,
 * so the server's snapshot brings a reconnected page up to date, and hands parsed `status`
 * and `deployment` messages to the caller. Same-origin, so the session cookie authenticates it.
 */
import { io, type Socket } from 'socket.io-client';
import {
  liveAlertsSchema,
  liveDeploymentSchema,
  liveEventsSchema,
  liveLogsSchema,
  liveMetricsSchema,
  liveStatusSchema,
  type Ack,
  type LiveAlerts,
  type LiveDeployment,
  type LiveEvents,
  type LiveLogs,
  type LiveMetrics,
  type LiveStatus,
} from '../../../sync';

export type LiveState = 'connecting' | 'live' | 'offline' | 'refused';

export interface LiveHandlers {
  status?: (message: LiveStatus) => void;
  deployment?: (message: LiveDeployment) => void;
  /** One batch per tick: new log lines of the environment's services. */
  logs?: (message: LiveLogs) => void;
  /** One sample per service per tick. */
  metrics?: (message: LiveMetrics) => void;
  /** Engine events (die, oom, health_status). */
  events?: (message: LiveEvents) => void;
  /** Alerts that changed state; `snapshot`: the first message after subscribing, every open alert. */
  alerts?: (message: LiveAlerts, snapshot: boolean) => void;
  state?: (state: LiveState, reason?: string) => void;
}

export interface LiveConnection {
  close(): void;
}

/** `token`: a share link's (read-only: status, logs, metrics, events) instead of the session cookie. */
export function connectLive(environmentId: string, handlers: LiveHandlers, opts: { token?: string } = {}): LiveConnection {
  const socket: Socket = io('/live', { withCredentials: true, ...(opts.token ? { auth: { token: opts.token } } : {}) });
  let closed = false;
  // The server sends its open-alerts snapshot right after acknowledging a subscription.
  let alertsSnapshotDue = false;
  handlers.state?.('connecting');

  socket.on('connect', () => {
    socket.emit('subscribe', { environmentId }, (ack: Ack) => {
      if (closed) return;
      alertsSnapshotDue = ack.ok;
      if (ack.ok) handlers.state?.('live');
      else handlers.state?.('refused', ack.reason);
    });
  });
  socket.on('disconnect', () => {
    if (!closed) handlers.state?.('offline');
  });
  socket.on('connect_error', () => {
    if (!closed) handlers.state?.('offline');
  });
  socket.on('status', (payload: unknown) => {
    const parsed = liveStatusSchema.safeParse(payload);
    if (parsed.success && parsed.data.environmentId === environmentId) handlers.status?.(parsed.data);
  });
  socket.on('deployment', (payload: unknown) => {
    const parsed = liveDeploymentSchema.safeParse(payload);
    if (parsed.success && parsed.data.environmentId === environmentId) handlers.deployment?.(parsed.data);
  });
  // Parsed only when someone listens: log batches can be large.
  if (handlers.logs) {
    socket.on('logs', (payload: unknown) => {
      const parsed = liveLogsSchema.safeParse(payload);
      if (parsed.success && parsed.data.environmentId === environmentId) handlers.logs?.(parsed.data);
    });
  }
  if (handlers.metrics) {
    socket.on('metrics', (payload: unknown) => {
      const parsed = liveMetricsSchema.safeParse(payload);
      if (parsed.success && parsed.data.environmentId === environmentId) handlers.metrics?.(parsed.data);
    });
  }
  if (handlers.events) {
    socket.on('events', (payload: unknown) => {
      const parsed = liveEventsSchema.safeParse(payload);
      if (parsed.success && parsed.data.environmentId === environmentId) handlers.events?.(parsed.data);
    });
  }
  if (handlers.alerts) {
    socket.on('alerts', (payload: unknown) => {
      const parsed = liveAlertsSchema.safeParse(payload);
      if (!parsed.success || parsed.data.environmentId !== environmentId) return;
      const snapshot = alertsSnapshotDue;
      alertsSnapshotDue = false;
      handlers.alerts?.(parsed.data, snapshot);
    });
  }

  return {
    close() {
      closed = true;
      socket.removeAllListeners();
      socket.disconnect();
    },
  };
}
