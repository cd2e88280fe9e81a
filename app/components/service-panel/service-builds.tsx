/**
 * Builds of a git-sourced service in the Deployments tab: each deployment that built the
 * service shows its build (status, commit, duration) with a "Full build log" action, which
 * opens the stored log (`GET /api/builds/:id`) in a dialog to read, copy or download. The
 * deployment's steps show only the live lines (at most 5,000); the stored log is the whole one.
 */
import { useEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { saveTextFile } from '../save-file';
import { api, ApiError, describeError } from '../deploy/api';
import { CopyButton } from '../deploy/copy-button';
import { CommitIcon } from '../deploy/icons';
import { dateTime, duration } from '../deploy/format';
import { CloseButton } from './chrome';
import { DownloadIcon, LogsIcon } from './telemetry-icons';

export type BuildStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** `GET /api/environments/:id/builds` rows, as much of them as the panel shows (dates are ISO strings). */
export interface BuildSummary {
  id: string;
  deploymentId: string | null;
  serviceName: string;
  trigger: 'manual' | 'push' | 'pr';
  status: BuildStatus;
  repo: string;
  ref: string;
  requestedCommit: string | null;
  commit: string | null;
  runtime: string | null;
  cached: boolean;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
}

export const BUILD_STATUS_LABEL: Record<BuildStatus, string> = {
  queued: 'Queued',
  running: 'Building',
  succeeded: 'Built',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

const LIST_LIMIT = 50;

/** Git's short form. */
export const shortSha = (sha: string) => sha.slice(0, 7);

/**
 * The service's newest builds by deployment id, reloaded when `reloadKey` changes; null while
 * loading, and an empty map for a reader who may not read builds (a share-link guest).
 */
export function useServiceBuilds(environmentId: string, serviceId: string, reloadKey: string): Map<string, BuildSummary> | null {
  const [builds, setBuilds] = useState<Map<string, BuildSummary> | null>(null);
  useEffect(() => {
    if (!environmentId) return;
    const abort = new AbortController();
    const query = new URLSearchParams({ serviceId, limit: String(LIST_LIMIT) });
    api<{ builds: BuildSummary[] }>(`/environments/${environmentId}/builds?${query}`, { signal: abort.signal })
      .then(({ builds: list }) => {
        const byDeployment = new Map<string, BuildSummary>();
        // Newest first: a deployment that built twice (a retry) shows its newest build.
        for (const b of list) if (b.deploymentId && !byDeployment.has(b.deploymentId)) byDeployment.set(b.deploymentId, b);
        setBuilds(byDeployment);
      })
      .catch(() => {
        // Builds are an extra on this tab: without them the deployments still show.
        if (!abort.signal.aborted) setBuilds(new Map());
      });
    return () => abort.abort();
  }, [environmentId, serviceId, reloadKey]);
  return builds;
}

/** One build under its deployment: status, commit, duration, and the way to its whole log. */
export function BuildLine({ build, onOpenLog }: { build: BuildSummary; onOpenLog: () => void }) {
  const sha = build.commit ?? build.requestedCommit;
  return (
    <div className="dp-build" data-testid="service-build" data-status={build.status} data-build-id={build.id}>
      <span className={`dep-badge dep-${build.status}`}>{BUILD_STATUS_LABEL[build.status]}</span>
      <span className="dp-build-what">
        <CommitIcon size={13} />
        {sha ? (
          <code className="dp-build-sha" title={sha} data-testid="build-commit">
            {shortSha(sha)}
          </code>
        ) : (
          <span className="faint">head of</span>
        )}
        <span className="faint">
          {sha ? 'on ' : ''}
          <span className="mono dp-build-ref">{build.ref}</span>
        </span>
      </span>
      {build.durationMs !== null || build.status === 'running' ? (
        <span className="faint" aria-hidden>
          ·
        </span>
      ) : null}
      <span className="faint dp-build-took" data-testid="build-duration">
        {build.durationMs !== null ? duration(build.durationMs) : build.status === 'running' ? 'building…' : ''}
        {build.cached ? ' · image reused' : ''}
      </span>
      <span className="spacer" />
      <button type="button" className="btn btn-sm" onClick={onOpenLog} data-testid="build-log-open">
        <LogsIcon size={13} />
        Full build log
      </button>
    </div>
  );
}

type LogLoad = { state: 'loading' } | { state: 'ready'; build: BuildSummary; log: string } | { state: 'error'; message: string };

/** The stored log of one build, numbered, in a dialog over the canvas; Escape or the backdrop closes it. */
export function BuildLogDialog({ build, onClose }: { build: BuildSummary; onClose: () => void }) {
  const [load, setLoad] = useState<LogLoad>({ state: 'loading' });
  const [reload, setReload] = useState(0);
  const pre = useRef<HTMLPreElement>(null);
  const closeRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const abort = new AbortController();
    api<{ build: BuildSummary & { log: string } }>(`/builds/${build.id}`, { signal: abort.signal })
      .then(({ build: full }) => setLoad({ state: 'ready', build: full, log: full.log }))
      .catch((error: unknown) => {
        if (abort.signal.aborted) return;
        setLoad({ state: 'error', message: error instanceof ApiError && error.status === 404 ? 'This build no longer exists.' : describeError(error) });
      });
    return () => abort.abort();
  }, [build.id, reload]);

  useEffect(() => closeRef.current?.querySelector('button')?.focus(), []);

  const shown = load.state === 'ready' ? load.build : build;
  const sha = shown.commit ?? shown.requestedCommit;
  const name = `${shown.serviceName}-build-${sha ? shortSha(sha) : shown.id}.log`;
  const lines = load.state === 'ready' && load.log ? load.log.split('\n') : [];
  const download = (text: string) => saveTextFile(name, text.endsWith('\n') ? text : `${text}\n`);

  // Over everything (the panel is a stacking context of its own); it only opens on a click, so never on the server.
  return createPortal(
    <div
      className="dialog-backdrop"
      onPointerDown={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
      onKeyDown={(e) => {
        // The canvas's shortcuts stay out of it; Escape closes this dialog only, not the panel under it.
        e.stopPropagation();
        if (e.key !== 'Escape') return;
        e.preventDefault();
        onClose();
      }}
    >
      <div className="dialog card bl-dialog" role="dialog" aria-modal="true" aria-labelledby="build-log-title" data-testid="build-log-dialog">
        <header className="bl-head">
          <div className="bl-title">
            <h2 id="build-log-title">Build log · {shown.serviceName}</h2>
            <p className="bl-meta faint">
              <span className={`dep-badge dep-${shown.status}`}>{BUILD_STATUS_LABEL[shown.status]}</span>
              {sha ? (
                <code title={sha} data-testid="build-log-commit">
                  {shortSha(sha)}
                </code>
              ) : null}
              <span>
                {shown.repo.replace(/^file:\/\//, '')} @ <span className="mono">{shown.ref}</span>
              </span>
              <span>
                <time suppressHydrationWarning title={new Date(shown.createdAt).toLocaleString()}>
                  {dateTime(shown.createdAt)}
                </time>
                {shown.durationMs !== null ? ` · took ${duration(shown.durationMs)}` : ''}
              </span>
            </p>
          </div>
          <div ref={closeRef}>
            <CloseButton onClose={onClose} label="Close build log" />
          </div>
        </header>
        {shown.error ? <p className="dep-item-reason">{shown.error}</p> : null}
        {load.state === 'loading' ? (
          <p className="faint bl-empty">Loading the log…</p>
        ) : load.state === 'error' ? (
          <div className="alert" role="alert">
            {load.message}
          </div>
        ) : lines.length === 0 ? (
          <p className="faint bl-empty">This build wrote no output.</p>
        ) : (
          <pre className="mono bl-log" ref={pre} tabIndex={0} aria-label="Full build log" data-testid="build-log-full">
            {lines.map((line, i) => (
              <span key={i} className="bl-line">
                {line}
              </span>
            ))}
          </pre>
        )}
        <footer className="bl-foot">
          <span className="faint" data-testid="build-log-lines">
            {load.state === 'ready' ? `${lines.length.toLocaleString('en-GB')} ${lines.length === 1 ? 'line' : 'lines'}` : ''}
            {shown.status === 'queued' || shown.status === 'running' ? ' so far: the build is still running' : ''}
          </span>
          <span className="spacer" />
          {shown.status === 'queued' || shown.status === 'running' ? (
            <button type="button" className="btn btn-sm" onClick={() => setReload((n) => n + 1)} data-testid="build-log-reload">
              Reload
            </button>
          ) : null}
          {load.state === 'ready' && lines.length > 0 ? (
            <>
              <CopyButton text={load.log} target={() => pre.current} />
              <button type="button" className="btn btn-sm" onClick={() => download(load.log)} data-testid="build-log-download">
                <DownloadIcon size={13} />
                Download
              </button>
            </>
          ) : null}
        </footer>
      </div>
    </div>,
    document.body,
  );
}
