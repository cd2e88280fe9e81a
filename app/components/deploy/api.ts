/**
 * The deploy routes of the JSON API as the browser calls them: same-origin fetch with the
 * session cookie. The shapes are the wire format (dates are ISO strings), written here
 * because client code never imports `server/`.
 */
import type { DeployableSpec, ServiceStatus, SpecDiff } from '../../../sync';

export type DeploymentStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export type DeploymentTrigger = 'commit' | 'rollback' | 'redeploy';

export interface Commit {
  id: string;
  environmentId: string;
  number: number;
  message: string;
  diff: SpecDiff;
  parentId: string | null;
  rollbackOf: string | null;
  author: { id: string; email: string } | null;
  createdAt: string;
  /** Only from `GET /api/commits/:id`. */
  spec?: DeployableSpec;
}

export interface DeploymentEvent {
  id: number;
  deploymentId: string | null;
  serviceId: string | null;
  /** `status`, `step.started`, `step.succeeded`, `step.failed`, `progress`… */
  type: string;
  message: string;
  details: Record<string, unknown> | null;
  createdAt: string;
}

export interface Deployment {
  id: string;
  environmentId: string;
  commitId: string;
  commitNumber: number | null;
  trigger: DeploymentTrigger;
  status: DeploymentStatus;
  reason: string | null;
  createdBy: { id: string; email: string } | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Only from `GET /api/deployments/:id`. */
  events?: DeploymentEvent[];
}

export interface CommitIssue {
  serviceId?: string;
  path: string;
  message: string;
}

export interface EnvironmentStatus {
  commit: { id: string; number: number } | null;
  deployment: { id: string; status: DeploymentStatus; reason: string | null } | null;
  services: ServiceStatus[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: CommitIssue[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function isActive(status: DeploymentStatus): boolean {
  return status === 'queued' || status === 'running';
}

/**
 * JSON in, JSON out; a non-2xx answer becomes an ApiError with the server's code, message and
 * issues. `token` (a share link's, on the share page) is sent as a Bearer token.
 */
export async function api<T>(path: string, init: { method?: string; body?: unknown; signal?: AbortSignal; token?: string } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const response = await fetch(`/api${path}`, {
    method: init.method ?? 'GET',
    credentials: 'same-origin',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: init.signal,
  });
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // A proxy's HTML error page: report the status below.
  }
  if (!response.ok) {
    const error = (json as { error?: { code?: string; message?: string; issues?: CommitIssue[] } } | null)?.error;
    throw new ApiError(response.status, error?.code ?? 'HTTP_ERROR', error?.message ?? `the server answered ${response.status}`, error?.issues ?? []);
  }
  return json as T;
}

export const deployApi = {
  commit: (environmentId: string, body: { message?: string; deploy: boolean }) =>
    api<{ commit: Commit; diff: SpecDiff; deployment: Deployment | null }>(`/environments/${environmentId}/commits`, { method: 'POST', body }),
  commits: (environmentId: string, limit = 50) => api<{ commits: Commit[] }>(`/environments/${environmentId}/commits?limit=${limit}`),
  commitWithSpec: (commitId: string) => api<{ commit: Commit }>(`/commits/${commitId}`),
  rollback: (commitId: string) => api<{ commit: Commit; deployment: Deployment }>(`/commits/${commitId}/rollback`, { method: 'POST', body: {} }),
  redeploy: (commitId: string) => api<{ deployment: Deployment }>(`/commits/${commitId}/redeploy`, { method: 'POST' }),
  deployments: (environmentId: string, limit = 20) => api<{ deployments: Deployment[] }>(`/environments/${environmentId}/deployments?limit=${limit}`),
  deployment: (deploymentId: string, signal?: AbortSignal) => api<{ deployment: Deployment }>(`/deployments/${deploymentId}`, { signal }),
  cancel: (deploymentId: string) => api<{ deployment: Deployment }>(`/deployments/${deploymentId}/cancel`, { method: 'POST' }),
  status: (environmentId: string) => api<EnvironmentStatus>(`/environments/${environmentId}/status`),
  /** Cancels a queued or running build, and with it its deployment. */
  cancelBuild: (buildId: string) => api<{ build: { id: string; status: string } }>(`/builds/${buildId}/cancel`, { method: 'POST' }),
};

/** A message for a failed call, for toasts and inline errors. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.message.charAt(0).toUpperCase() + error.message.slice(1);
  if (error instanceof DOMException && error.name === 'AbortError') return 'Cancelled.';
  return 'The server could not be reached. Check your connection and try again.';
}
