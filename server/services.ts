// Wires the domain services together. Everything is passed in, nothing is a
// module-level singleton, so tests build their own with a temp database.
import type { Db } from '../db/client';
import { createAgentHub } from './agents/hub';
import { createAlerts } from './alerts/service';
import { createAuditReader } from './audit/reader';
import { createAudit, type Actor } from './audit/service';
import { createAccount } from './auth/account';
import { createEmailTokens } from './auth/email-tokens';
import { createInstanceAdmin } from './auth/instance-admin';
import { createLucia } from './auth/lucia';
import { createAuth, type Viewer } from './auth/service';
import { LoginThrottle } from './auth/throttle';
import { createTokens } from './auth/tokens';
import { systemClock, type Clock } from './clock';
import type { Env } from './env';
import { LABELS } from '../sync/events';
import { createLogger, type Logger } from './logger';
import { createLinks } from './mail/links';
import { createMailer } from './mail/mailer';
import { createTelemetry } from './metrics/telemetry';
import { createProjects } from './projects/service';
import { createEnvironments } from './environments/service';
import { createDeploy } from './reconciler';
import { loadSecretKey } from './secrets/key';
import { createSecrets } from './secrets/service';
import { createShareLinks } from './share/service';
import { createBuildAccess } from './builds/access';
import { createForge } from './builds/forge';
import { createHooks } from './builds/hooks';
import { createWebhooks } from './builds/webhooks';
import { createInvites } from './teams/invites';
import { createProjectAccess } from './teams/project-access';
import { createQuotas } from './teams/quotas';
import { createTeams } from './teams/service';

