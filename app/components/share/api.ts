/** The JSON API calls behind the share and preview controls (same origin: the session cookie authenticates). */

export class ShareApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ShareApiError';
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`/api${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  if (response.status === 204) return undefined as T;
  const json = (await response.json().catch(() => null)) as { error?: { message?: string; issues?: { message: string }[] } } | null;
  if (!response.ok) {
    const issue = json?.error?.issues?.[0]?.message;
    throw new ShareApiError(response.status, issue ?? json?.error?.message ?? `request failed (${response.status})`);
  }
  return json as T;
}

export type EnvironmentView = { id: string; name: string; kind: 'standard' | 'preview'; expiresAt: string | null };

export type ShareLinkView = {
  id: string;
  state: 'active' | 'expired' | 'revoked';
  createdBy: { id: string | null; name: string | null; email: string | null };
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  lastOpenedAt: string | null;
  opens: number;
};

export const shareApi = {
  links: (environmentId: string) => call<{ links: ShareLinkView[] }>('GET', `/environments/${environmentId}/share-links`),
  create: (environmentId: string, ttlHours: number) =>
    call<{ id: string; url: string; expiresAt: string }>('POST', `/environments/${environmentId}/share-links`, { ttlHours }),
  revoke: (linkId: string) => call<void>('DELETE', `/share-links/${linkId}`),
  fork: (projectId: string, input: { name: string; from: string; preview: boolean; ttlHours?: number; copySecrets: boolean }) =>
    call<{ environment: EnvironmentView }>('POST', `/projects/${projectId}/environments`, input),
  extend: (environmentId: string, ttlHours: number) => call<{ environment: EnvironmentView }>('PATCH', `/environments/${environmentId}`, { ttlHours }),
  rename: (environmentId: string, name: string) => call<{ environment: EnvironmentView }>('PATCH', `/environments/${environmentId}`, { name }),
  /** Image per service name; an empty map removes them all. */
  setImages: (environmentId: string, imageOverrides: Record<string, string>) =>
    call<{ environment: EnvironmentView }>('PATCH', `/environments/${environmentId}`, { imageOverrides }),
};

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
