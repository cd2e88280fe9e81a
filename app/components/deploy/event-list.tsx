/**
 * A deployment's events as steps: a `step.started` and the `step.succeeded` or `step.failed`
 * that ends it show as one line (spinner, then a tick or a cross, with how long it took).
 */
import { useEffect, useRef } from 'react';
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
}

export function stepRows(events: DeploymentEvent[], active: boolean): StepRow[] {
  const rows: StepRow[] = [];
  const open = new Map<string, StepRow>();
  for (const event of events) {
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
}: {
  events: DeploymentEvent[];
  active: boolean;
  /** Keep the newest line in view as lines arrive (unless the reader scrolled up). */
  follow?: boolean;
  empty?: string;
}) {
  const rows = stepRows(events, active);
  const ref = useRef<HTMLOListElement>(null);
  const pinned = useRef(true);
  useEffect(() => {
    const el = ref.current;
    if (follow && el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [follow, rows.length]);
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
      {rows.map((row) => (
        <li key={row.id} className={`dep-event is-${row.tone}`}>
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
          <span className="dep-event-text">{row.text}</span>
          <span className="dep-event-time mono" suppressHydrationWarning title={new Date(row.at).toLocaleString()}>
            {row.tookMs !== null ? duration(row.tookMs) : clockTime(row.at)}
          </span>
        </li>
      ))}
    </ol>
  );
}
