/** Words for states and times, shared by the canvas, the history page and the nodes page. */
import type { ServiceState } from '../../../sync';
import type { DeploymentEvent, DeploymentStatus, DeploymentTrigger } from './api';

export const SERVICE_STATE_LABEL: Record<ServiceState, string> = {
  queued: 'Queued',
  building: 'Building',
  deploying: 'Deploying',
  running: 'Running',
  unhealthy: 'Unhealthy',
  crashed: 'Crashed',
  stopped: 'Stopped',
};

export const SERVICE_STATE_HINT: Record<ServiceState, string> = {
  queued: 'Waiting for the deployment to start',
  building: 'Building the image',
  deploying: 'Starting containers',
  running: 'All replicas are up',
  unhealthy: 'Running, but failing its health check or short of replicas',
  crashed: 'A container exited with an error or keeps restarting',
  stopped: 'No containers are running',
};

export const DEPLOYMENT_STATUS_LABEL: Record<DeploymentStatus, string> = {
  queued: 'Queued',
  running: 'In progress',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export const TRIGGER_LABEL: Record<DeploymentTrigger, string> = {
  commit: 'Deploy',
  rollback: 'Rollback',
  redeploy: 'Redeploy',
};

/** `14:02:09`, local time. */
export function clockTime(value: string | number | Date): string {
  return new Date(value).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** `21 Nov, 14:02`. */
export function dateTime(value: string | number | Date): string {
  return new Date(value).toLocaleString('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

/** `850 ms`, `12 s`, `3 min 4 s`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
}

/** The host and path of a URL, for showing; the link keeps the whole URL. */
export function shortUrl(url: string): string {
  return url.replace(/^https?:\/\//, '').replace(/\/$/, '');
}

export type EventTone = 'ok' | 'error' | 'progress' | 'status';

export function eventTone(event: DeploymentEvent): EventTone {
  if (event.type.endsWith('failed')) return 'error';
  if (event.type === 'status') {
    const status = event.details?.status;
    return status === 'failed' || status === 'cancelled' ? 'error' : status === 'succeeded' ? 'ok' : 'status';
  }
  if (event.type.endsWith('succeeded')) return 'ok';
  return 'progress';
}

export function bytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(n >= 10 * 1024 ** 3 ? 0 : 1)} GB`;
  if (n >= 1024 ** 2) return `${Math.round(n / 1024 ** 2)} MB`;
  return `${Math.round(n / 1024)} KB`;
}
