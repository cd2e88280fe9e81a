/** The history routes of the JSON API (server/http/telemetry-api.ts), as the panel calls them. */
import { useEffect, useLayoutEffect } from 'react';
import type { LogLine } from '../../../sync';
import { api } from '../deploy/api';
import { historyParams, type LogQuery } from './log-query';
import type { MetricsHistory } from './metrics-data';

export interface LogHistory {
  environmentId: string;
  serviceId: string;
  /** Oldest first: the newest `limit` lines that match. */
  lines: LogLine[];
  hasMore: boolean;
  /** Pass back to page to older lines; null when there are none. */
  cursor: string | null;
}

/** The most the API answers in one page. */
export const MAX_PAGE = 5_000;

/**
 * Share links' tokens by environment. A share page has no session: these routes take its token
 * instead, as a Bearer token for that one environment. The panel holds it here while open in
 * share mode (`useShareToken`); every call names its environment, so the tabs need no change.
 */
const shareTokens = new Map<string, string>();

// Layout effect: set before the tabs' own effects ask for history. (None on the server.)
const useBeforeEffects = typeof window === 'undefined' ? useEffect : useLayoutEffect;

/** While mounted, the history of `environmentId` is read with `token` (a share link's). */
export function useShareToken(environmentId: string, token: string | undefined): void {
  useBeforeEffects(() => {
    if (!token) return;
    shareTokens.set(environmentId, token);
    return () => {
      if (shareTokens.get(environmentId) === token) shareTokens.delete(environmentId);
    };
  }, [environmentId, token]);
}

export const telemetryApi = {
  logs: (serviceId: string, query: LogQuery, options: { environmentId: string; limit: number; cursor?: string | null; signal?: AbortSignal }) =>
    api<LogHistory>(`/services/${encodeURIComponent(serviceId)}/logs?${historyParams(query, options)}`, {
      signal: options.signal,
      token: shareTokens.get(options.environmentId),
    }),

  metrics: (serviceId: string, options: { environmentId: string; from: number; to: number; stepMs: number; signal?: AbortSignal }) => {
    const params = new URLSearchParams({
      environmentId: options.environmentId,
      from: String(Math.floor(options.from)),
      to: String(Math.ceil(options.to)),
      step: `${Math.round(options.stepMs / 1000)}s`,
    });
    return api<MetricsHistory>(`/services/${encodeURIComponent(serviceId)}/metrics?${params}`, {
      signal: options.signal,
      token: shareTokens.get(options.environmentId),
    });
  },
};

/**
 * Every line of `query`, newest pages first, up to `max` lines (a download). Resolves oldest
 * first, and whether older lines were left out.
 */
export async function allLogLines(
  serviceId: string,
  query: LogQuery,
  options: { environmentId: string; max: number; signal?: AbortSignal },
): Promise<{ lines: LogLine[]; truncated: boolean }> {
  const pages: LogLine[][] = [];
  let count = 0;
  let cursor: string | null = null;
  for (;;) {
    const limit = Math.min(MAX_PAGE, options.max - count);
    const page: LogHistory = await telemetryApi.logs(serviceId, query, { environmentId: options.environmentId, limit, cursor, signal: options.signal });
    pages.unshift(page.lines);
    count += page.lines.length;
    cursor = page.cursor;
    if (!page.hasMore || !cursor) return { lines: pages.flat(), truncated: false };
    if (count >= options.max) return { lines: pages.flat(), truncated: true };
  }
}
