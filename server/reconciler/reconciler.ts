// The reconcile loop, level-triggered: for one environment at a time (a
// serialized queue per environment), read the desired state and the agents'
// inventories afresh, plan, execute the steps, and repeat until the plan is
// empty. Failed steps are retried with backoff; a deployment ends succeeded,
// failed (with the reason) or cancelled. A periodic resync corrects drift.
import { EventEmitter } from 'node:events';
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { environments, projects, type DeploymentStatus } from '../../db/schema';
import { isRunnable } from '../../sync';
import { LABELS } from '../../sync/events';
import type { Audit } from '../audit/service';
import type { Builds } from '../builds/service';
import type { Logger } from '../logger';
import type { Router } from '../router';
import type { Route } from '../router/table';
import type { Secrets } from '../secrets/service';
import { eventView, type EventView } from './commits';
import { buildDesired, networkName, volumeName, type DesiredEnvironment, type DesiredService } from './desired';
import { describe, execute, StepError, type Expectation, type StepContext } from './execute';
import { KeyedQueue } from './keyed-queue';
import { plan, type Step } from './plan';
import { newId } from '../ids';
import type { HubPort } from './ports';
import { serviceStatuses, type Activity, type ServiceStatusView } from './status';
import { ACTIVE, type Deployment, type DeployStore } from './store';
import type { Timers } from './timers';

export type ReconcilerOptions = {
  /** Every environment is reconciled at least this often (drift correction). */
  resyncMs: number;
  /** After a start, how long to wait for agents to reconnect before the first passes (skipped once every known node is ready). */
  startupGraceMs: number;
  /** Failed batches in a row before a deployment fails. */
  maxAttempts: number;
  /** First retry delay; doubles per attempt up to `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
  /** While waiting (a container becoming healthy), how often to look again without an inventory event. */
  waitPollMs: number;
  /** A deployment that has only waited for this long fails. */
  waitTimeoutMs: number;
  /** How long to wait for inventories to show what a batch of steps did. */
  settleTimeoutMs: number;
  stopTimeoutS: number;
  /** How long in-flight requests get to finish on a container before it is stopped. */
  drainTimeoutMs: number;
  /** Containers started at once within a pass (other steps are not limited). */
  concurrency: number;
};

export const DEFAULT_RECONCILER_OPTIONS: ReconcilerOptions = {
  resyncMs: 30_000,
  startupGraceMs: 5_000,
  maxAttempts: 4,
  backoffMs: 1_000,
  maxBackoffMs: 15_000,
  waitPollMs: 1_000,
  waitTimeoutMs: 5 * 60_000,
  settleTimeoutMs: 10_000,
  stopTimeoutS: 10,
  drainTimeoutMs: 10_000,
  concurrency: 8,
};

/** What the /live namespace relays to an environment's room as `deployment`. */
export type DeploymentMessage = {
  environmentId: string;
  deploymentId: string | null;
  status?: DeploymentStatus;
  reason?: string | null;
  event?: EventView;
};

export type EnvironmentStatus = {
  environmentId: string;
  commit: { id: string; number: number } | null;
  deployment: { id: string; status: DeploymentStatus; reason: string | null } | null;
  services: ServiceStatusView[];
};

type Loaded = {
  desired: DesiredEnvironment;
  deployment: Deployment | undefined;
  commitNumber: number | null;
};

/** `building`: waiting on the deployment's image builds (a newer deployment then supersedes it at once). */
type Pass = { environmentId: string; deploymentId: string | null; controller: AbortController; building?: boolean };

/** What the reconciler needs from server/builds: images of git-sourced services, built before a deployment is planned. */
export type BuildsPort = Pick<Builds, 'prepare' | 'pending' | 'images' | 'buildFailed'>;

/** Why a teardown cancels the deployments in progress. */
const ENVIRONMENT_DELETED = 'the environment was deleted';

export type ReconcilerDeps = {
  db: Db;
  store: DeployStore;
  secrets: Secrets;
  hub: HubPort;
  router: Router;
  timers: Timers;
  logger: Logger;
  hashKey: Buffer;
  /** Read when the reconciler starts, so options attached after creation apply. */
  options?: Partial<ReconcilerOptions> | (() => Partial<ReconcilerOptions>);
  builds?: BuildsPort;
  /** Records the deployments a teardown cancels (the audit log outlives the environment). */
  audit?: Pick<Audit, 'record'>;
};

