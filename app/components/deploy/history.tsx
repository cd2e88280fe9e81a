/**
 * The history of one environment: its services now, its commits (what each changed, with
 * Redeploy and Roll back), and its deployments with their steps. Updates live.
 */
import { useRevalidator } from '@remix-run/react';
import { useCallback, useEffect, useState } from 'react';
import type { ServiceStatus } from '../../../sync';
import { timeAgo } from '../ui';
import { deployApi, describeError, isActive, type Commit, type Deployment, type DeploymentEvent } from './api';
import { CommitDiff, diffSummary } from './commit-diff';
import { EventList } from './event-list';
import { DEPLOYMENT_STATUS_LABEL, SERVICE_STATE_LABEL, dateTime, duration, shortUrl, TRIGGER_LABEL } from './format';
import { ExternalIcon, HistoryIcon, RocketIcon } from './icons';
import { mergeEvents, useLiveEnvironment } from './use-live-environment';

export interface HistoryProps {
  environment: { id: string; name: string };
  commits: Commit[];
  deployments: Deployment[];
  /** The latest deployment's events (others load when opened). */
  latestEvents: DeploymentEvent[];
  /** The commit the environment runs (its desired state), if any. */
  current: { id: string; number: number } | null;
  services: ServiceStatus[];
  canDeploy: boolean;
}

type Notice = { kind: 'ok' | 'error'; text: string } | null;

export function History(props: HistoryProps) {
  const { environment, commits, deployments, canDeploy } = props;
  const revalidator = useRevalidator();
  const reload = useCallback(() => revalidator.revalidate(), [revalidator]);
  const live = useLiveEnvironment(environment.id, reload);
  const services = [...(live.services ?? props.services)].sort((a, b) => a.name.localeCompare(b.name));
  const [notice, setNotice] = useState<Notice>(null);
  const [pending, setPending] = useState<string | null>(null);

  const run = async (key: string, work: () => Promise<string>) => {
    setPending(key);
    setNotice(null);
    try {
      setNotice({ kind: 'ok', text: await work() });
      revalidator.revalidate();
    } catch (error) {
      setNotice({ kind: 'error', text: describeError(error) });
    } finally {
      setPending(null);
    }
  };
  const rollback = (commit: Commit) =>
    run(`rollback:${commit.id}`, async () => {
      const result = await deployApi.rollback(commit.id);
      return `Commit #${result.commit.number} rolls back to #${commit.number}; its deployment has started.`;
    });
  const redeploy = (commit: Commit) =>
    run(`redeploy:${commit.id}`, async () => {
      await deployApi.redeploy(commit.id);
      return `Commit #${commit.number} is being deployed.`;
    });
  const cancel = (deployment: Deployment) =>
    run(`cancel:${deployment.id}`, async () => {
      await deployApi.cancel(deployment.id);
      return `The deployment of #${deployment.commitNumber ?? '?'} was cancelled.`;
    });

  const latestCommit = commits[0];
  const deployed = new Set(deployments.map((d) => d.commitId));
  return (
    <main className="page page-wide dep-page">
      <div className="page-header">
        <div>
          <h1>Deployments</h1>
          <p>
            Every commit of <strong>{environment.name}</strong>, what it changed, and how each deployment went.
          </p>
        </div>
      </div>

      {notice ? (
        <div className={notice.kind === 'ok' ? 'notice' : 'alert'} role={notice.kind === 'ok' ? 'status' : 'alert'} data-testid="history-notice">
          {notice.text}
        </div>
      ) : null}

      <ServiceStrip services={services} current={props.current} />

      {commits.length === 0 ? (
        <section className="card empty" data-testid="history-empty">
          <span className="empty-icon" aria-hidden>
            <RocketIcon size={20} />
          </span>
          <h2>Nothing deployed yet</h2>
          <p className="muted">Add services on the canvas and press Deploy: each deploy is recorded here as a commit you can roll back to.</p>
        </section>
      ) : (
        <div className="dep-columns">
          <section className="card dep-section" aria-label="Commits">
            <div className="card-header">
              <h2>Commits</h2>
              <span className="badge">{commits.length}</span>
            </div>
            <ol className="dep-commits">
              {commits.map((commit, i) => (
                <CommitItem
                  key={commit.id}
                  commit={commit}
                  open={i < 4}
                  isCurrent={props.current?.id === commit.id}
                  isLatest={commit.id === latestCommit?.id}
                  wasDeployed={deployed.has(commit.id)}
                  rollbackOf={commit.rollbackOf ? commits.find((c) => c.id === commit.rollbackOf)?.number ?? null : null}
                  canDeploy={canDeploy}
                  pending={pending}
                  onRollback={rollback}
                  onRedeploy={redeploy}
                />
              ))}
            </ol>
          </section>
          <section className="card dep-section" aria-label="Deployments">
            <div className="card-header">
              <h2>Deployments</h2>
              <span className="badge">{deployments.length}</span>
            </div>
            <ol className="dep-list">
              {deployments.map((deployment, i) => (
                <DeploymentItem
                  key={deployment.id}
                  deployment={deployment}
                  initialEvents={i === 0 ? props.latestEvents : null}
                  liveEvents={live.events.get(deployment.id)}
                  open={i === 0}
                  canDeploy={canDeploy}
                  cancelling={pending === `cancel:${deployment.id}`}
                  onCancel={cancel}
                />
              ))}
            </ol>
          </section>
        </div>
      )}
    </main>
  );
}

