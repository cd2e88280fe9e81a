/**
 * A deployment's events as steps: a `step.started` and the `step.succeeded` or `step.failed`
 * that ends it show as one line (spinner, then a tick or a cross, with how long it took).
 * A build's output lines (`build.log`) show as one block of log text under its build's line.
 */
import { useEffect, useRef, useState } from 'react';
import type { DeploymentEvent } from './api';
import { clockTime, duration } from './format';
import { CheckIcon, CrossIcon } from './icons';

export type StepTone = 'running' | 'ok' | 'error' | 'info';

export interface StepRow {
  id: number;
  tone: StepTone;
  text: string;
  at: string;
  tookMs: number | null;
  serviceId: string | null;
  /** A build's output, as it came (not capitalized): the row is a block of log lines. */
  lines?: string[];
  /** The build this row is about: its log block, or its line while it may be cancelled. */
  buildId?: string;
  /** A queued or running build (cancellable while the deployment is active). */
  buildRunning?: boolean;
}

const BUILD_END = new Set(['build.succeeded', 'build.failed', 'build.cancelled']);

export function stepRows(events: DeploymentEvent[], active: boolean): StepRow[] {
  const rows: StepRow[] = [];
  const open = new Map<string, StepRow>();
  /** Each build's first line (queued, then started), which its end settles. */
  const builds = new Map<string, StepRow>();
  for (const event of events) {
    const buildId = typeof event.details?.buildId === 'string' ? event.details.buildId : undefined;
    if (event.type === 'build.log') {
      const last = rows.at(-1);
      if (last?.lines && last.buildId === buildId) last.lines.push(event.message);
      else {
        const at = event.createdAt;
        rows.push({ id: event.id, tone: 'info', text: '', at, tookMs: null, serviceId: event.serviceId, lines: [event.message], buildId });
      }
      continue;
    }
    if ((event.type === 'build.queued' || event.type === 'build.started') && buildId) {
      const known = builds.get(buildId);
      if (known) {
        known.text = event.message;
        known.at = event.createdAt;
        continue;
      }
      const { id, message: text, createdAt: at, serviceId } = event;
      const row: StepRow = { id, tone: active ? 'running' : 'info', text, at, tookMs: null, serviceId, buildId, buildRunning: active };
      builds.set(buildId, row);
      rows.push(row);
      continue;
    }
    if (BUILD_END.has(event.type)) {
      const tone: StepTone = event.type === 'build.succeeded' ? 'ok' : 'error';
      const started = buildId ? builds.get(buildId) : undefined;
      if (started) {
        started.tone = tone;
        started.buildRunning = false;
        started.tookMs = Date.parse(event.createdAt) - Date.parse(started.at);
      }
      rows.push({ id: event.id, tone, text: event.message, at: event.createdAt, tookMs: null, serviceId: event.serviceId });
      continue;
    }
    const key = `${event.serviceId ?? ''}\n${event.message}`;
    if (event.type === 'step.started') {
      const row: StepRow = { id: event.id, tone: active ? 'running' : 'info', text: event.message, at: event.createdAt, tookMs: null, serviceId: event.serviceId };
      open.set(key, row);
      rows.push(row);
      continue;
    }
    if (event.type === 'step.succeeded' || event.type === 'step.failed') {
      const started =
        open.get(key) ??
        [...open.entries()].find(([k]) => event.type === 'step.failed' && key.startsWith(`${k} failed`))?.[1];
      const tone = event.type === 'step.succeeded' ? 'ok' : 'error';
      if (started) {
        started.tone = tone;
        started.text = event.message;
        started.tookMs = Date.parse(event.createdAt) - Date.parse(started.at);
        for (const [k, row] of open) if (row === started) open.delete(k);
        continue;
      }
      rows.push({ id: event.id, tone, text: event.message, at: event.createdAt, tookMs: null, serviceId: event.serviceId });
      continue;
    }
    const status = event.type === 'status' ? event.details?.status : undefined;
    const tone: StepTone =
      status === 'failed' || status === 'cancelled' || event.type === 'retry' ? 'error' : status === 'succeeded' ? 'ok' : 'info';
    rows.push({ id: event.id, tone, text: capitalize(event.message), at: event.createdAt, tookMs: null, serviceId: event.serviceId });
  }
  return rows;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function EventList({
  events,
  active,
  follow = false,
  empty = 'No steps yet.',
  onCancelBuild,
}: {
  events: DeploymentEvent[];
  active: boolean;
  /** Keep the newest line in view as lines arrive (unless the reader scrolled up). */
  follow?: boolean;
  empty?: string;
  /** Offered on a queued or running build's line (left out for readers who may not deploy). */
  onCancelBuild?: (buildId: string) => Promise<void>;
}) {
  const rows = stepRows(events, active);
  const logLines = rows.reduce((n, row) => n + (row.lines?.length ?? 0), 0);
  const ref = useRef<HTMLOListElement>(null);
  const pinned = useRef(true);
  useEffect(() => {
    const el = ref.current;
    if (follow && el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [follow, rows.length, logLines]);
  if (rows.length === 0) return <p className="dep-events-empty faint">{empty}</p>;
  return (
    <ol
      className="dep-events"
      ref={ref}
      data-testid="deployment-events"
      onScroll={(e) => {
        const el = e.currentTarget;
        pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
      }}
    >
      {rows.map((row) =>
        row.lines ? (
          <li key={row.id} className="dep-event dep-build-log">
            <BuildLog lines={row.lines} buildId={row.buildId} />
          </li>
        ) : (
          <li key={row.id} className={`dep-event is-${row.tone}`} data-testid={row.buildId ? 'build-step' : undefined}>
            <span className="dep-event-icon" aria-hidden>
              {row.tone === 'running' ? (
                <span className="deploy-spinner" />
              ) : row.tone === 'ok' ? (
                <CheckIcon size={12} />
              ) : row.tone === 'error' ? (
                <CrossIcon size={12} />
              ) : (
                <span className="dep-event-dot" />
              )}
            </span>
            <span className="dep-event-text">
              {row.text}
              {row.buildRunning && row.buildId && onCancelBuild ? <CancelBuild buildId={row.buildId} onCancel={onCancelBuild} /> : null}
            </span>
            <span className="dep-event-time mono" suppressHydrationWarning title={new Date(row.at).toLocaleString()}>
              {row.tookMs !== null ? duration(row.tookMs) : clockTime(row.at)}
            </span>
          </li>
        ),
      )}
    </ol>
  );
}

/** A build's output; it keeps its newest line in view as lines arrive, unless the reader scrolled up in it. */
function BuildLog({ lines, buildId }: { lines: string[]; buildId: string | undefined }) {
  const ref = useRef<HTMLPreElement>(null);
  const pinned = useRef(true);
  useEffect(() => {
    const el = ref.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [lines.length]);
  return (
    <pre
      ref={ref}
      className="mono"
      data-testid="build-log"
      data-build-id={buildId}
      aria-label="Build output"
      onScroll={(e) => {
        const el = e.currentTarget;
        pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
      }}
    >
      {lines.join('\n')}
    </pre>
  );
}

function CancelBuild({ buildId, onCancel }: { buildId: string; onCancel: (buildId: string) => Promise<void> }) {
  const [state, setState] = useState<'idle' | 'cancelling' | 'error'>('idle');
  const cancel = async () => {
    setState('cancelling');
    try {
      await onCancel(buildId);
    } catch {
      setState('error');
    }
  };
  return (
    <button
      type="button"
      className="btn btn-ghost btn-sm dep-build-cancel"
      disabled={state === 'cancelling'}
      onClick={() => void cancel()}
      data-testid="build-cancel"
      title="Stop this build; the deployment is cancelled and what runs now keeps running"
    >
      {state === 'cancelling' ? 'Cancelling…' : state === 'error' ? 'Could not cancel: retry' : 'Cancel build'}
    </button>
  );
}