export function createReconciler(deps: ReconcilerDeps) {
  const { db, store, secrets, hub, router, timers, hashKey } = deps;
  const logger = deps.logger.child({ component: 'reconciler' });
  const given = () => (typeof deps.options === 'function' ? deps.options() : deps.options);
  let options: ReconcilerOptions = { ...DEFAULT_RECONCILER_OPTIONS, ...given() };
  const emitter = new EventEmitter<{ status: [string, ServiceStatusView[]]; deployment: [DeploymentMessage] }>();
  const queue = new KeyedQueue();
  const passes = new Map<string, Pass>();
  const activity = new Map<string, Activity>();
  const lastStatus = new Map<string, string>();
  const tornDown = new Set<string>();
  const inventoryWaiters = new Set<() => void>();
  const environmentsOnNode = new Map<string, Set<string>>();
  const unsubscribe: (() => void)[] = [];
  let started = false;
  let closed = false;
  let markStarted: () => void = () => {};
  const startedOnce = new Promise<void>((resolve) => (markStarted = resolve));

  // ── reading state ────────────────────────────────────────────────────────

  function load(environmentId: string): Loaded | null {
    const environment = db.select().from(environments).where(eq(environments.id, environmentId)).get();
    if (!environment) return null;
    const project = db.select().from(projects).where(eq(projects.id, environment.projectId)).get();
    if (!project) return null;
    // A deployment whose build failed never ran: the environment stays on the one before it.
    const deployment = store.desiredDeployment(environmentId, deps.builds?.buildFailed(environmentId));
    const commit = deployment ? store.getCommit(deployment.commitId) : undefined;
    let values: Record<string, string> = {};
    if (commit && Object.values(commit.spec.services).some((n) => isRunnable(n) && n.secretNames.length > 0)) {
      try {
        values = secrets.values(environmentId);
      } catch (error) {
        // Services that need a secret then fail with "missing secret"; the cause is logged once per pass.
        logger.error({ err: error, environmentId }, 'cannot decrypt the environment secrets');
      }
    }
    const desired = buildDesired({
      environment,
      project,
      commit: commit ? { id: commit.id, spec: commit.spec } : null,
      deploymentId: deployment?.id ?? null,
      secrets: values,
      hashKey,
      imageOverrides: environment.imageOverrides,
      builtImages: deployment && deps.builds ? deps.builds.images(deployment.id) : undefined,
    });
    return { desired, deployment, commitNumber: commit?.number ?? null };
  }

  function routesOf(desired: DesiredEnvironment): Route[] {
    return desired.services
      .filter((s) => s.publicPort !== null && s.replicas > 0)
      .map((s) => ({
        environmentId: desired.environmentId,
        environmentName: desired.environmentName,
        projectSlug: desired.projectSlug,
        serviceId: s.serviceId,
        serviceName: s.name,
        port: s.publicPort!,
      }));
  }

  function urlOf(desired: DesiredEnvironment) {
    return (service: DesiredService) =>
      service.publicPort === null
        ? null
        : router.urlOf({ serviceName: service.name, environmentName: desired.environmentName, projectSlug: desired.projectSlug });
  }

  function activityOf(environmentId: string, deployment: Deployment | undefined): Activity {
    const current = activity.get(environmentId);
    if (current) return current;
    // A deployment no pass has picked up yet (another one is finishing first).
    return { deployment: deployment?.status === 'queued' ? 'queued' : null, busy: new Set() };
  }

  function statusOf(loaded: Loaded): EnvironmentStatus {
    const { desired, deployment } = loaded;
    return {
      environmentId: desired.environmentId,
      commit: desired.commitId ? { id: desired.commitId, number: loaded.commitNumber ?? 0 } : null,
      deployment: deployment ? { id: deployment.id, status: deployment.status, reason: deployment.reason } : null,
      services: serviceStatuses(desired, hub.nodes(), activityOf(desired.environmentId, deployment), urlOf(desired)),
    };
  }

  function publishStatus(environmentId: string, loaded?: Loaded | null): void {
    const state = loaded ?? load(environmentId);
    if (!state) return;
    const services = serviceStatuses(state.desired, hub.nodes(), activityOf(environmentId, state.deployment), urlOf(state.desired));
    // Only the ServiceStatus contract goes to /live; compare on it so container churn alone is not news.
    const contract = services.map(({ serviceId, name, state: s, replicas, url, nodes }) => ({ serviceId, name, state: s, replicas, url, nodes }));
    const text = JSON.stringify(contract);
    if (lastStatus.get(environmentId) === text) return;
    lastStatus.set(environmentId, text);
    emitter.emit('status', environmentId, contract as ServiceStatusView[]);
  }

  // ── recording ────────────────────────────────────────────────────────────

  function record(environmentId: string, deploymentId: string | null, event: { serviceId?: string | null; type: string; message: string; details?: Record<string, unknown> }) {
    const row = store.addEvent({ environmentId, deploymentId, ...event });
    emitter.emit('deployment', { environmentId, deploymentId, event: eventView(row) });
  }

  /** False when the deployment had ended already. */
  function finish(deployment: Deployment, status: 'succeeded' | 'failed' | 'cancelled', reason: string | null): boolean {
    if (!store.finish(deployment.id, status, reason)) return false;
    const message = status === 'succeeded' ? 'deployment succeeded' : `deployment ${status}${reason ? `: ${reason}` : ''}`;
    record(deployment.environmentId, deployment.id, { type: 'status', message, details: { status, reason } });
    emitter.emit('deployment', { environmentId: deployment.environmentId, deploymentId: deployment.id, status, reason });
    return true;
  }

  // ── waiting on the agents ────────────────────────────────────────────────

  function nextInventory(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const stop = new AbortController();
      const done = () => {
        inventoryWaiters.delete(done);
        stop.abort();
        resolve();
      };
      inventoryWaiters.add(done);
      signal.addEventListener('abort', done, { once: true });
      void timers.sleep(ms, stop.signal).then(done);
    });
  }

  async function settle(expectations: Expectation[], signal: AbortSignal): Promise<void> {
    const satisfied = () => {
      const nodes = new Map(hub.nodes().map((n) => [n.id, n]));
      return expectations.every((e) => {
        const node = nodes.get(e.nodeId);
        if (!node || node.status !== 'ready') return true; // a lost node's inventory will not move
        return node.containers.some((c) => c.name === e.name) === e.present;
      });
    };
    const deadline = timers.now() + options.settleTimeoutMs;
    while (!satisfied() && !signal.aborted && timers.now() < deadline) {
      await nextInventory(Math.min(options.waitPollMs, deadline - timers.now()), signal);
    }
  }

  async function runSteps(steps: Step[], ctx: StepContext, onDone: (step: Step, error: unknown) => void): Promise<Expectation[]> {
    const expectations: Expectation[] = [];
    const one = async (step: Step) => {
      try {
        const expectation = await execute(step, ctx);
        if (expectation) expectations.push(expectation);
        onDone(step, null);
      } catch (error) {
        onDone(step, error);
      }
    };
    // Starting containers loads the engine, so a few at a time; removals mostly
    // wait out stop timeouts, so all at once.
    const starts = steps.filter((s) => s.kind === 'run');
    let next = 0;
    const worker = async () => {
      while (next < starts.length) await one(starts[next++]);
    };
    await Promise.all([
      ...steps.filter((s) => s.kind !== 'run').map(one),
      ...Array.from({ length: Math.min(options.concurrency, starts.length) }, worker),
    ]);
    return expectations;
  }

  // ── one pass ─────────────────────────────────────────────────────────────

  async function pass(environmentId: string): Promise<void> {
    if (closed || tornDown.has(environmentId)) return;
    const current: Pass = { environmentId, deploymentId: null, controller: new AbortController() };
    const { signal } = current.controller;
    passes.set(environmentId, current);
    const networks = new Map<string, Promise<void>>();
    let attempt = 0;
    let waitingSince: number | null = null;
    let lastWaits = '';
    try {
      while (!signal.aborted && !closed) {
        const loaded = load(environmentId);
        if (!loaded) return;
        const { desired } = loaded;
        let deployment = loaded.deployment;
        router.table.setEnvironment(environmentId, routesOf(desired));

        if (deployment?.status === 'queued') {
          for (const older of store.activeExcept(environmentId, deployment.id)) finish(older, 'cancelled', 'superseded by a newer deployment');
          store.markRunning(deployment.id);
          deployment = { ...deployment, status: 'running' };
          record(environmentId, deployment.id, { type: 'status', message: 'deployment started', details: { status: 'running' } });
          emitter.emit('deployment', { environmentId, deploymentId: deployment.id, status: 'running' });
          attempt = 0;
          waitingSince = null;
        }
        const active = deployment && ACTIVE.includes(deployment.status) ? deployment : undefined;
        const deploymentId = active?.id ?? null;
        current.deploymentId = deploymentId;
        if (active && deps.builds) {
          const built = await buildImages(active, desired, current);
          if (built === 'stop') return;
          if (built === 'built') continue;
        }

        const steps = plan({ desired, nodes: hub.nodes(), routes: router.table.pins(environmentId), now: timers.now() });
        activity.set(environmentId, { deployment: active ? 'running' : null, busy: new Set(steps.map((s) => s.serviceId ?? '')) });
        publishStatus(environmentId, loaded);
        if (steps.length === 0) {
          if (active) finish(active, 'succeeded', null);
          return;
        }

        const name = (id: string | null) => desired.services.find((s) => s.serviceId === id)?.name ?? id ?? 'container';
        const actionable = steps.filter((s) => s.kind !== 'wait');
        if (actionable.length === 0) {
          const reasons = steps.map((s) => describe(s, name)).join('; ');
          if (reasons !== lastWaits) {
            record(environmentId, deploymentId, { type: 'wait', message: reasons });
            lastWaits = reasons;
          }
          waitingSince ??= timers.now();
          if (timers.now() - waitingSince > options.waitTimeoutMs) {
            const reason = `timed out: ${reasons}`;
            if (active) finish(active, 'failed', reason);
            else logger.warn({ environmentId, reason }, 'reconcile pass gave up waiting');
            return;
          }
          await nextInventory(options.waitPollMs, signal);
          continue;
        }
        waitingSince = null;
        lastWaits = '';
        // Cancelled after this iteration read it (before `cancelled()` could abort us): read again.
        if (active && store.getDeployment(active.id)?.status === 'cancelled') continue;

        const failures: string[] = [];
        const ctx: StepContext = {
          hub,
          desired,
          routes: {
            pin: (env, service, hash) => router.table.pin(env, service, hash),
            drain: (containerId) => router.table.drain(containerId, options.drainTimeoutMs, timers.now()),
          },
          progress: (step, message) => record(environmentId, deploymentId, { serviceId: step.serviceId, type: 'progress', message }),
          networks,
          stopTimeoutS: options.stopTimeoutS,
        };
        for (const step of actionable) {
          if (step.kind !== 'fail') record(environmentId, deploymentId, { serviceId: step.serviceId, type: 'step.started', message: describe(step, name), details: stepDetails(step) });
        }
        const expectations = await runSteps(actionable, ctx, (step, error) => {
          if (error === null) {
            record(environmentId, deploymentId, { serviceId: step.serviceId, type: 'step.succeeded', message: describe(step, name), details: stepDetails(step) });
            return;
          }
          const message = error instanceof Error ? error.message : String(error);
          if (!(error instanceof StepError)) logger.error({ err: error, environmentId, step: step.kind }, 'step failed unexpectedly');
          failures.push(`${describe(step, name)}: ${step.kind === 'fail' ? 'cannot proceed' : message}`);
          record(environmentId, deploymentId, { serviceId: step.serviceId, type: 'step.failed', message: `${describe(step, name)} failed: ${message}`, details: stepDetails(step) });
        });
        router.table.prune();
        if (signal.aborted) return;
        await settle(expectations, signal);

        if (failures.length === 0) {
          attempt = 0;
          continue;
        }
        attempt++;
        if (attempt >= options.maxAttempts) {
          const reason = failures.join('; ');
          if (active) finish(active, 'failed', reason);
          else logger.warn({ environmentId, reason }, 'reconcile pass failed; the next resync tries again');
          return;
        }
        const delay = Math.min(options.backoffMs * 2 ** (attempt - 1), options.maxBackoffMs);
        record(environmentId, deploymentId, { type: 'retry', message: `retrying in ${Math.round(delay / 100) / 10} s (attempt ${attempt + 1} of ${options.maxAttempts})` });
        await timers.sleep(delay, signal);
      }
    } catch (error) {
      logger.error({ err: error, environmentId }, 'reconcile pass failed');
      const deployment = current.deploymentId ? store.getDeployment(current.deploymentId) : undefined;
      if (deployment) finish(deployment, 'failed', `internal error: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      passes.delete(environmentId);
      activity.delete(environmentId);
      publishStatus(environmentId);
    }
  }

  /**
   * Builds the images of the deployment's git-sourced services before anything
   * is planned, so a failed build stops nothing that runs. 'built': plan again
   * with the images; 'stop': the deployment failed, or the pass was aborted.
   */
  async function buildImages(active: Deployment, desired: DesiredEnvironment, current: Pass): Promise<'none' | 'built' | 'stop'> {
    const builds = deps.builds!;
    const commit = store.getCommit(active.commitId);
    if (!commit || builds.pending(active.id, commit.spec).length === 0) return 'none';
    const { environmentId } = desired;
    const { signal } = current.controller;
    current.building = true;
    try {
      const outcome = await builds.prepare({
        environmentId,
        project: { id: desired.projectId, slug: desired.projectSlug, teamId: desired.teamId },
        deploymentId: active.id,
        spec: commit.spec,
        signal,
        onBuilding(serviceIds) {
          activity.set(environmentId, { deployment: 'running', busy: new Set(), building: new Set(serviceIds) });
          publishStatus(environmentId);
        },
      });
      if (signal.aborted || closed) return 'stop';
      if (!outcome.ok) {
        finish(active, 'failed', outcome.reason);
        return 'stop';
      }
      return 'built';
    } finally {
      current.building = false;
    }
  }

  function request(environmentId: string): Promise<void> {
    if (closed || !started) return Promise.resolve();
    return queue.request(environmentId, () => pass(environmentId));
  }

  // ── teardown ─────────────────────────────────────────────────────────────

  /**
   * Removes an environment's containers, network and volumes, and stops reconciling it. Called
   * before the environment is deleted: a deployment in progress stops taking steps (its builds
   * are cancelled with the pass) and ends cancelled, synchronously, before the row goes.
   */
  async function teardown(environmentId: string): Promise<void> {
    tornDown.add(environmentId);
    passes.get(environmentId)?.controller.abort(ENVIRONMENT_DELETED);
    cancelDeployments(environmentId);
    const volumes = new Set<string>();
    for (const spec of store.commitSpecs(environmentId)) {
      for (const node of Object.values(spec.services)) {
        if (isRunnable(node)) node.volumes.forEach((v) => volumes.add(volumeName(environmentId, v.name)));
      }
    }
    await queue.run(environmentId, async () => {
      const empty: DesiredEnvironment = {
        environmentId,
        environmentName: '',
        projectId: '',
        projectSlug: '',
        teamId: '',
        network: networkName(environmentId),
        commitId: null,
        deploymentId: null,
        services: [],
        volumes: [],
      };
      const signal = new AbortController().signal;
      for (let attempt = 0; attempt < options.maxAttempts; attempt++) {
        const steps = plan({ desired: empty, nodes: hub.nodes(), routes: {}, now: timers.now() });
        if (steps.length === 0) break;
        const ctx: StepContext = {
          hub,
          desired: empty,
          routes: { pin: () => {}, drain: (id) => router.table.drain(id, options.drainTimeoutMs, timers.now()) },
          progress: () => {},
          networks: new Map(),
          stopTimeoutS: options.stopTimeoutS,
        };
        const errors: unknown[] = [];
        const expectations = await runSteps(steps, ctx, (_step, error) => error && errors.push(error));
        await settle(expectations, signal);
        if (errors.length) await timers.sleep(options.backoffMs, signal);
      }
      const ready = hub.nodes().filter((n) => n.status === 'ready');
      await Promise.all(
        ready.flatMap((node) => [
          hub.dispatch(node.id, { id: newId(), spec: { kind: 'remove-network', network: empty.network } }),
          ...[...volumes].map((volume) => hub.dispatch(node.id, { id: newId(), spec: { kind: 'remove-volume', volume } })),
        ]),
      ).catch((error: unknown) => logger.warn({ err: error, environmentId }, 'teardown: removing the network or volumes failed'));
      router.table.removeEnvironment(environmentId);
      lastStatus.delete(environmentId);
    });
  }

  /**
   * Ends the environment's queued and running deployments as cancelled: an event on each (open
   * canvases see it over /live) and an audit entry, which stays when the environment's
   * deployments are deleted with it.
   */
  function cancelDeployments(environmentId: string): void {
    const active = store.active(environmentId);
    if (active.length === 0) return;
    const environment = db.select().from(environments).where(eq(environments.id, environmentId)).get();
    const project = environment && db.select().from(projects).where(eq(projects.id, environment.projectId)).get();
    for (const deployment of active) {
      if (!finish(deployment, 'cancelled', ENVIRONMENT_DELETED)) continue;
      logger.info({ environmentId, deploymentId: deployment.id }, 'deployment cancelled: its environment is being deleted');
      deps.audit?.record({
        actor: null,
        action: 'deployment.cancel',
        target: { type: 'deployment', id: deployment.id },
        teamId: project?.teamId ?? null,
        projectId: environment?.projectId ?? null,
        details: { environmentId, environmentName: environment?.name ?? null, reason: ENVIRONMENT_DELETED },
      });
    }
  }

  // ── triggers ─────────────────────────────────────────────────────────────

  function knownEnvironments(): Set<string> {
    const ids = new Set(store.deployedEnvironments());
    for (const node of hub.nodes()) for (const c of node.containers) if (c.labels[LABELS.environment]) ids.add(c.labels[LABELS.environment]);
    return ids;
  }

  /**
   * Containers of a torn-down environment that a node reports later (it was lost during the
   * teardown and came back): tear down again, once at a time per environment.
   */
  const reaping = new Set<string>();
  function reap(environmentId: string): void {
    if (closed || reaping.has(environmentId)) return;
    reaping.add(environmentId);
    logger.info({ environmentId }, 'removing leftover containers of a torn-down environment');
    teardown(environmentId)
      .catch((error: unknown) => logger.error({ err: error, environmentId }, 'teardown failed'))
      .finally(() => reaping.delete(environmentId));
  }

  function resync(): void {
    if (closed || !started) return;
    for (const environmentId of knownEnvironments()) {
      if (tornDown.has(environmentId)) {
        if (hub.nodes().some((n) => n.status === 'ready' && n.containers.some((c) => c.labels[LABELS.environment] === environmentId))) {
          reap(environmentId);
        }
        continue;
      }
      const exists = db.select({ id: environments.id }).from(environments).where(eq(environments.id, environmentId)).get();
      if (exists) void request(environmentId);
      else {
        // Containers of an environment deleted without a teardown (a deleted project): remove them.
        logger.info({ environmentId }, 'tearing down containers of a deleted environment');
        void teardown(environmentId).catch((error: unknown) => logger.error({ err: error, environmentId }, 'teardown failed'));
      }
    }
  }

  function onInventory(nodeId: string): void {
    for (const wake of [...inventoryWaiters]) wake();
    const node = hub.nodes().find((n) => n.id === nodeId);
    const now = new Set((node?.containers ?? []).map((c) => c.labels[LABELS.environment]).filter(Boolean));
    const affected = new Set([...now, ...(environmentsOnNode.get(nodeId) ?? [])]);
    environmentsOnNode.set(nodeId, now);
    for (const environmentId of affected) {
      if (tornDown.has(environmentId)) {
        if (now.has(environmentId) && node?.status === 'ready') reap(environmentId);
        continue;
      }
      publishStatus(environmentId);
      // Coalesced: a running pass re-reads anyway; the one queued after it sees what changes later.
      void request(environmentId);
    }
  }

  function start(): void {
    options = { ...DEFAULT_RECONCILER_OPTIONS, ...given() };
    // Routes first, so public URLs answer as soon as the server listens.
    for (const environmentId of store.deployedEnvironments()) {
      const loaded = load(environmentId);
      if (!loaded) continue;
      router.table.setEnvironment(environmentId, routesOf(loaded.desired));
      // The pins of the last run are gone; the desired spec is what they pointed at once ready.
      for (const service of loaded.desired.services) router.table.pin(environmentId, service.serviceId, service.specHash);
    }

    // After a restart, agents need a moment to reconnect and report: planning
    // before they do would place their services again. Start once every ready
    // node has sent an inventory, or when the grace period ends.
    const grace = new AbortController();
    const reported = new Set<string>();
    const begin = () => {
      if (started || closed) return;
      started = true;
      grace.abort();
      markStarted();
      resync();
    };
    const beginIfAllReported = () => {
      const ready = hub.nodes().filter((n) => n.status === 'ready');
      if (ready.length > 0 && ready.every((n) => reported.has(n.id))) begin();
    };

    unsubscribe.push(
      hub.on('inventory', (nodeId) => {
        reported.add(nodeId);
        if (!started) beginIfAllReported();
        onInventory(nodeId);
      }),
      hub.on('node-lost', () => resync()),
      hub.on('node-ready', () => resync()),
      secrets.onChange((environmentId) => void request(environmentId)),
      timers.every(options.resyncMs, resync),
      () => grace.abort(),
    );
    if (options.startupGraceMs <= 0) return begin();
    void timers.sleep(options.startupGraceMs, grace.signal).then(begin);
  }

  return {
    start,
    teardown,
    /** Resolves once the agents had their chance to report after a start (what a teardown needs to see their containers). */
    whenStarted: () => startedOnce,
    /** Reconciles an environment soon (coalesced with a pass already waiting). */
    trigger: (environmentId: string) => request(environmentId),
    /** Stops the steps of a cancelled deployment; the next pass converges on the deployment before it. */
    cancelled(environmentId: string, deploymentId: string): void {
      // Ended by the API (commits.cancel), not by a pass: tell the room, or only the browser that asked would know.
      const ended = store.getDeployment(deploymentId);
      if (ended?.status === 'cancelled') emitter.emit('deployment', { environmentId, deploymentId, status: 'cancelled', reason: ended.reason });
      const current = passes.get(environmentId);
      if (current && current.deploymentId === deploymentId) current.controller.abort('the deployment was cancelled');
      void request(environmentId);
    },
    /** A new deployment: a pass still building an older one stops now (its builds are cancelled) rather than finish them. */
    deployed(environmentId: string, deploymentId: string): void {
      const current = passes.get(environmentId);
      if (current?.building && current.deploymentId !== deploymentId) current.controller.abort('superseded by a newer deployment');
      void request(environmentId);
    },
    status(environmentId: string): EnvironmentStatus | null {
      const loaded = load(environmentId);
      return loaded ? statusOf(loaded) : null;
    },
    on: emitter.on.bind(emitter),
    off: emitter.off.bind(emitter),
    /** Resolves when no pass is running or queued (tests and shutdown). */
    idle: () => queue.idle(),
    async close(): Promise<void> {
      closed = true;
      unsubscribe.splice(0).forEach((fn) => fn());
      for (const p of passes.values()) p.controller.abort();
      for (const wake of [...inventoryWaiters]) wake();
      await queue.idle();
    },
  };
}

export type Reconciler = ReturnType<typeof createReconciler>;

function stepDetails(step: Step): Record<string, unknown> {
  switch (step.kind) {
    case 'run':
      return { kind: step.kind, node: step.nodeId, replica: step.replica, container: step.container.name, image: step.container.image };
    case 'remove':
      return { kind: step.kind, node: step.nodeId, container: step.name, reason: step.reason };
    case 'switch-route':
      return { kind: step.kind, specHash: step.specHash };
    default:
      return { kind: step.kind };
  }
}
