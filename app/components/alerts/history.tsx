/**
 * A project's alert history: filters (state, environment, service, severity, time range)
 * kept in the URL, pages of 50 newest first ("Load more" follows the cursor), acknowledge
 * in place, and each alert's notifications (deliveries) on demand.
 */
import { useSearchParams } from '@remix-run/react';
import { Fragment, useCallback, useEffect, useState } from 'react';
import { describeError } from '../deploy/api';
import { alertsApi, type Alert, type AlertFilters, type Delivery } from './api';
import { AckButton, StatePill, whoAcknowledged } from './alert-item';
import { SEVERITIES, SEVERITY_LABEL, conditionLabel, formatDuration, formatTime } from './format';
import { DeliveriesTable } from './deliveries';

const RANGES = [
  { id: '', label: 'Any time', ms: 0 },
  { id: '1h', label: 'Last hour', ms: 3_600_000 },
  { id: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { id: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { id: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
] as const;

const PAGE = 50;

export function AlertHistory({
  projectId,
  environments,
  services,
  canAcknowledge,
}: {
  projectId: string;
  environments: Array<{ id: string; name: string }>;
  /** Service names by id, over the project's environments. */
  services: Record<string, string>;
  canAcknowledge: boolean;
}) {
  const [search, setSearch] = useSearchParams();
  const filters = {
    state: search.get('state') ?? '',
    env: search.get('env') ?? '',
    service: search.get('service') ?? '',
    severity: search.get('severity') ?? '',
    range: search.get('range') ?? '',
  };
  const [alerts, setAlerts] = useState<Alert[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [expanded, setExpanded] = useState<string | null>(null);

  const query = useCallback((): AlertFilters => {
    const range = RANGES.find((r) => r.id === filters.range);
    return {
      state: (filters.state || undefined) as AlertFilters['state'],
      environmentId: filters.env || undefined,
      serviceId: filters.service || undefined,
      severity: (filters.severity || undefined) as AlertFilters['severity'],
      from: range?.ms ? Date.now() - range.ms : undefined,
      limit: PAGE,
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the filters are the search string
  }, [search.toString()]);

  useEffect(() => {
    const abort = new AbortController();
    setAlerts(null);
    setError(null);
    alertsApi.alerts(projectId, query(), abort.signal).then(
      (page) => {
        setAlerts(page.alerts);
        setCursor(page.nextCursor);
      },
      (e: unknown) => {
        if (!abort.signal.aborted) setError(describeError(e));
      },
    );
    return () => abort.abort();
  }, [projectId, query]);

  async function more() {
    if (!cursor) return;
    setLoadingMore(true);
    try {
      const page = await alertsApi.alerts(projectId, { ...query(), before: cursor });
      setAlerts((list) => [...(list ?? []), ...page.alerts]);
      setCursor(page.nextCursor);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setLoadingMore(false);
    }
  }

  const setFilter = (key: keyof typeof filters, value: string) => {
    const next = new URLSearchParams(search);
    if (value) next.set(key, value);
    else next.delete(key);
    setSearch(next, { replace: true, preventScrollReset: true });
  };
  const envName = (id: string) => environments.find((e) => e.id === id)?.name ?? 'deleted environment';
  const serviceOptions = Object.entries(services).sort((a, b) => a[1].localeCompare(b[1]));
  const filtered = Object.entries(filters).some(([key, value]) => key !== 'view' && value);

  return (
    <section className="card al-history" data-testid="alert-history">
      <div className="al-filters" role="group" aria-label="Filters">
        <Select label="State" value={filters.state} onChange={(v) => setFilter('state', v)} testId="filter-state">
          <option value="">Any state</option>
          <option value="open">Open</option>
          <option value="firing">Firing</option>
          <option value="acknowledged">Acknowledged</option>
          <option value="resolved">Resolved</option>
        </Select>
        <Select label="Environment" value={filters.env} onChange={(v) => setFilter('env', v)} testId="filter-env">
          <option value="">All environments</option>
          {environments.map((e) => (
            <option key={e.id} value={e.id}>
              {e.name}
            </option>
          ))}
        </Select>
        <Select label="Service" value={filters.service} onChange={(v) => setFilter('service', v)} testId="filter-service">
          <option value="">All services</option>
          {serviceOptions.map(([id, name]) => (
            <option key={id} value={id}>
              {name}
            </option>
          ))}
        </Select>
        <Select label="Severity" value={filters.severity} onChange={(v) => setFilter('severity', v)} testId="filter-severity">
          <option value="">Any severity</option>
          {SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {SEVERITY_LABEL[s]}
            </option>
          ))}
        </Select>
        <Select label="Time" value={filters.range} onChange={(v) => setFilter('range', v)} testId="filter-range">
          {RANGES.map((r) => (
            <option key={r.id} value={r.id}>
              {r.label}
            </option>
          ))}
        </Select>
      </div>

      {error ? (
        <div className="alert al-history-error" role="alert">
          {error}
        </div>
      ) : null}

      {alerts === null && !error ? (
        <div className="al-history-empty faint">Loading…</div>
      ) : alerts && alerts.length === 0 ? (
        <div className="al-history-empty" data-testid="history-empty">
          <strong>{filtered ? 'No alert matches these filters' : 'No alerts yet'}</strong>
          <span className="faint">{filtered ? 'Widen the time range or clear a filter.' : 'When a rule fires, its alert shows here, from firing to resolved.'}</span>
        </div>
      ) : alerts ? (
        <table className="table al-table">
          <thead>
            <tr>
              <th aria-label="Severity" />
              <th>Alert</th>
              <th>State</th>
              <th>Environment</th>
              <th>Fired</th>
              <th>Open for</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {alerts.map((alert) => (
              <Fragment key={alert.id}>
                <tr
                  className={`al-tr al-tr-${alert.state}${expanded === alert.id ? ' is-expanded' : ''}`}
                  data-testid="history-row"
                  data-state={alert.state}
                  onClick={() => setExpanded((id) => (id === alert.id ? null : alert.id))}
                >
                  <td className="al-td-sev">
                    <span className={`al-sev al-sev-${alert.severity}`} title={SEVERITY_LABEL[alert.severity]} />
                  </td>
                  <td className="al-td-title">
                    <div className="al-title">{alert.title}</div>
                    <div className="al-sub">
                      {conditionLabel(alert.kind)}
                      {alert.occurrences > 1 ? ` · ${alert.occurrences} times` : ''}
                      {alert.serviceId && services[alert.serviceId] ? ` · ${services[alert.serviceId]}` : ''}
                    </div>
                  </td>
                  <td>
                    <StatePill state={alert.state} />
                    {alert.state === 'acknowledged' ? <div className="al-sub">by {whoAcknowledged(alert)}</div> : null}
                  </td>
                  <td className="muted">{envName(alert.environmentId)}</td>
                  <td className="al-td-time">
                    <time dateTime={alert.firedAt}>{formatTime(alert.firedAt)}</time>
                  </td>
                  <td className="muted al-td-time">{formatDuration(alert.firedAt, alert.resolvedAt)}</td>
                  <td className="al-td-actions" onClick={(e) => e.stopPropagation()}>
                    {canAcknowledge && alert.state === 'firing' ? (
                      <AckButton alertId={alert.id} compact onAcknowledged={(acked) => setAlerts((list) => list?.map((a) => (a.id === acked.id ? acked : a)) ?? list)} />
                    ) : null}
                  </td>
                </tr>
                {expanded === alert.id ? (
                  <tr className="al-tr-detail">
                    <td />
                    <td colSpan={6}>
                      <AlertDetail alert={alert} />
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            ))}
          </tbody>
        </table>
      ) : null}
      {cursor ? (
        <div className="al-more-row">
          <button type="button" className="btn btn-sm" onClick={() => void more()} disabled={loadingMore} data-testid="history-more">
            {loadingMore ? 'Loading…' : 'Load older alerts'}
          </button>
        </div>
      ) : null}
    </section>
  );
}

function Select({ label, value, onChange, testId, children }: { label: string; value: string; onChange: (v: string) => void; testId: string; children: React.ReactNode }) {
  return (
    <label className="al-filter">
      <span className="al-filter-label">{label}</span>
      <select className={`input${value ? ' is-set' : ''}`} value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
        {children}
      </select>
    </label>
  );
}

function AlertDetail({ alert }: { alert: Alert }) {
  const [deliveries, setDeliveries] = useState<Delivery[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    alertsApi.alert(alert.id).then(
      (answer) => setDeliveries(answer.deliveries),
      (e: unknown) => setError(describeError(e)),
    );
  }, [alert.id, alert.state]);
  return (
    <div className="al-detail">
      <p className="al-detail-message">{alert.message}</p>
      <dl className="al-detail-facts">
        {alert.ruleName ? (
          <>
            <dt>Rule</dt>
            <dd>{alert.ruleName}</dd>
          </>
        ) : null}
        {alert.value !== null ? (
          <>
            <dt>Value</dt>
            <dd>
              {alert.value}
              {alert.threshold !== null ? ` (threshold ${alert.threshold})` : ''}
            </dd>
          </>
        ) : null}
        {alert.acknowledgedAt ? (
          <>
            <dt>Acknowledged</dt>
            <dd>
              {formatTime(alert.acknowledgedAt)} by {whoAcknowledged(alert)}
            </dd>
          </>
        ) : null}
        {alert.escalatedAt ? (
          <>
            <dt>Escalated</dt>
            <dd>{formatTime(alert.escalatedAt)}</dd>
          </>
        ) : null}
        {alert.resolvedAt ? (
          <>
            <dt>Resolved</dt>
            <dd>{formatTime(alert.resolvedAt)}</dd>
          </>
        ) : null}
      </dl>
      <div className="al-detail-head">Notifications</div>
      {error ? <div className="field-error">{error}</div> : deliveries === null ? <div className="faint">Loading…</div> : <DeliveriesTable deliveries={deliveries} showChannel />}
    </div>
  );
}
