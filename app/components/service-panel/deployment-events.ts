/**
 * One deployment's steps for one service: the stored events, merged with the live ones while
 * it is the environment's newest deployment. The Deployments tab lists them per deployment;
 * the Logs tab shows the chosen deployment's build and deploy steps above its lines.
 */
import { useEffect, useState } from 'react';
import { deployApi, describeError, isActive, type DeploymentEvent } from '../deploy/api';
import { useControllerValue } from '../deploy/context';
import type { DeploymentsState } from '../deploy/stores';
import { mergeEvents } from '../deploy/use-live-environment';

const NONE: DeploymentsState = { latest: null, events: [], loaded: false };

export type ServiceDeploymentEvents = {
  /** This service's events and the deployment's own (its status); null while loading. */
  events: DeploymentEvent[] | null;
  /** Whether any event is this service's (a deployment may have had nothing to do for it). */
  mine: boolean;
  /** Queued, building or deploying: its steps may still change. */
  active: boolean;
  error: string | null;
};

/** Loads when `enabled`, again when `reloadKey` changes (a status change of the deployment). */
export function useServiceDeploymentEvents(deploymentId: string | null, serviceId: string, enabled = true, reloadKey = ''): ServiceDeploymentEvents {
  const { latest, events: latestEvents } = useControllerValue((c) => c.deployments, NONE);
  const [stored, setStored] = useState<{ id: string; events: DeploymentEvent[]; active: boolean } | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!enabled || !deploymentId) return;
    const abort = new AbortController();
    setError(null);
    deployApi
      .deployment(deploymentId, abort.signal)
      .then(({ deployment }) => setStored({ id: deploymentId, events: deployment.events ?? [], active: isActive(deployment.status) }))
      .catch((e: unknown) => {
        if (!abort.signal.aborted) setError(describeError(e));
      });
    return () => abort.abort();
  }, [enabled, deploymentId, reloadKey]);

  if (!deploymentId || stored?.id !== deploymentId) return { events: null, mine: false, active: false, error };
  const newest = latest?.id === deploymentId ? latest : null;
  const events = mergeEvents(stored.events, newest ? latestEvents : undefined).filter((e) => e.serviceId === serviceId || e.serviceId === null);
  const active = newest ? isActive(newest.status) : stored.active;
  return { events, mine: events.some((e) => e.serviceId === serviceId), active, error };
}