function ServiceStrip({ services, current }: { services: ServiceStatus[]; current: HistoryProps['current'] }) {
  if (!current) return null;
  return (
    <section className="card dep-now" aria-label="Services now">
      <div className="dep-now-head">
        <h2>Now</h2>
        <span className="muted">
          running commit <strong className="mono">#{current.number}</strong>
        </span>
      </div>
      {services.length ? (
        <ul className="dep-now-list">
          {services.map((s) => (
            <li key={s.serviceId} className="dep-now-service" data-testid="service-state" data-name={s.name} data-state={s.state}>
              <span className={`status-dot status-${s.state}`} aria-hidden />
              <span className="dep-now-name">{s.name}</span>
              <span className={`dep-now-state is-${s.state}`}>{SERVICE_STATE_LABEL[s.state]}</span>
              {s.replicas.desired > 0 ? (
                <span className="cnode-replicas">
                  {s.replicas.running}/{s.replicas.desired}
                </span>
              ) : null}
              {s.url ? (
                <a className="dep-now-url mono" href={s.url} target="_blank" rel="noopener noreferrer">
                  <ExternalIcon size={11} />
                  {shortUrl(s.url)}
                </a>
              ) : null}
            </li>
          ))}
        </ul>
      ) : (
        <p className="faint">This commit runs no services.</p>
      )}
    </section>
  );
}