export function createServices({
  db,
  env,
  clock = systemClock,
  logger = createLogger('silent', false),
}: {
  db: Db;
  env: Env;
  clock?: Clock;
  logger?: Logger;
}) {
  const audit = createAudit(db, clock);
  const teams = createTeams(db, clock, audit);
  const quotas = createQuotas(db, env.quotaDefaults, audit, clock);
  const links = createLinks(env);
  const mailer = createMailer({ env, db, logger, clock });
  const instanceAdmin = createInstanceAdmin(db, env.adminEmails);
  const tokens = createTokens(db, audit, clock);
  const lucia = createLucia(db, env.secureCookies);
  const throttle = new LoginThrottle(env.login.maxFailures, env.login.windowMs, clock);
  // At most 5 account mails of one kind to one address per hour (see account.ts).
  const mailThrottle = new LoginThrottle(5, 60 * 60 * 1000, clock);
  const account = createAccount({ db, lucia, mailer, links, audit, clock, tokens: createEmailTokens(db, clock), mailThrottle });
  const auth = createAuth({ db, lucia, throttle, tokens, teams, audit, clock, account });
  const projects = createProjects(db, audit, teams, clock, quotas, (environmentIds) => {
    for (const id of environmentIds) {
      share.closeEnvironment(id);
      deploy.teardown(id).catch((error: unknown) => logger.error({ err: error, environmentId: id }, 'teardown failed'));
    }
  }, (projectId) => alerts.createDefaults(projectId));
  const invites = createInvites({ db, audit, teams, mailer, links, logger, clock });
  const projectAccess = createProjectAccess(db, audit, projects, clock);
  const auditReader = createAuditReader({ db, audit, teams, projects });
  const secrets = createSecrets({
    db,
    audit,
    clock,
    projects,
    key: loadSecretKey({ fromEnv: env.secretKey, dataDir: env.dataDir }),
    usedBy: (environmentId, name) => deploy.commits.secretUsers(environmentId, name),
  });
  // Sockets attach in app.ts; until then the hub serves the registry and join tokens.
  // Logs and metrics from agents; app.ts attaches /live and starts its maintenance job.
  const telemetry = createTelemetry({
    db,
    env,
    clock,
    logger,
    projects,
    isInstanceAdmin: (userId) => instanceAdmin.is(userId),
    nodes: () => agents.nodes(),
  });
  const agents = createAgentHub({
    db,
    audit,
    teams,
    clock,
    isInstanceAdmin: (userId) => instanceAdmin.is(userId),
    telemetry: telemetry.sink,
  });
  // Commits, the reconciler and the router; app.ts attaches the live documents and /live, then starts it.
  // The reconciler's hub, telling alerts which container exits Containr causes (stop, remove): those are no crashes.
  const deployHub: typeof agents = {
    ...agents,
    dispatch(nodeId, task, onProgress) {
      if (task.spec.kind === 'stop' || task.spec.kind === 'remove') alerts.expectExit(nodeId, task.spec.name);
      return agents.dispatch(nodeId, task, onProgress);
    },
  };
  const deploy = createDeploy({ db, env, clock, audit, projects, secrets, quotas, hub: deployHub, logger });
  // Rules evaluated on the incoming samples, container events, deployments and node events; app.ts attaches /live and starts it.
  const alerts = createAlerts({
    db,
    env,
    clock,
    logger,
    audit,
    projects,
    sendMail: (mail) => mailer.send(mail),
    secretKey: secrets.deriveKey('alert-channel-secrets'),
    ackKey: secrets.deriveKey('alert-ack-links'),
    baseUrl: () => links.base(),
    serviceName: (environmentId, serviceId) =>
      deploy.reconciler.status(environmentId)?.services.find((s) => s.serviceId === serviceId)?.name ?? null,
    nodeContainers(nodeId) {
      const node = agents.node(nodeId);
      if (!node) return null;
      const containers = node.containers.map((c) => ({ id: c.id, name: c.name, environmentId: c.labels[LABELS.environment] ?? null }));
      return { name: node.name, containers };
    },
  });
  telemetry.metrics.onServices((environmentId, services) => alerts.onServices(environmentId, services));
  telemetry.onEvents((events) => alerts.onEvents(events));
  deploy.reconciler.on('deployment', (message) => alerts.onDeployment(message));
  agents.on('node-lost', (nodeId) => alerts.onNodeLost(nodeId));
  agents.on('node-ready', (nodeId) => alerts.onNodeReady(nodeId));
  // Read-only share links, and forks, previews and their TTL job (app.ts attaches the documents and starts it).
  const share = createShareLinks({
    db,
    audit,
    clock,
    projects,
    baseUrl: () => links.base(),
    services: (environmentId) =>
      (deploy.reconciler.status(environmentId)?.services ?? []).map(({ serviceId, name, state, url }) => ({ serviceId, name, state, url })),
  });
  const environments = createEnvironments({
    db,
    env,
    clock,
    audit,
    projects,
    secrets,
    mailer,
    projectUrl: (projectId) => `${links.base()}/projects/${projectId}`,
    logger,
    deploy: {
      teardown: (id) => deploy.teardown(id),
      trigger: (id) => void deploy.reconciler.trigger(id),
      whenStarted: () => deploy.reconciler.whenStarted(),
      nodes: () => agents.nodes(),
    },
    closeShares: (id) => share.closeEnvironment(id),
  });
  // Builds from git: the API's view of builds, webhook secrets and deliveries, and what a delivery does.
  const buildAccess = createBuildAccess({ builds: deploy.builds, projects, commits: deploy.commits, deployStore: deploy.store, audit });
  const webhooks = createWebhooks({ db, clock, audit, projects, key: secrets.deriveKey('webhook-secrets'), baseUrl: () => links.base() });
  const hooks = createHooks({
    db,
    webhooks,
    projects,
    environments,
    deploy,
    forge: createForge(env.builds.forgeComments, logger),
    share,
    logger,
  });
  return {
    db,
    env,
    clock,
    audit,
    teams,
    tokens,
    auth,
    projects,
    account,
    invites,
    quotas,
    projectAccess,
    auditReader,
    mailer,
    links,
    instanceAdmin,
    agents,
    telemetry,
    secrets,
    deploy,
    share,
    environments,
    alerts,
    buildAccess,
    webhooks,
    hooks,
  };
}

export type Services = ReturnType<typeof createServices>;

export function actorOf(viewer: Viewer): Actor {
  return { userId: viewer.user.id, email: viewer.user.email, ip: viewer.ip };
}
