// Deploying, put together: commits (what the API calls), the reconciler (what
// makes it so), the router (public URLs) and the relay of status and
// deployment events to /live. Created with the other services; app.ts
// attaches what only exists once the server does (the live documents, /live,
// the listening port) and starts it.
import type { Db } from '../../db/client';
import type { Audit } from '../audit/service';
import type { Clock } from '../clock';
import type { Env } from '../env';
import type { Live } from '../live';
import type { Logger } from '../logger';
import type { Projects } from '../projects/service';
import { createRouter } from '../router';
import type { Secrets } from '../secrets/service';
import type { Quotas } from '../teams/quotas';
import { createBuilds } from '../builds/service';
import { createBuildStore } from '../builds/store';
import { createCommits } from './commits';
import { liveSpecReader, storedSpecReader, type LiveDocuments, type SpecReader } from './documents';
import type { HubPort } from './ports';
import { createReconciler, type ReconcilerOptions } from './reconciler';
import { createDeployStore } from './store';
import { systemTimers, type Timers } from './timers';

export { checkSpec, type Commits } from './commits';
export { plan, type Step } from './plan';
export { buildDesired, type DesiredEnvironment } from './desired';
export { DEFAULT_RECONCILER_OPTIONS, type Reconciler, type ReconcilerOptions, type EnvironmentStatus } from './reconciler';

export function createDeploy(deps: {
  db: Db;
  env: Env;
  clock: Clock;
  audit: Audit;
  projects: Projects;
  secrets: Secrets;
  hub: HubPort;
  logger: Logger;
  quotas?: Pick<Quotas, 'checkCommit'>;
  timers?: Timers;
}) {
  const { db, env, hub } = deps;
  const logger = deps.logger.child({ module: 'deploy' });
  let readSpec: SpecReader = storedSpecReader(db, deps.clock);
  let documents: LiveDocuments | null = null;
  let publicPort = () => env.port;
  let reconcilerOptions: Partial<ReconcilerOptions> = {};

  const store = createDeployStore(db, deps.clock);
  const timers = deps.timers ?? systemTimers;
  const builds = createBuilds({
    store: createBuildStore(db, deps.clock),
    deployStore: store,
    hub,
    clock: deps.clock,
    timers,
    logger,
    secretValues: (environmentId) => deps.secrets.values(environmentId),
    options: () => env.builds,
  });
  const router = createRouter({
    nodes: () => hub.nodes(),
    logger: logger.child({ component: 'router' }),
    options: { domain: env.routerDomain, publicPort: () => publicPort() },
  });
  const reconciler = createReconciler({
    db,
    store,
    secrets: deps.secrets,
    hub,
    router,
    timers,
    logger,
    builds,
    audit: deps.audit,
    hashKey: deps.secrets.deriveKey('spec-hash'),
    options: () => ({ resyncMs: env.reconcile.resyncMs, startupGraceMs: env.reconcile.startupGraceMs, ...reconcilerOptions }),
  });
  const commits = createCommits({
    store,
    projects: deps.projects,
    secrets: deps.secrets,
    audit: deps.audit,
    readSpec: (environmentId) => readSpec(environmentId),
    checkQuota: (teamId, environmentId, spec) =>
      deps.quotas?.checkCommit(teamId, spec, store.latestSpecsOfTeam(teamId, environmentId)) ?? [],
    onChange(change) {
      if (change.type === 'cancelled') reconciler.cancelled(change.environmentId, change.deploymentId);
      else reconciler.deployed(change.environmentId, change.deploymentId);
    },
  });

  return {
    commits,
    reconciler,
    router,
    store,
    builds,

    /** What exists only once the server does; call before `start`. */
    attach(parts: { documents?: LiveDocuments; live?: Live; publicPort?: () => number; options?: Partial<ReconcilerOptions> }) {
      if (parts.documents) {
        readSpec = liveSpecReader(parts.documents);
        documents = parts.documents;
      }
      if (parts.publicPort) publicPort = parts.publicPort;
      if (parts.options) reconcilerOptions = { ...reconcilerOptions, ...parts.options };
      const live = parts.live;
      if (live) {
        reconciler.on('status', (environmentId, statuses) => live.publish(environmentId, 'status', { environmentId, services: statuses }));
        reconciler.on('deployment', (message) => live.publish(message.environmentId, 'deployment', message));
        // Build log lines and build steps: `deployment` events of the deployment that asked for the build.
        builds.on('deployment', (message) => live.publish(message.environmentId, 'deployment', message));
        live.onSubscribe((environmentId, socket) => {
          const status = reconciler.status(environmentId);
          if (!status) return;
          const services = status.services.map(({ serviceId, name, state, replicas, url, nodes }) => ({ serviceId, name, state, replicas, url, nodes }));
          socket.emit('status', { environmentId, services });
        });
      }
    },

    /** The live canvas documents (webhooks stage a pushed commit in them); attached by app.ts. */
    documents(): LiveDocuments {
      if (!documents) throw new Error('deploy: the live documents are not attached yet');
      return documents;
    },

    /** Removes an environment's containers, network and volumes, cancelling a deployment in progress; call before deleting it. */
    teardown: (environmentId: string) => reconciler.teardown(environmentId),
    start: () => reconciler.start(),
    async close(): Promise<void> {
      await reconciler.close();
      await builds.close();
      router.close();
    },
  };
}

export type Deploy = ReturnType<typeof createDeploy>;
