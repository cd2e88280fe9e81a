/**
 * The service panel's Deployments tab: the environment's deployments, newest first, each with
 * this service's steps (the deploy components' EventList) and a link into the Logs tab
 * filtered to that deployment. The newest one's steps stream in through the canvas's
 * deploy controller; a deployment starting or ending reloads the list. A git-sourced service's
 * deployments also show their build, with its whole stored log a click away (service-builds).
 */
import { Link, useParams } from '@remix-run/react';
import { useEffect, useState } from 'react';
import { useCanvas } from '../canvas/context';
import { deployApi, describeError, isActive, type Deployment } from '../deploy/api';
import { useControllerValue, useDeploy } from '../deploy/context';
import { EventList } from '../deploy/event-list';
import { DEPLOYMENT_STATUS_LABEL, dateTime, duration, TRIGGER_LABEL } from '../deploy/format';
import { HistoryIcon, RocketIcon } from '../deploy/icons';
import type { DeploymentsState } from '../deploy/stores';
import { useServiceDeploymentEvents } from './deployment-events';
import { BuildLine, BuildLogDialog, useServiceBuilds, type BuildSummary } from './service-builds';
import { LogsIcon } from './telemetry-icons';

const NONE: DeploymentsState = { latest: null, events: [], loaded: false };
const LIST_LIMIT = 20;

type Load = { state: 'loading' } | { state: 'ready'; deployments: Deployment[] } | { state: 'error'; message: string };

export function DeploymentsTab({ serviceId, onShowLogs }: { serviceId: string; onShowLogs: (deploymentId: string) => void }) {
  const controller = useDeploy();
  const environmentId = controller?.environmentId ?? '';
  const { projectId } = useParams();
  const { latest, events } = useControllerValue((c) => c.deployments, NONE);
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [logOf, setLogOf] = useState<BuildSummary | null>(null);

  // Reload when the newest deployment changes or ends; steps of the open ones load by themselves.
  const latestKey = latest ? `${latest.id}:${isActive(latest.status) ? 'active' : latest.status}` : '';
  useEffect(() => {
    if (!environmentId) return;
    let live = true;
    deployApi
      .deployments(environmentId, LIST_LIMIT)
      .then(({ deployments }) => live && setLoad({ state: 'ready', deployments }))
      .catch((error: unknown) => live && setLoad({ state: 'error', message: describeError(error) }));
    return () => {
      live = false;
    };
  }, [environmentId, latestKey]);
  // A build of this service starting or ending (not its output lines) reloads its line too.
  const buildSteps = events.filter((e) => e.serviceId === serviceId && e.type.startsWith('build.') && e.type !== 'build.log').length;
  const builds = useServiceBuilds(environmentId, serviceId, `${latestKey}:${buildSteps}`);

  if (load.state === 'loading') return <p className="faint dp-pad">Loading deployments…</p>;
  if (load.state === 'error')
    return (
      <div className="dp-pad">
        <div className="alert" role="alert">
          {load.message}
        </div>
      </div>
    );
  if (load.deployments.length === 0)
    return (
      <div className="empty" data-testid="deployments-empty">
        <span className="empty-icon" aria-hidden>
          <RocketIcon size={20} />
        </span>
        <strong>Not deployed yet</strong>
        <p className="muted">Each deploy of this environment is listed here with this service’s steps and logs.</p>
      </div>
    );

  return (
    <div className="dp-tab" data-testid="deployments-tab">
      <ol className="dep-list dp-list">
        {load.deployments.map((d, i) => {
          // The controller's copy of the newest deployment is the live one.
          const shown = latest?.id === d.id ? { ...d, ...latest } : d;
          return (
            <ServiceDeployment
              key={d.id}
              deployment={shown}
              serviceId={serviceId}
              open={i === 0}
              onShowLogs={onShowLogs}
              build={builds?.get(d.id) ?? null}
              onOpenBuildLog={setLogOf}
            />
          );
        })}
      </ol>
      <p className="dp-foot faint">
        Every deployment records each service’s steps. Commits, diffs and rollbacks are on the{' '}
        <Link to={`/projects/${projectId}/deployments?env=${environmentId}`}>
          <HistoryIcon size={12} /> history page
        </Link>
        .
      </p>
      {logOf ? <BuildLogDialog build={logOf} onClose={() => setLogOf(null)} /> : null}
    </div>
  );
}

function ServiceDeployment({
  deployment,
  serviceId,
  open,
  onShowLogs,
  build,
  onOpenBuildLog,
}: {
  deployment: Deployment;
  serviceId: string;
  open: boolean;
  onShowLogs: (deploymentId: string) => void;
  build: BuildSummary | null;
  onOpenBuildLog: (build: BuildSummary) => void;
}) {
  const { readOnly } = useCanvas();
  const [expanded, setExpanded] = useState(open);
  const active = isActive(deployment.status);
  const { events, mine, error } = useServiceDeploymentEvents(deployment.id, serviceId, expanded, deployment.status);
  const started = deployment.startedAt ?? deployment.createdAt;
  const took = deployment.finishedAt ? duration(Date.parse(deployment.finishedAt) - Date.parse(started)) : null;
  return (
    <li className="dep-item" data-testid="service-deployment" data-status={deployment.status}>
      <div className="dep-item-head">
        <span className={`dep-badge dep-${deployment.status}`}>{DEPLOYMENT_STATUS_LABEL[deployment.status]}</span>
        <span className="dep-item-title">
          {TRIGGER_LABEL[deployment.trigger]} of <span className="mono">#{deployment.commitNumber ?? '?'}</span>
        </span>
        <span className="spacer" />
        <button type="button" className="btn btn-sm" onClick={() => onShowLogs(deployment.id)} data-testid="deployment-logs">
          <LogsIcon size={13} />
          Logs
        </button>
      </div>
      <div className="dep-item-meta faint">
        {deployment.createdBy?.email ?? 'Containr'} ·{' '}
        <time suppressHydrationWarning title={new Date(deployment.createdAt).toLocaleString()}>
          {dateTime(deployment.createdAt)}
        </time>
        {took ? ` · took ${took}` : ''}
      </div>
      {build ? <BuildLine build={build} onOpenLog={() => onOpenBuildLog(build)} /> : null}
      {deployment.reason && deployment.status !== 'succeeded' ? <p className="dep-item-reason">{deployment.reason}</p> : null}
      <details className="dep-item-steps" open={open} onToggle={(e) => setExpanded(e.currentTarget.open)}>
        <summary>Steps</summary>
        {error ? (
          <p className="field-error">{error}</p>
        ) : events === null ? (
          <p className="faint dep-events-empty">Loading…</p>
        ) : (
          <EventList
            events={events}
            active={active}
            empty="No steps."
            onCancelBuild={readOnly ? undefined : async (buildId) => void (await deployApi.cancelBuild(buildId))}
          />
        )}
        {events !== null && !mine ? <p className="faint dp-note">This deployment had nothing to do for this service.</p> : null}
      </details>
    </li>
  );
}