function CommitItem({
  commit,
  open,
  isCurrent,
  isLatest,
  wasDeployed,
  rollbackOf,
  canDeploy,
  pending,
  onRollback,
  onRedeploy,
}: {
  commit: Commit;
  open: boolean;
  isCurrent: boolean;
  isLatest: boolean;
  /** Committed without deploying: its button says Deploy, not Redeploy. */
  wasDeployed: boolean;
  rollbackOf: number | null;
  canDeploy: boolean;
  pending: string | null;
  onRollback: (c: Commit) => void;
  onRedeploy: (c: Commit) => void;
}) {
  const busy = pending !== null;
  return (
    <li className={`dep-commit${isCurrent ? ' is-current' : ''}`} data-testid="commit" data-number={commit.number}>
      <div className="dep-commit-head">
        <span className="dep-commit-num mono">#{commit.number}</span>
        <div className="dep-commit-main">
          <div className="dep-commit-msg">
            {commit.message ? <span data-testid="commit-message">{commit.message}</span> : <span className="faint">No message</span>}
            {isCurrent ? <span className="badge badge-accent">Running</span> : null}
            {rollbackOf !== null ? <span className="badge">rollback of #{rollbackOf}</span> : null}
          </div>
          <div className="dep-commit-meta faint">
            {commit.author?.email ?? 'someone'} · <time suppressHydrationWarning title={new Date(commit.createdAt).toLocaleString()}>{timeAgo(commit.createdAt)}</time>
          </div>
        </div>
        {canDeploy ? (
          <div className="dep-commit-actions">
            {isLatest ? (
              <button
                type="button"
                className="btn btn-sm"
                disabled={busy}
                onClick={() => onRedeploy(commit)}
                title={wasDeployed ? 'Deploy this commit again as it is' : 'Deploy this commit'}
              >
                {pending === `redeploy:${commit.id}` ? <span className="deploy-spinner" aria-hidden /> : <RocketIcon size={13} />}
                {wasDeployed ? 'Redeploy' : 'Deploy'}
              </button>
            ) : (
              <button
                type="button"
                className="btn btn-sm"
                disabled={busy}
                onClick={() => onRollback(commit)}
                title={`Create a new commit with the spec of #${commit.number} and deploy it`}
              >
                {pending === `rollback:${commit.id}` ? <span className="deploy-spinner" aria-hidden /> : <HistoryIcon size={13} />}
                Roll back to this
              </button>
            )}
          </div>
        ) : null}
      </div>
      <details className="dep-commit-diff" open={open}>
        <summary>{diffSummary(commit.diff)}</summary>
        <CommitDiff diff={commit.diff} />
      </details>
    </li>
  );
}

function DeploymentItem({
  deployment,
  initialEvents,
  liveEvents,
  open,
  canDeploy,
  cancelling,
  onCancel,
}: {
  deployment: Deployment;
  initialEvents: DeploymentEvent[] | null;
  liveEvents: DeploymentEvent[] | undefined;
  open: boolean;
  canDeploy: boolean;
  cancelling: boolean;
  onCancel: (d: Deployment) => void;
}) {
  const [stored, setStored] = useState<DeploymentEvent[] | null>(initialEvents);
  const [expanded, setExpanded] = useState(open);
  const [error, setError] = useState<string | null>(null);
  const active = isActive(deployment.status);

  // Load the steps when opened, and again once it has ended (the live ones may have missed some).
  useEffect(() => {
    if (!expanded) return;
    const controller = new AbortController();
    deployApi
      .deployment(deployment.id, controller.signal)
      .then(({ deployment: d }) => setStored(d.events ?? []))
      .catch((e: unknown) => {
        if (!controller.signal.aborted) setError(describeError(e));
      });
    return () => controller.abort();
  }, [expanded, deployment.id, deployment.status]);

  const events = mergeEvents(stored ?? [], liveEvents);
  const started = deployment.startedAt ?? deployment.createdAt;
  const took = deployment.finishedAt ? duration(Date.parse(deployment.finishedAt) - Date.parse(started)) : null;
  return (
    <li className="dep-item" data-testid="deployment" data-status={deployment.status}>
      <div className="dep-item-head">
        <span className={`dep-badge dep-${deployment.status}`}>{DEPLOYMENT_STATUS_LABEL[deployment.status]}</span>
        <span className="dep-item-title">
          {TRIGGER_LABEL[deployment.trigger]} of <span className="mono">#{deployment.commitNumber ?? '?'}</span>
        </span>
        <span className="spacer" />
        {active && canDeploy ? (
          <button type="button" className="btn btn-sm btn-danger" disabled={cancelling} onClick={() => onCancel(deployment)}>
            {cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        ) : null}
      </div>
      <div className="dep-item-meta faint">
        {deployment.createdBy?.email ?? 'Containr'} · <time suppressHydrationWarning title={new Date(deployment.createdAt).toLocaleString()}>{dateTime(deployment.createdAt)}</time>
        {took ? ` · took ${took}` : ''}
      </div>
      {deployment.reason && deployment.status !== 'succeeded' ? <p className="dep-item-reason">{deployment.reason}</p> : null}
      <details className="dep-item-steps" open={open} onToggle={(e) => setExpanded(e.currentTarget.open)}>
        <summary>Steps</summary>
        {error ? <p className="field-error">{error}</p> : stored === null ? <p className="faint dep-events-empty">Loading…</p> : <EventList events={events} active={active} empty="No steps were needed." />}
      </details>
    </li>
  );
}
