/** One alert in a list (the bell, the service panel, the history): state, title, where, when, and Acknowledge. */
import { Link } from '@remix-run/react';
import { useState } from 'react';
import { describeError } from '../deploy/api';
import { timeAgo } from '../ui';
import { alertsApi, type Alert, type AlertSeverity, type AlertState } from './api';
import { STATE_LABEL, formatDuration, formatTime } from './format';
import { CheckIcon } from './icons';

/** The fields a row needs: an `Alert` from the API, or a live one from `/live`. */
export interface AlertLike {
  id: string;
  title: string;
  state: AlertState;
  severity: AlertSeverity;
  firedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: { name: string | null; email: string | null } | null;
  resolvedAt: string | null;
}

export function StatePill({ state }: { state: AlertState }) {
  return (
    <span className={`al-state al-state-${state}`} data-testid="alert-state" data-state={state}>
      <span className="al-state-dot" aria-hidden />
      {STATE_LABEL[state]}
    </span>
  );
}

export function whoAcknowledged(alert: AlertLike): string {
  const by = alert.acknowledgedBy;
  return by?.name || by?.email || 'someone';
}

/** Acknowledges and hands back the new alert; errors are shown in place. */
export function AckButton({ alertId, onAcknowledged, compact }: { alertId: string; onAcknowledged: (alert: Alert) => void; compact?: boolean }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <span className="al-ack">
      <button
        type="button"
        className={`btn btn-sm${compact ? ' al-ack-compact' : ''}`}
        disabled={busy}
        data-testid="alert-ack"
        onClick={async (event) => {
          event.preventDefault();
          event.stopPropagation();
          setBusy(true);
          setError(null);
          try {
            const { alert } = await alertsApi.acknowledge(alertId);
            onAcknowledged(alert);
          } catch (e) {
            setError(describeError(e));
          } finally {
            setBusy(false);
          }
        }}
      >
        <CheckIcon size={13} />
        {busy ? 'Acknowledging…' : 'Acknowledge'}
      </button>
      {error ? (
        <span className="field-error" role="alert">
          {error}
        </span>
      ) : null}
    </span>
  );
}

/** A compact row: for the bell's dropdown and the service panel. */
export function AlertRow({
  alert,
  context,
  canAcknowledge,
  onAcknowledged,
  href,
}: {
  alert: AlertLike;
  /** Where it happened, e.g. the project's name. */
  context?: string;
  canAcknowledge: boolean;
  onAcknowledged: (alert: Alert) => void;
  href?: string;
}) {
  const body = (
    <>
      <span className={`al-sev al-sev-${alert.severity}`} aria-label={`${alert.severity} severity`} />
      <span className="al-row-main">
        <span className="al-row-title">{alert.title}</span>
        <span className="al-row-meta">
          <StatePill state={alert.state} />
          {context ? <span className="al-row-context">{context}</span> : null}
          <time dateTime={alert.firedAt} title={formatTime(alert.firedAt)}>
            {timeAgo(alert.firedAt)}
          </time>
          {alert.state === 'acknowledged' ? <span className="faint">by {whoAcknowledged(alert)}</span> : null}
          {alert.state === 'resolved' && alert.resolvedAt ? <span className="faint">after {formatDuration(alert.firedAt, alert.resolvedAt)}</span> : null}
        </span>
      </span>
    </>
  );
  return (
    <div className={`al-row al-row-${alert.state}`} data-testid="alert-row" data-state={alert.state} data-alert-id={alert.id}>
      {href ? (
        <Link className="al-row-link" to={href}>
          {body}
        </Link>
      ) : (
        <div className="al-row-link">{body}</div>
      )}
      {canAcknowledge && alert.state === 'firing' ? <AckButton alertId={alert.id} onAcknowledged={onAcknowledged} compact /> : null}
    </div>
  );
}
