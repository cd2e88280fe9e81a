/**
 * The canvas's latest deployment: a pill at the bottom left with its status, opening a
 * compact drawer (upwards) with its steps as they stream in, a Cancel button while it
 * runs, and a link to the environment's full history.
 */
import { Link, useParams } from '@remix-run/react';
import { useEffect, useRef, useState } from 'react';
import { useCanvas } from '../canvas/context';
import { timeAgo } from '../ui';
import { deployApi, isActive, type Deployment } from './api';
import { useControllerValue, useDeploy } from './context';
import { EventList } from './event-list';
import { DEPLOYMENT_STATUS_LABEL, duration, TRIGGER_LABEL } from './format';
import { CrossIcon, HistoryIcon } from './icons';
import type { DeploymentsState } from './stores';

const NONE: DeploymentsState = { latest: null, events: [], loaded: false };

function pillText(d: Deployment): string {
  const n = d.commitNumber === null ? '' : ` #${d.commitNumber}`;
  switch (d.status) {
    case 'queued':
      return `Deploy${n} queued`;
    case 'running':
      return `Deploying${n}…`;
    case 'succeeded':
      return `Deployed${n}`;
    case 'failed':
      return `Deploy${n} failed`;
    case 'cancelled':
      return `Deploy${n} cancelled`;
  }
}

/** Re-renders every `ms` while `on`, for "2 min ago" and running durations. */
function useTick(on: boolean, ms: number): void {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!on) return;
    const timer = setInterval(() => setTick((t) => t + 1), ms);
    return () => clearInterval(timer);
  }, [on, ms]);
}

/** Beside the zoom controls, where nothing else floats whatever panels are open. */
export function DeploymentDock() {
  return (
    <div className="canvas-hud dep-dock">
      <DeploymentPill />
    </div>
  );
}

function DeploymentPill() {
  const controller = useDeploy();
  const { latest } = useControllerValue((c) => c.deployments, NONE);
  const open = useControllerValue((c) => c.drawerOpen, false);
  const ref = useRef<HTMLDivElement>(null);
  useTick(latest !== null, 30_000);

  useEffect(() => {
    if (!open || !controller) return;
    const onPointerDown = (e: PointerEvent) => {
      // Clicks on the canvas close it; the Deploy button's own popover may stay open beside it.
      if (ref.current && !ref.current.contains(e.target as Node) && (e.target as Element).closest?.('.react-flow__pane')) {
        controller.drawerAuto = false;
        controller.drawerOpen.set(false);
      }
    };
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [open, controller]);

  // Opened by a commit: once it succeeded, get out of the way (a failure stays to be read).
  const succeeded = latest?.status === 'succeeded';
  useEffect(() => {
    if (!open || !succeeded || !controller?.drawerAuto) return;
    const timer = setTimeout(() => {
      if (controller.drawerAuto) controller.drawerOpen.set(false);
    }, 4000);
    return () => clearTimeout(timer);
  }, [open, succeeded, controller]);

  if (!controller || !latest) return null;
  const active = isActive(latest.status);
  return (
    <div className="dep-menu" ref={ref} onPointerDown={() => (controller.drawerAuto = false)}>
      <button
        type="button"
        className={`dep-pill is-${latest.status}`}
        data-testid="deployment-pill"
        data-status={latest.status}
        aria-expanded={open}
        title={latest.reason ?? DEPLOYMENT_STATUS_LABEL[latest.status]}
        onClick={() => {
          controller.drawerAuto = false;
          controller.drawerOpen.set(!open);
        }}
      >
        {active ? <span className="deploy-spinner" aria-hidden /> : <span className={`dep-dot dep-${latest.status}`} aria-hidden />}
        {pillText(latest)}
        {!active ? <span className="faint">· {timeAgo(latest.finishedAt ?? latest.createdAt)}</span> : null}
      </button>
      {open ? <DeploymentDrawer onClose={() => controller.drawerOpen.set(false)} /> : null}
    </div>
  );
}

function DeploymentDrawer({ onClose }: { onClose: () => void }) {
  const controller = useDeploy();
  const { readOnly } = useCanvas();
  const { projectId } = useParams();
  const { latest, events } = useControllerValue((c) => c.deployments, NONE);
  const [cancelling, setCancelling] = useState(false);
  const active = latest ? isActive(latest.status) : false;
  useTick(active, 1000);
  if (!controller || !latest) return null;

  const started = latest.startedAt ?? latest.createdAt;
  const took = latest.finishedAt ? Date.parse(latest.finishedAt) - Date.parse(started) : Date.now() - Date.parse(started);
  const cancel = async () => {
    setCancelling(true);
    await controller.cancel(latest.id);
    setCancelling(false);
  };

  return (
    <section className="dep-drawer" role="dialog" aria-label="Latest deployment" data-testid="deployment-drawer">
      <header className="dep-drawer-head">
        <div className="dep-drawer-title">
          <h3>
            {TRIGGER_LABEL[latest.trigger]} of commit #{latest.commitNumber ?? '?'}
          </h3>
          <span className="faint">
            {latest.createdBy ? `${latest.createdBy.email} · ` : ''}
            {timeAgo(latest.createdAt)}
          </span>
        </div>
        <span className={`dep-badge dep-${latest.status}`} data-testid="deployment-status">
          {DEPLOYMENT_STATUS_LABEL[latest.status]}
        </span>
        <button type="button" className="btn btn-ghost btn-sm dep-close" aria-label="Close" onClick={onClose}>
          <CrossIcon size={14} />
        </button>
      </header>
      {latest.reason && latest.status !== 'succeeded' ? <p className="dep-reason">{latest.reason}</p> : null}
      <EventList
        events={events}
        active={active}
        follow
        empty={active ? 'Waiting for the first step…' : 'No steps were needed.'}
        onCancelBuild={readOnly ? undefined : async (buildId) => void (await deployApi.cancelBuild(buildId))}
      />
      <footer className="dep-drawer-foot">
        <span className="faint mono">{latest.status === 'queued' ? 'waiting' : duration(took)}</span>
        <span className="spacer" />
        {active && !readOnly ? (
          <button type="button" className="btn btn-sm btn-danger" disabled={cancelling} onClick={() => void cancel()} data-testid="deployment-cancel">
            {cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        ) : null}
        <Link className="btn btn-sm" to={`/projects/${projectId}/deployments?env=${controller.environmentId}`}>
          <HistoryIcon size={14} />
          History
        </Link>
      </footer>
    </section>
  );
}
