/** The deploy controller of the open canvas, and hooks that read one slice of it each. */
import { createContext, useCallback, useContext, useEffect, useMemo, useSyncExternalStore, type ReactNode } from 'react';
import { emptySpec, type DeployableSpec, type LogLine, type ServiceMetrics } from '../../../sync';
import { announceAlerts } from '../alerts/events';
import type { NodeAlert } from '../alerts/store';
import { useCanvas } from '../canvas/context';
import { DeployController } from './controller';
import type { ServiceStatusSnapshot } from './stores';

const DeployContext = createContext<DeployController | null>(null);

/**
 * Inside the canvas's context: connects to `/live` for the environment while mounted. With a
 * share link's token, only the services' live status is there (no commits, no deployments).
 */
export function DeployProvider({ environmentId, shareToken, children }: { environmentId: string; shareToken?: string; children: ReactNode }) {
  const { session } = useCanvas();
  const controller = useMemo(
    () => new DeployController(environmentId, session.doc, session.graph, shareToken),
    [environmentId, session, shareToken],
  );
  useEffect(() => {
    controller.start();
    // The bell in the top bar recounts when an alert of this environment changes state.
    const unlisten = controller.alerts.onChange(announceAlerts);
    return () => {
      unlisten();
      controller.destroy();
    };
  }, [controller]);
  return <DeployContext.Provider value={controller}>{children}</DeployContext.Provider>;
}

/** Null outside a canvas (a node card rendered on its own shows no deploy state). */
export function useDeploy(): DeployController | null {
  return useContext(DeployContext);
}

const noSubscribe = () => () => {};

export function useServiceStatus(serviceId: string): ServiceStatusSnapshot {
  const controller = useDeploy();
  const subscribe = useCallback(
    (listener: () => void) => (controller ? controller.status.subscribe(serviceId, listener) : noSubscribe()),
    [controller, serviceId],
  );
  const get = useCallback(() => controller?.status.get(serviceId), [controller, serviceId]);
  return useSyncExternalStore(subscribe, get, get);
}

const NO_ISSUES: string[] = [];

/** What the server said is wrong with the service at the last commit attempt. */
export function useServerIssues(serviceId: string): string[] {
  const controller = useDeploy();
  const subscribe = useCallback((listener: () => void) => (controller ? controller.issues.subscribe(listener) : noSubscribe()), [controller]);
  const get = useCallback(() => controller?.issues.get(serviceId) ?? NO_ISSUES, [controller, serviceId]);
  return useSyncExternalStore(subscribe, get, get);
}

/** The most pressing open alert of the service (or of the whole environment), from `/live`. */
export function useServiceAlert(serviceId: string): NodeAlert | null {
  const controller = useDeploy();
  const subscribe = useCallback(
    (listener: () => void) => (controller ? controller.alerts.subscribe(serviceId, listener) : noSubscribe()),
    [controller, serviceId],
  );
  const get = useCallback(() => controller?.alerts.forService(serviceId) ?? null, [controller, serviceId]);
  return useSyncExternalStore(subscribe, get, get);
}

const NO_SAMPLES: readonly ServiceMetrics[] = [];

/** The service's live metric samples of the last minutes, oldest first. */
export function useServiceSamples(serviceId: string): readonly ServiceMetrics[] {
  const controller = useDeploy();
  const subscribe = useCallback(
    (listener: () => void) => (controller ? controller.telemetry.subscribe(serviceId, listener) : noSubscribe()),
    [controller, serviceId],
  );
  const get = useCallback(() => controller?.telemetry.samples(serviceId) ?? NO_SAMPLES, [controller, serviceId]);
  return useSyncExternalStore(subscribe, get, get);
}

/** The newest log line the service printed since the canvas opened. */
export function useLastLogLine(serviceId: string): LogLine | undefined {
  const controller = useDeploy();
  const subscribe = useCallback(
    (listener: () => void) => (controller ? controller.telemetry.subscribe(serviceId, listener) : noSubscribe()),
    [controller, serviceId],
  );
  const get = useCallback(() => controller?.telemetry.lastLine(serviceId), [controller, serviceId]);
  return useSyncExternalStore(subscribe, get, get);
}

const EMPTY = emptySpec();

/** The latest commit's spec: what the staged changes are compared with. */
export function useBaselineSpec(): DeployableSpec {
  const controller = useDeploy();
  const subscribe = useCallback((listener: () => void) => (controller ? controller.baseline.subscribe(listener) : noSubscribe()), [controller]);
  const get = useCallback(() => controller?.baseline.get().spec ?? EMPTY, [controller]);
  return useSyncExternalStore(subscribe, get, get);
}

/** Reads a whole readable of the controller (small ones: busy, drawer, toasts…). */
export function useControllerValue<T>(pick: (c: DeployController) => { subscribe(l: () => void): () => void; get(): T }, fallback: T): T {
  const controller = useDeploy();
  const store = controller ? pick(controller) : null;
  const subscribe = useCallback((listener: () => void) => (store ? store.subscribe(listener) : noSubscribe()), [store]);
  const get = useCallback(() => (store ? store.get() : fallback), [store, fallback]);
  return useSyncExternalStore(subscribe, get, get);
}
