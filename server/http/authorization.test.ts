// The authorization matrix: every HTTP route the app answers (read from the
// express router, so a new route cannot be forgotten), every socket.io
// namespace and event and every WebSocket upgrade (read from
// containr.surfaces() and the sockets' own listeners), every Remix page and
// every intent of every page action (read from the route modules), exercised
// by each role of a team, by a developer left out of a restricted project, by
// a member of another team, by the instance admin (who is in no team here) and
// by nobody (sockets also by a share link and an agent's join token), against
// one fixture world. What each one should get comes from
// route-permissions.ts and permissions.ts, never from the answers themselves:
//   allowed → the status the case names (2xx, or a 4xx that the handler can
//             only reach after its permission check, said case by case)
//   denied  → 401 without credentials, 403 for a member whose role lacks the
//             action, 404 for anyone outside the team or the restricted
//             project (existence never leaks).
// Then: open sockets lose what a change of role, membership or token takes away.
// See docs/decisions/011-authorization-matrix.md.
import express, { Router } from 'express';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { teamMembers, users, type Role } from '../../db/schema';
import { addService, initDoc, type NodeInit } from '../../sync';
import type { Ack } from '../../sync/events';
import { ROOT } from '../app';
import type { Actor } from '../audit/service';
import { can } from '../auth/permissions';
import { SYNC_PATH } from '../sync';
import { encodeSyncStep1, encodeUpdate } from '../sync/protocol';
import { rawClient, storedDocument } from '../sync/test-clients';
import { mailTo, signUpAs, tokenIn, uniqueEmail, type Person } from '../teams/test-support';
import { client, startTestServer, waitFor, type TestServer } from '../test-utils';
import {
  listRoutes,
  MIDDLEWARE,
  PAGE_ACTIONS,
  PAGE_PERMISSIONS,
  pagePath,
  ROUTE_PERMISSIONS,
  SCOPE_LEVEL,
  SOCKET_PERMISSIONS,
  UPGRADE_PERMISSIONS,
  type RouteRule,
  type Scope,
  type SocketConnectRule,
  type SocketEventRule,
} from './route-permissions';

// ── who asks ─────────────────────────────────────────────────────────────────
const ROLES = ['owner', 'admin', 'developer', 'viewer'] as const satisfies readonly Role[];
/**
 * `excluded`: a developer of the team left out of the fixture project, which is
 * restricted to some members (project-level access): the project does not exist for it.
 */
const ACTORS = [...ROLES, 'excluded', 'outsider', 'instance admin', 'anonymous'] as const;
type ActorName = (typeof ACTORS)[number];
type Member = Person & { token: string; actor: Actor };

type World = {
  server: TestServer;
  people: Record<Exclude<ActorName, 'anonymous'>, Member>;
  /** Not an actor: invites the actors into teams of its own. */
  inviter: Member;
  teamId: string;
  projectId: string;
  production: string;
  staging: string;
  /** For canvas writes over /sync, so the other environments' documents stay as built. */
  sandbox: string;
  serviceId: string;
  commitId: string;
  deploymentId: string;
  shareLinkId: string;
  shareToken: string;
  inviteId: string;
  mailId: string;
  otherProjectId: string;
  otherEnvironmentId: string;
};

let w: World;

// ── the expectation, from the table ──────────────────────────────────────────
type Verdict = { allow: true } | { allow: false; status: number };

function verdict(rule: RouteRule, actor: ActorName, production = false, scope?: Scope): Verdict {
  if (rule.kind === 'public') return { allow: true };
  if (actor === 'anonymous') return { allow: false, status: 401 };
  switch (rule.kind) {
    case 'self':
      return { allow: true };
    case 'instance-admin':
      return actor === 'instance admin' ? { allow: true } : { allow: false, status: 404 };
    case 'metrics-token':
      return actor === 'instance admin' ? { allow: true } : { allow: false, status: 403 };
    case 'action': {
      if (actor === 'outsider' || actor === 'instance admin') return { allow: false, status: 404 };
      if (actor === 'excluded' && SCOPE_LEVEL[scope ?? rule.scope] === 'project') return { allow: false, status: 404 };
      const role: Role = actor === 'excluded' ? 'developer' : actor;
      const needed = production && rule.production ? rule.production : rule.action;
      return can(role, needed) ? { allow: true } : { allow: false, status: 403 };
    }
  }
}

// ── how each route is exercised ──────────────────────────────────────────────
type Ctx = { actor: ActorName; me: Member | null };
type Params = Record<string, string>;
type Case = {
  /** Shown in the test name, e.g. "production". */
  label?: string;
  /** The environment is production: the rule's `production` action applies. */
  production?: boolean;
  /** When the resource is named by the query rather than the path (e.g. the audit log's projectId). */
  scope?: Scope;
  /** Route params; `:id` defaults to the fixture resource of the rule's scope. Throwaway resources are made here. */
  params?: (c: Ctx) => Params | Promise<Params>;
  query?: (c: Ctx) => string;
  body?: (c: Ctx) => unknown;
  /** What an allowed actor gets. */
  ok: number[];
};

const asOwner = (): Actor => w.people.owner.actor;
const services = () => w.server.containr.services;
const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

/** A team with the fixture's members in the same roles: for deleting and transferring. */
function throwawayTeam(): string {
  const team = services().teams.create(asOwner(), unique('Throwaway'));
  const now = new Date();
  for (const [who, role] of [['admin', 'admin'], ['developer', 'developer'], ['viewer', 'viewer'], ['excluded', 'developer']] as const) {
    services().db.insert(teamMembers).values({ teamId: team.id, userId: w.people[who].id, role, createdAt: now }).run();
  }
  return team.id;
}

/** A fresh account added to the fixture team as a viewer, for role changes and removals. */
async function spareMember(): Promise<string> {
  const person = await signUpAs(w.server, uniqueEmail('spare'), 'Spare Member');
  services().db.insert(teamMembers).values({ teamId: w.teamId, userId: person.id, role: 'viewer', createdAt: new Date() }).run();
  return person.id;
}

/** A project restricted like the fixture's (to the developer and the viewer), so `excluded` does not see it either. */
function throwawayProject(): string {
  const { project } = services().projects.create(asOwner(), { name: unique('Throwaway'), teamId: w.teamId });
  services().projectAccess.set(asOwner(), project.id, [w.people.developer.id, w.people.viewer.id]);
  return project.id;
}
const throwawayEnvironment = () => services().projects.createEnvironment(asOwner(), w.projectId, { name: unique('tmp') }).id;

const CASES: Record<string, Case[]> = {
  'GET /healthz': [{ ok: [200] }],
  'GET /metrics': [{ ok: [200] }],

  'POST /api/auth/signup': [{ body: () => ({ email: uniqueEmail('new'), password: 'a long password', name: 'New' }), ok: [201] }],
  'POST /api/auth/login': [{ body: () => ({ email: w.people.outsider.email, password: 'a long password' }), ok: [200] }],
  'POST /api/auth/logout': [{ ok: [204] }],
  // Real mailed links (the link is the credential, whoever sends it).
  'POST /api/auth/verify': [{ body: async () => ({ token: await mailedToken(/Confirm your email/, '/verify/') }), ok: [200] }],
  'POST /api/auth/verify/resend': [{ ok: [200, 202, 204] }],
  'POST /api/auth/reset': [{ body: () => ({ email: uniqueEmail('nobody') }), ok: [202] }],
  'POST /api/auth/reset/confirm': [
    { body: async () => ({ token: await mailedToken(/Reset your/, '/reset/', true), password: 'a new long password' }), ok: [200] },
  ],
  'POST /api/auth/email': [{ body: () => ({ email: uniqueEmail('moved'), password: 'a long password' }), ok: [202] }],
  'GET /api/me': [{ ok: [200] }],
  'GET /api/account': [{ ok: [200] }],
  'GET /api/tokens': [{ ok: [200] }],
  'POST /api/tokens': [{ body: () => ({ name: 'authz' }), ok: [201] }],
  'DELETE /api/tokens/:id': [{ params: ({ me }) => ({ id: me ? services().tokens.create(me.actor, 'throwaway').id : 'none' }), ok: [204] }],

  'GET /api/teams': [{ ok: [200] }],
  'POST /api/teams': [{ body: () => ({ name: unique('Team') }), ok: [201] }],
  'GET /api/teams/:id': [{ ok: [200] }],
  'PATCH /api/teams/:id': [{ body: () => ({ name: 'Fixture Team' }), ok: [200] }],
  'DELETE /api/teams/:id': [{ params: () => ({ id: throwawayTeam() }), ok: [204] }],
  'POST /api/teams/:id/transfer': [{ params: () => ({ id: throwawayTeam() }), body: () => ({ userId: w.people.admin.id }), ok: [200, 204] }],
  'GET /api/teams/:id/members': [{ ok: [200] }],
  'PATCH /api/teams/:id/members/:userId': [
    { params: async () => ({ id: w.teamId, userId: await spareMember() }), body: () => ({ role: 'developer' }), ok: [200] },
  ],
  'DELETE /api/teams/:id/members/:userId': [{ params: async () => ({ id: w.teamId, userId: await spareMember() }), ok: [204] }],
  'GET /api/teams/:id/invites': [{ ok: [200] }],
  'POST /api/teams/:id/invites': [{ body: () => ({ email: uniqueEmail('invited'), role: 'viewer' }), ok: [201] }],
  'POST /api/invites/accept': [
    {
      // A real invitation to the asker's own address, into a team of its own.
      body: async ({ me }) => {
        if (!me) return { token: 'x'.repeat(43) };
        const team = services().teams.create(w.inviter.actor, unique('Inviting'));
        await services().invites.create(w.inviter.actor, team.id, { email: me.email, role: 'viewer' });
        const mail = await waitFor(() => services().mailer.list({ limit: 500 }).find((m) => m.to === me.email && /invited you/.test(m.subject)));
        return { token: /\/invite\/([A-Za-z0-9_-]+)/.exec(mail.text)![1] };
      },
      ok: [200],
    },
  ],
  'DELETE /api/invites/:id': [
    { params: async () => ({ id: (await services().invites.create(asOwner(), w.teamId, { email: uniqueEmail('revoked'), role: 'viewer' })).invite.id }), ok: [204] },
  ],
  'POST /api/invites/:id/resend': [{ params: () => ({ id: w.inviteId }), ok: [200] }],
  'GET /api/teams/:id/quota': [{ ok: [200] }],
  'PUT /api/teams/:id/quota': [{ params: () => ({ id: w.teamId }), body: () => ({ maxProjects: 1000 }), ok: [200] }],
  'GET /api/audit': [
    { label: 'team', query: () => `teamId=${w.teamId}`, ok: [200] },
    { label: 'project', scope: 'project', query: () => `projectId=${w.projectId}`, ok: [200] },
  ],
  'GET /api/outbox': [{ ok: [200] }],
  'GET /api/outbox/:id': [{ params: () => ({ id: w.mailId }), ok: [200] }],

  'GET /api/projects': [{ ok: [200] }],
  'POST /api/projects': [{ body: () => ({ name: unique('Project'), teamId: w.teamId }), ok: [201] }],
  'GET /api/projects/:id': [{ ok: [200] }],
  'PATCH /api/projects/:id': [{ body: () => ({ description: 'the fixture project' }), ok: [200] }],
  'DELETE /api/projects/:id': [{ params: () => ({ id: throwawayProject() }), ok: [204] }],
  'GET /api/projects/:id/members': [{ ok: [200] }],
  'PUT /api/projects/:id/members': [{ params: () => ({ id: throwawayProject() }), body: () => ({ userIds: [w.people.developer.id] }), ok: [200] }],
  'GET /api/projects/:id/environments': [{ ok: [200] }],
  'POST /api/projects/:id/environments': [{ body: () => ({ name: unique('env') }), ok: [201] }],
  'GET /api/environments/:id': [{ ok: [200] }],
  'PATCH /api/environments/:id': [
    { label: 'rename', params: () => ({ id: throwawayEnvironment() }), body: () => ({ name: unique('renamed') }), ok: [200] },
    // Renaming to production needs the production action; the name is taken, which is only known after the check (409).
    { label: 'to production', production: true, params: () => ({ id: throwawayEnvironment() }), body: () => ({ name: 'production' }), ok: [409] },
  ],
  'DELETE /api/environments/:id': [{ params: () => ({ id: throwawayEnvironment() }), ok: [204] }],
  'POST /api/environments/:id/share-links': [{ body: () => ({ ttlHours: 1 }), ok: [201] }],
  'GET /api/environments/:id/share-links': [{ ok: [200] }],
  'DELETE /api/share-links/:id': [{ params: () => ({ id: services().share.create(asOwner(), w.staging, { ttlHours: 1 }).id }), ok: [204] }],

  'POST /api/environments/:id/commits': [{ body: () => ({ message: 'authz', deploy: false }), ok: [201] }],
  'GET /api/environments/:id/commits': [{ ok: [200] }],
  'GET /api/commits/:id': [{ ok: [200] }],
  'POST /api/commits/:id/rollback': [{ body: () => ({ message: 'authz' }), ok: [201] }],
  'POST /api/commits/:id/redeploy': [{ ok: [201] }],
  'GET /api/environments/:id/deployments': [{ ok: [200] }],
  'GET /api/deployments/:id': [{ ok: [200] }],
  'POST /api/deployments/:id/cancel': [{ params: async () => ({ id: await queuedDeployment() }), ok: [200] }],
  'GET /api/environments/:id/status': [{ ok: [200] }],
  'GET /api/environments/:id/secrets': [{ ok: [200] }],
  'PUT /api/environments/:id/secrets/:name': [
    { label: 'staging', params: () => ({ id: w.staging, name: 'API_KEY' }), body: () => ({ value: 'staging-value' }), ok: [200, 201] },
    { label: 'production', production: true, params: () => ({ id: w.production, name: 'API_KEY' }), body: () => ({ value: 'production-value' }), ok: [200, 201] },
  ],
  'DELETE /api/environments/:id/secrets/:name': [
    { label: 'staging', params: () => ({ id: w.staging, name: throwawaySecret(w.staging) }), ok: [204] },
    { label: 'production', production: true, params: () => ({ id: w.production, name: throwawaySecret(w.production) }), ok: [204] },
  ],

  'GET /api/services/:id/logs': [{ query: () => `environmentId=${w.production}`, ok: [200] }],
  'GET /api/services/:id/metrics': [{ query: () => `environmentId=${w.production}`, ok: [200] }],

  'GET /api/nodes': [{ ok: [200] }],
  'GET /api/overview': [{ ok: [200] }],
  'POST /api/nodes/join-tokens': [{ body: () => ({ teamId: w.teamId }), ok: [201] }],
  'GET /api/nodes/join-tokens': [{ ok: [200] }],
  'DELETE /api/join-tokens/:id': [{ params: () => ({ id: services().agents.createJoinToken(asOwner(), w.teamId).id }), ok: [204] }],

  'GET /api/alerts/unread': [{ ok: [200] }],
  'POST /api/alerts/seen': [{ ok: [200] }],
  'GET /api/projects/:id/alert-rules': [{ ok: [200] }],
  'POST /api/projects/:id/alert-rules': [{ body: () => ({ name: unique('rule'), condition: { type: 'oom' } }), ok: [201] }],
  'GET /api/alert-rules/:id': [{ ok: [200] }],
  'PATCH /api/alert-rules/:id': [{ body: () => ({ severity: 'critical' }), ok: [200] }],
  'DELETE /api/alert-rules/:id': [{ params: () => ({ id: throwawayRule() }), ok: [204] }],
  'GET /api/projects/:id/alerts': [{ query: () => 'state=open', ok: [200] }],
  'GET /api/alerts/:id': [{ ok: [200] }],
  'POST /api/alerts/:id/ack': [{ ok: [200] }],
  'GET /api/projects/:id/alert-channels': [{ ok: [200] }],
  'POST /api/projects/:id/alert-channels': [{ body: () => ({ type: 'email', name: unique('mail'), addresses: ['ops@example.test'] }), ok: [201] }],
  'PATCH /api/alert-channels/:id': [{ body: () => ({ enabled: true }), ok: [200] }],
  'DELETE /api/alert-channels/:id': [{ params: () => ({ id: throwawayChannel() }), ok: [204] }],
  'POST /api/alert-channels/:id/rotate-secret': [{ params: () => ({ id: throwawayChannel() }), ok: [200] }],
  'POST /api/alert-channels/:id/test': [{ params: () => ({ id: throwawayChannel() }), ok: [202] }],
  'GET /api/alert-channels/:id/deliveries': [{ ok: [200] }],
  'GET /api/environments/:id/builds': [{ ok: [200] }],
  'GET /api/builds/:id': [{ ok: [200] }],
  // Finished already: the check passed, the cancel cannot.
  'POST /api/builds/:id/cancel': [{ ok: [409] }],
  'GET /api/environments/:id/services/:serviceId/dockerfile': [{ params: () => ({ id: w.staging, serviceId: (fixtureBuild(), w.serviceId) }), ok: [200] }],
  'POST /api/projects/:id/webhook-secret': [{ params: () => ({ id: throwawayProject() }), ok: [201] }],
  'GET /api/projects/:id/webhook-secret': [{ ok: [200] }],
  'DELETE /api/projects/:id/webhook-secret': [{ params: () => ({ id: projectWithWebhookSecret() }), ok: [204] }],
  'GET /api/projects/:id/webhook-deliveries': [{ ok: [200] }],
  // Without ?project= nobody gets further; the signature checks are in server/builds/hooks.test.ts.
  'POST /api/hooks/github': [{ body: () => ({ zen: 'hi' }), ok: [400] }],
  'POST /api/hooks/gitlab': [{ body: () => ({ object_kind: 'push' }), ok: [400] }],
  'GET /alerts/ack/:token': [{ params: () => ({ token: ackToken() }), ok: [200] }],
  'POST /alerts/ack/:token': [{ params: () => ({ token: ackToken() }), ok: [200] }],
};

/** The fixture's alert: the default "Deployment failed" rule of the fixture project, fired once in staging. */
function fixtureAlert(): string {
  const open = () => services().alerts.store.openAlertsOfEnvironment(w.staging)[0]?.id;
  if (!open()) services().alerts.onDeployment({ environmentId: w.staging, deploymentId: null, status: 'failed', reason: 'authorization fixture' });
  return open() ?? services().alerts.store.listAlerts(w.projectId, { limit: 1 }).alerts[0].id;
}

function throwawayRule(): string {
  return services().alerts.createRule(asOwner(), w.projectId, {
    name: unique('rule'),
    enabled: true,
    severity: 'info',
    environmentId: null,
    serviceId: null,
    condition: { type: 'oom' },
    channelIds: [],
    escalation: null,
  }).id;
}

/** A webhook channel pointing at a port nothing listens on (its test delivery fails, which is fine here). */
function throwawayChannel(): string {
  return services().alerts.createChannel(asOwner(), w.projectId, { type: 'webhook', name: unique('hook'), enabled: true, url: 'http://127.0.0.1:9/hook' }).channel.id;
}

/** A mailed acknowledge link's token for the fixture alert. */
function ackToken(): string {
  return services().alerts.ackUrl(fixtureAlert(), w.people.owner.email).split('/alerts/ack/')[1];
}

/** A fresh account's verification link, or (`reset`) a password reset link for it, from the outbox. */
async function mailedToken(subject: RegExp, path: string, reset = false): Promise<string> {
  const person = await signUpAs(w.server, uniqueEmail('mailed'), 'Mailed Person');
  if (reset) services().account.requestReset(person.email, null);
  return tokenIn(await mailTo(w.server, person.email, subject), path);
}

function throwawaySecret(environmentId: string): string {
  const name = `THROWAWAY_${randomUUID().slice(0, 8).toUpperCase()}`;
  services().secrets.put(asOwner(), environmentId, name, 'value');
  return name;
}

/** A deployment nothing can run (no node in this world): it stays queued until cancelled. */
async function queuedDeployment(): Promise<string> {
  const { deployment } = await services().deploy.commits.commit(asOwner(), w.staging, { message: 'to cancel', deploy: true });
  return deployment!.id;
}

/** A finished build of the fixture service in staging (no node builds in this world), with a generated Dockerfile. */
let buildId: string | undefined;
function fixtureBuild(): string {
  buildId ??= services().deploy.builds.store.insert({
    id: randomUUID(),
    environmentId: w.staging,
    deploymentId: w.deploymentId,
    serviceId: w.serviceId,
    serviceName: 'web',
    nodeId: null,
    trigger: 'manual',
    status: 'succeeded',
    repo: 'file:///srv/web.git',
    ref: 'main',
    requestedCommit: null,
    rootDir: '.',
    dockerfilePath: null,
  }).id;
  return buildId;
}

/** A project (restricted like the fixture's) with a webhook secret, to delete it. */
function projectWithWebhookSecret(): string {
  const id = throwawayProject();
  services().webhooks.rotate(asOwner(), id);
  return id;
}

/** `:id` when the case does not say: the fixture resource of the rule's scope. */
function defaultParams(rule: RouteRule): Params {
  if (rule.kind !== 'action') return {};
  const id: Record<typeof rule.scope, string | undefined> = {
    team: w.teamId,
    project: w.projectId,
    environment: w.staging,
    commit: w.commitId,
    deployment: w.deploymentId,
    service: w.serviceId,
    'share-link': w.shareLinkId,
    invite: w.inviteId,
    'join-token': undefined,
    'alert-rule': services().alerts.store.rulesOfProject(w.projectId)[0]?.id,
    alert: fixtureAlert(),
    'alert-channel': services().alerts.store.channelsOfProject(w.projectId)[0]?.id,
    build: fixtureBuild(),
  };
  return id[rule.scope] ? { id: id[rule.scope]! } : {};
}

function fill(path: string, params: Params): string {
  return path.replace(/:(\w+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`no value for :${name} in ${path}: give the case params`);
    return encodeURIComponent(value);
  });
}

function call(actor: ActorName) {
  const me = actor === 'anonymous' ? null : w.people[actor];
  return client(w.server.url, me ? { token: me.token } : {});
}

// ── the fixture world ────────────────────────────────────────────────────────
beforeAll(async () => {
  const server = await startTestServer({
    env: { CONTAINR_QUOTA_MAX_PROJECTS: '1000', CONTAINR_LOGIN_MAX_FAILURES: '1000' },
    deploy: { startupGraceMs: 0 },
    remix: 'development',
  });
  // Vite compiles the whole Remix server build on the first page request: here, under beforeAll's timeout, not a test's.
  expect((await fetch(`${server.url}/login`)).status).toBe(200);
  const member = async (label: string, name: string): Promise<Member> => {
    const person = await signUpAs(server, uniqueEmail(label), name);
    const token = (await person.api('POST', '/api/tokens', { name: 'authz' })).body.token as string;
    return { ...person, token, actor: { userId: person.id, email: person.email, ip: null } };
  };
  // The first account is the instance admin (no CONTAINR_ADMIN_EMAILS); it joins no team of the fixture.
  const instanceAdmin = await member('admin-of-instance', 'Ian Instance');
  const owner = await member('owner', 'Olga Owner');
  const admin = await member('admin', 'Ada Admin');
  const developer = await member('developer', 'Dev Developer');
  const viewer = await member('viewer', 'Vic Viewer');
  const excluded = await member('excluded', 'Ed Excluded');
  const outsider = await member('outsider', 'Oscar Outsider');
  const inviter = await member('inviter', 'Ines Inviter');
  const s = server.containr.services;

  const team = s.teams.create(owner.actor, 'Fixture Team');
  const now = new Date();
  for (const [person, role] of [[admin, 'admin'], [developer, 'developer'], [viewer, 'viewer'], [excluded, 'developer']] as const) {
    s.db.insert(teamMembers).values({ teamId: team.id, userId: person.id, role, createdAt: now }).run();
  }
  const { project, environments } = s.projects.create(owner.actor, { name: 'Fixture Project', teamId: team.id });
  const production = environments[0].id;
  // Owners and admins always see it; of the others, only the developer and the viewer.
  s.projectAccess.set(owner.actor, project.id, [developer.id, viewer.id]);
  const staging = s.projects.createEnvironment(owner.actor, project.id, { name: 'staging' }).id;
  const sandbox = s.projects.createEnvironment(owner.actor, project.id, { name: 'sandbox' }).id;
  let serviceId = '';
  for (const environmentId of [production, staging]) {
    await server.containr.sync.documents.withDocument(environmentId, (doc) => {
      initDoc(doc, { environmentName: environmentId === production ? 'production' : 'staging' });
      serviceId = addService(doc, { kind: 'service', name: 'web', source: { type: 'image', image: 'containr/busybox' } } as NodeInit);
    });
  }
  s.secrets.put(owner.actor, production, 'API_KEY', 'production-value');
  s.secrets.put(owner.actor, staging, 'API_KEY', 'staging-value');
  const { commit, deployment } = await s.deploy.commits.commit(owner.actor, staging, { message: 'fixture', deploy: true });
  const link = s.share.create(owner.actor, production, { ttlHours: 1 });
  const { invite } = await s.invites.create(owner.actor, team.id, { email: uniqueEmail('pending'), role: 'viewer' });
  const mailId = s.mailer.list({ limit: 1 })[0].id;

  // Another team, with its own project: the outsider's.
  const other = s.teams.create(outsider.actor, 'Other Team');
  const otherProject = s.projects.create(outsider.actor, { name: 'Other Project', teamId: other.id });

  w = {
    server,
    people: { owner, admin, developer, viewer, excluded, outsider, 'instance admin': instanceAdmin },
    inviter,
    teamId: team.id,
    projectId: project.id,
    production,
    staging,
    sandbox,
    serviceId,
    commitId: commit.id,
    deploymentId: deployment!.id,
    shareLinkId: link.id,
    shareToken: link.url.split('/share/')[1],
    inviteId: invite.id,
    mailId,
    otherProjectId: otherProject.project.id,
    otherEnvironmentId: otherProject.environments[0].id,
  };
}, 120_000);

afterAll(async () => {
  await w?.server.close();
});

// ── HTTP routes ──────────────────────────────────────────────────────────────
describe('every HTTP route has a permission entry', () => {
  it('the express app answers exactly the routes in route-permissions.ts', () => {
    const routes = listRoutes(w.server.containr.app);
    expect(routes.length).toBeGreaterThan(60);
    const missing = routes.filter((r) => !(r in ROUTE_PERMISSIONS));
    const stale = Object.keys(ROUTE_PERMISSIONS).filter((r) => !routes.includes(r));
    expect(missing, 'routes without an entry in ROUTE_PERMISSIONS (add one)').toEqual([]);
    expect(stale, 'entries in ROUTE_PERMISSIONS for routes that do not exist').toEqual([]);
  });

  it('every route has a case here that exercises it', () => {
    const routes = listRoutes(w.server.containr.app);
    expect(routes.filter((r) => !CASES[r]), 'routes without a case in CASES (authorization.test.ts)').toEqual([]);
  });
});

describe('listRoutes', () => {
  it('reads mount paths back from express, params and nested routers included', () => {
    const inner = Router();
    inner.post('/:provider', () => {});
    const api = Router();
    api.use('/hooks', inner);
    api.get('/things/:id', () => {});
    const app = express();
    app.use('/api/v1.0', api);
    app.use('/teams/:teamId/x', Router().delete('/y', () => {}));
    app.all('*', () => {});
    expect(listRoutes(app)).toEqual(['DELETE /teams/:teamId/x/y', 'GET /api/v1.0/things/:id', 'POST /api/v1.0/hooks/:provider']);
  });

  it('refuses a handler that is neither a route nor a router unless MIDDLEWARE names it', () => {
    const app = express();
    app.use('/x', function answersAnything(_req, res) {
      res.send('unlisted');
    });
    expect(() => listRoutes(app)).toThrow(/USE \/x answersAnything/);
    expect(listRoutes(app, { ...MIDDLEWARE, 'USE /x answersAnything': 'known here' })).toEqual([]);
  });
});

describe('HTTP routes × actors', () => {
  // Built from the table, so a route added to it is walked here; the first describe fails for one missing from it.
  for (const [route, rule] of Object.entries(ROUTE_PERMISSIONS)) {
    const [method, path] = route.split(' ') as [string, string];
    for (const c of CASES[route] ?? []) {
      for (const actor of ACTORS) {
        const v = verdict(rule, actor, c.production, c.scope);
        const name = `${actor.padEnd(14)} ${route}${c.label ? ` (${c.label})` : ''} → ${v.allow ? 'allow' : 'deny'}`;
        it(name, async () => {
          const ctx: Ctx = { actor, me: actor === 'anonymous' ? null : w.people[actor] };
          const params = { ...defaultParams(rule), ...(await c.params?.(ctx)) };
          const query = c.query?.(ctx);
          const body = await c.body?.(ctx);
          const res = await call(actor)(method, `${fill(path, params)}${query ? `?${query}` : ''}`, body ?? (method === 'GET' || method === 'DELETE' ? undefined : {}));
          const detail = `${method} ${fill(path, params)} → ${res.status} ${JSON.stringify(res.body)?.slice(0, 300)}`;
          if (v.allow) expect(c.ok, detail).toContain(res.status);
          else expect(res.status, detail).toBe(v.status);
        });
      }
    }
  }
});

describe('resources of another team are 404 even with a known id', () => {
  it('a member of the fixture team cannot reach the other team through its own ids', async () => {
    const api = call('owner');
    for (const [method, path] of [
      ['GET', `/api/projects/${w.otherProjectId}`],
      ['GET', `/api/environments/${w.otherEnvironmentId}`],
      ['GET', `/api/environments/${w.otherEnvironmentId}/status`],
      ['POST', `/api/environments/${w.otherEnvironmentId}/commits`],
      ['PUT', `/api/environments/${w.otherEnvironmentId}/secrets/STOLEN`],
      ['GET', `/api/services/${w.serviceId}/logs?environmentId=${w.otherEnvironmentId}`],
    ] as const) {
      const res = await api(method, path, method === 'PUT' ? { value: 'x' } : method === 'POST' ? {} : undefined);
      expect(res.status, `${method} ${path}`).toBe(404);
    }
  });

  it('GET /metrics takes bearer tokens only: even the instance admin’s session cookie is refused (401)', async () => {
    const res = await fetch(`${w.server.url}/metrics`, { headers: { cookie: w.people['instance admin'].cookie } });
    expect(res.status).toBe(401);
    expect((await call('instance admin')('GET', '/metrics')).status).toBe(200);
  });

  it('ids in bodies and queries are checked like ids in paths', async () => {
    // Forking: the source environment must be readable too.
    const outsiderFork = await call('outsider')('POST', `/api/projects/${w.otherProjectId}/environments`, { name: 'stolen', from: w.staging });
    expect(outsiderFork.status).toBe(404);
    const developerFork = await call('developer')('POST', `/api/projects/${w.projectId}/environments`, { name: 'stolen', from: w.otherEnvironmentId });
    expect(developerFork.status).toBe(404);
    // Copying secrets needs secret:read on the source, which a viewer lacks (and a viewer cannot create an environment anyway).
    const viewerFork = await call('viewer')('POST', `/api/projects/${w.projectId}/environments`, { name: 'copied', from: w.production, copySecrets: true });
    expect(viewerFork.status).toBe(403);
    // A service id without its environment is looked up among the environments the asker may read only.
    expect((await call('outsider')('GET', `/api/services/${w.serviceId}/logs`)).status).toBe(404);
    expect((await call('excluded')('GET', `/api/services/${w.serviceId}/metrics`)).status).toBe(404);
    // Members of other teams are not members here.
    expect((await call('admin')('PATCH', `/api/teams/${w.teamId}/members/${w.people.outsider.id}`, { role: 'viewer' })).status).toBe(404);
    const grant = await call('admin')('PUT', `/api/projects/${w.projectId}/members`, { userIds: [w.people.outsider.id] });
    expect(grant.status).toBe(422);
    expect(services().projectAccess.get(asOwner(), w.projectId).members.map((m) => m.userId).sort()).toEqual([w.people.developer.id, w.people.viewer.id].sort());
    // Filters name only what the asker can see.
    const audit = await call('outsider')('GET', `/api/audit?actor=${encodeURIComponent(w.people.owner.email)}`);
    expect(audit.status).toBe(200);
    expect(audit.body.entries).toEqual([]);
    const projects = await call('outsider')('GET', `/api/projects?teamId=${w.teamId}`);
    expect(projects.status).toBe(200); // a filter, not a lookup: an empty list
    expect(projects.body.projects).toEqual([]);
    const excluded = await call('excluded')('GET', `/api/projects?teamId=${w.teamId}`);
    expect(excluded.body.projects.map((p: { id: string }) => p.id)).not.toContain(w.projectId);
    const excludedAudit = await call('excluded')('GET', `/api/audit?teamId=${w.teamId}`);
    expect(excludedAudit.body.entries.filter((e: { projectId: string | null }) => e.projectId === w.projectId)).toEqual([]);
  });
});

// ── sockets and upgrades ─────────────────────────────────────────────────────
const sockets: Socket[] = [];
afterAll(() => sockets.forEach((s) => s.disconnect()));

function socketTo(namespace: string, auth: Record<string, string> | undefined, headers?: Record<string, string>): Socket {
  const socket = connect(`${w.server.url}${namespace}`, { transports: ['websocket'], reconnection: false, auth, extraHeaders: headers });
  sockets.push(socket);
  return socket;
}

/** Resolves 'connected', or the connect error's message. */
function connected(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('connect_error', (error) => resolve(error.message));
  });
}

/** Socket callers: every actor, plus the two credentials that are not users. */
const CALLERS = [...ACTORS, 'share link', 'agent'] as const;
type Caller = (typeof CALLERS)[number];

/** The `auth` a caller connects with: its API token, the fixture's share token, or a fresh join token of the fixture team. */
function authOf(caller: Caller): Record<string, string> | undefined {
  if (caller === 'anonymous') return undefined;
  if (caller === 'share link') return { token: w.shareToken };
  if (caller === 'agent') return { token: services().agents.createJoinToken(asOwner(), w.teamId).token };
  return { token: w.people[caller].token };
}

/** 'connected', or the reason the namespace refuses the caller, from the table. */
function connectVerdict(rule: SocketConnectRule, caller: Caller): string {
  switch (rule.kind) {
    case 'none':
      return 'NOT_FOUND';
    case 'user':
      if (caller === 'share link') return rule.shareLink ? 'connected' : 'NOT_AUTHENTICATED';
      return caller === 'anonymous' || caller === 'agent' ? 'NOT_AUTHENTICATED' : 'connected';
    case 'agent-token':
      return caller === 'agent' ? 'connected' : 'NOT_AUTHENTICATED';
  }
}

/** What an event's ack should be for a caller that is connected, from the table. */
function eventVerdict(event: SocketEventRule, caller: Caller, ownEnvironment: boolean): Ack {
  if (event.rule.kind === 'node') throw new Error('node events are the agent protocol’s (agents/hub.test.ts)');
  if (caller === 'share link') return event.shareLink === 'own-environment' && ownEnvironment ? { ok: true } : { ok: false, reason: 'NOT_FOUND' };
  if (caller === 'agent') throw new Error('an agent is never connected to a user namespace');
  const v = verdict(event.rule, caller);
  return v.allow ? { ok: true } : { ok: false, reason: v.status === 403 ? 'FORBIDDEN' : v.status === 401 ? 'NOT_AUTHENTICATED' : 'NOT_FOUND' };
}

/**
 * How each client → server event of a user namespace is sent: the payload, and
 * whether it names the share link's own environment. Keyed `namespace event`.
 */
const SOCKET_CASES: Record<string, { payload: () => unknown; ownEnvironment: boolean }[]> = {
  '/live subscribe': [
    { payload: () => ({ environmentId: w.production }), ownEnvironment: true },
    { payload: () => ({ environmentId: w.staging }), ownEnvironment: false },
  ],
  '/live unsubscribe': [{ payload: () => ({ environmentId: w.production }), ownEnvironment: true }],
};

/** Events socket.io itself emits on a server-side socket; a client cannot send them. */
const RESERVED_EVENTS = new Set(['disconnect', 'disconnecting', 'error', 'newListener', 'removeListener']);

describe('every socket.io namespace, socket event and WebSocket upgrade has a permission entry', () => {
  it('the server’s namespaces and upgrades are exactly those in route-permissions.ts', () => {
    const { namespaces, upgrades } = w.server.containr.surfaces();
    expect(namespaces).toContain('/live');
    expect(upgrades).toContain('/sync/');
    expect(namespaces.filter((n) => !(n in SOCKET_PERMISSIONS)), 'namespaces without an entry in SOCKET_PERMISSIONS').toEqual([]);
    expect(Object.keys(SOCKET_PERMISSIONS).filter((n) => !namespaces.includes(n)), 'SOCKET_PERMISSIONS entries without a namespace').toEqual([]);
    expect(upgrades.filter((u) => !(u in UPGRADE_PERMISSIONS)), 'upgrades without an entry in UPGRADE_PERMISSIONS').toEqual([]);
    expect(Object.keys(UPGRADE_PERMISSIONS).filter((u) => !upgrades.includes(u)), 'UPGRADE_PERMISSIONS entries without an upgrade').toEqual([]);
  });

  it('the events a connected socket listens to are exactly those in SOCKET_PERMISSIONS, for every credential a namespace admits', async () => {
    const { namespaces } = w.server.containr.surfaces();
    for (const namespace of namespaces) {
      const rule = SOCKET_PERMISSIONS[namespace];
      const admitted = CALLERS.filter((c) => connectVerdict(rule.connect, c) === 'connected' && (c === 'share link' || c === 'agent' || c === 'developer'));
      if (rule.connect.kind === 'none') expect(rule.events, `${namespace} admits nobody: it can have no events`).toEqual({});
      for (const caller of admitted) {
        const socket = socketTo(namespace, authOf(caller));
        expect(await connected(socket), `${caller} on ${namespace}`).toBe('connected');
        const onServer = w.server.containr.io.of(namespace).sockets.get(socket.id!);
        expect(onServer, `${namespace}: the server-side socket of ${caller}`).toBeDefined();
        const events = onServer!.eventNames().map(String).filter((e) => !RESERVED_EVENTS.has(e)).sort();
        expect(events, `${namespace} events (${caller}) vs SOCKET_PERMISSIONS`).toEqual(Object.keys(rule.events).sort());
        socket.disconnect();
      }
    }
  });

  it('every event of a user namespace has a case here that sends it', () => {
    const missing = Object.entries(SOCKET_PERMISSIONS).flatMap(([namespace, rule]) =>
      Object.entries(rule.events)
        .filter(([, e]) => e.rule.kind !== 'node')
        .map(([event]) => `${namespace} ${event}`)
        .filter((key) => !SOCKET_CASES[key]),
    );
    expect(missing, 'socket events without a case in SOCKET_CASES (authorization.test.ts)').toEqual([]);
  });

  it('an upgrade to any other path is refused (404)', async () => {
    const res = await new Promise<number>((resolve) => {
      const req = httpRequest(`${w.server.url}/elsewhere`, { headers: { connection: 'upgrade', upgrade: 'websocket' } });
      req.on('response', (r) => resolve(r.statusCode ?? 0));
      req.on('upgrade', () => resolve(101));
      req.on('error', () => resolve(-1));
      req.end();
    });
    expect(res).toBe(404);
  });
});

describe('socket.io namespaces × callers (connect with an API token, share token or join token)', () => {
  for (const [namespace, rule] of Object.entries(SOCKET_PERMISSIONS)) {
    for (const caller of CALLERS) {
      const expected = connectVerdict(rule.connect, caller);
      it(`${caller.padEnd(14)} ${namespace} connect → ${expected === 'connected' ? 'allow' : `deny (${expected})`}`, async () => {
        const socket = socketTo(namespace, authOf(caller));
        expect(await connected(socket)).toBe(expected);
        socket.disconnect();
        // A session cookie gets no further than the token: never onto a namespace that takes tokens only.
        if (caller !== 'anonymous' && caller !== 'share link' && caller !== 'agent') {
          const byCookie = socketTo(namespace, undefined, { cookie: w.people[caller].cookie });
          expect(await connected(byCookie)).toBe(rule.connect.kind === 'user' ? 'connected' : expected);
          byCookie.disconnect();
        }
      });
    }
  }
});

describe('socket.io events × callers (each client → server event of a user namespace)', () => {
  for (const [namespace, rule] of Object.entries(SOCKET_PERMISSIONS)) {
    for (const [event, eventRule] of Object.entries(rule.events)) {
      if (eventRule.rule.kind === 'node') continue;
      for (const [i, c] of (SOCKET_CASES[`${namespace} ${event}`] ?? []).entries()) {
        for (const caller of CALLERS) {
          if (connectVerdict(rule.connect, caller) !== 'connected') continue; // refused at connect: the walk above
          const expected = eventVerdict(eventRule, caller, c.ownEnvironment);
          it(`${caller.padEnd(14)} ${namespace} ${event} #${i + 1} → ${expected.ok ? 'allow' : `deny (${expected.reason})`}`, async () => {
            const socket = socketTo(namespace, authOf(caller));
            expect(await connected(socket)).toBe('connected');
            const ack: Ack = await socket.timeout(5_000).emitWithAck(event, c.payload());
            expect(ack).toEqual(expected);
            socket.disconnect();
          });
        }
      }
    }
  }

  it('viewer        /live with the session cookie → allow; from another origin → deny', async () => {
    const own = socketTo('/live', undefined, { cookie: w.people.viewer.cookie });
    expect(await connected(own)).toBe('connected');
    expect(await own.timeout(5_000).emitWithAck('subscribe', { environmentId: w.production })).toEqual({ ok: true });
    const forged = socketTo('/live', undefined, { cookie: w.people.viewer.cookie, origin: 'https://evil.example' });
    expect(await connected(forged)).toBe('NOT_AUTHENTICATED');
  });

  it('outsider      /live unsubscribe of a room it could not join grants nothing', async () => {
    const socket = socketTo('/live', authOf('outsider'));
    expect(await connected(socket)).toBe('connected');
    expect(await socket.timeout(5_000).emitWithAck('unsubscribe', { environmentId: w.production })).toEqual({ ok: true });
    const inRoom = (await w.server.containr.io.of('/live').in(`env:${w.production}`).fetchSockets()).some((s) => s.id === socket.id);
    expect(inRoom).toBe(false);
  });
});

describe('Yjs upgrades × callers (writes go to the sandbox environment)', () => {
  /** Sends an update that sets authz[caller] and waits for the server to answer a sync step after it. */
  async function write(caller: Caller, token: string, environmentId: string) {
    const raw = rawClient(w.server.url, `${environmentId}?token=${token}`);
    await raw.opened;
    const doc = new Y.Doc();
    doc.getMap('authz').set(caller, true);
    raw.ws.send(encodeUpdate(Y.encodeStateAsUpdate(doc)));
    const before = raw.received.length;
    raw.ws.send(encodeSyncStep1(new Y.Doc()));
    await waitFor(() => raw.received.slice(before).some((m) => m[0] === 0 && m[1] === 1), 5_000, 'sync step 2');
    raw.ws.close();
    return storedDocument(w.server.containr, environmentId).doc.getMap('authz').get(caller) === true;
  }

  for (const [path, rule] of Object.entries(UPGRADE_PERMISSIONS)) {
    if (rule.kind !== 'yjs') continue;
    for (const caller of CALLERS) {
      // The share link is of production: it reads there, read-only. Everyone else writes to the sandbox.
      const expected = (() => {
        if (caller === 'share link') return 'read-only';
        if (caller === 'agent' || caller === 'anonymous') return '4401 NOT_AUTHENTICATED';
        const v = verdict(rule.read, caller);
        if (!v.allow) return v.status === 403 ? '4403 FORBIDDEN' : '4404 NOT_FOUND';
        const role: Role = caller === 'excluded' ? 'developer' : (caller as Role);
        return can(role, rule.write) ? 'read-write' : 'read-only';
      })();
      it(`${caller.padEnd(14)} ${path}:environmentId → ${expected.includes('read') ? `allow (${expected})` : `deny (${expected})`}`, async () => {
        expect(path, 'rawClient opens the Yjs path only: walk a new Yjs path with a client of its own').toBe(SYNC_PATH);
        const environmentId = caller === 'share link' ? w.production : w.sandbox;
        const token = caller === 'anonymous' ? undefined : authOf(caller)!.token;
        if (!expected.includes('read')) {
          const [code, reason] = expected.split(' ');
          expect(await rawClient(w.server.url, token ? `${environmentId}?token=${token}` : environmentId).closed).toEqual({ code: Number(code), reason });
          return;
        }
        expect(await write(caller, token!, environmentId)).toBe(expected === 'read-write');
      });
    }
  }

  it('viewer        /sync with the session cookie (a browser) → allow', async () => {
    const raw = rawClient(w.server.url, w.sandbox, { cookie: w.people.viewer.cookie, origin: w.server.url });
    await raw.opened;
    raw.ws.close();
    expect(await rawClient(w.server.url, w.sandbox, { cookie: w.people.outsider.cookie }).closed).toEqual({ code: 4404, reason: 'NOT_FOUND' });
  });

  it('developer     /sync with the session cookie from another origin → deny (4403)', async () => {
    const raw = rawClient(w.server.url, w.sandbox, { cookie: w.people.developer.cookie, origin: 'https://evil.example' });
    expect(await raw.closed).toEqual({ code: 4403, reason: 'FORBIDDEN' });
  });

  it('share link    /sync another environment → deny (4404)', async () => {
    expect(await rawClient(w.server.url, `${w.staging}?token=${w.shareToken}`).closed).toEqual({ code: 4404, reason: 'NOT_FOUND' });
  });
});

// ── Remix pages ──────────────────────────────────────────────────────────────
describe('every Remix route file has a permission entry', () => {
  it('app/routes and PAGE_PERMISSIONS list the same routes', () => {
    const files = readdirSync(join(ROOT, 'app/routes'))
      .filter((f) => /\.tsx?$/.test(f) && !/\.test\.tsx?$/.test(f) && !f.endsWith('.server.ts'))
      .map((f) => f.replace(/\.tsx?$/, ''));
    expect(files.filter((f) => !(f in PAGE_PERMISSIONS)), 'route files without an entry in PAGE_PERMISSIONS').toEqual([]);
    expect(Object.keys(PAGE_PERMISSIONS).filter((f) => !files.includes(f)), 'PAGE_PERMISSIONS entries without a route file').toEqual([]);
  });
});

describe('Remix pages × actors (GET with the session cookie)', () => {
  const pageParams = (): Params => ({
    projectId: w.projectId,
    environmentId: w.production,
    teamId: w.teamId,
    token: w.shareToken,
  });
  for (const [routeId, page] of Object.entries(PAGE_PERMISSIONS)) {
    if (page.get === false) continue;
    for (const actor of ACTORS) {
      const v = page.rule.kind === 'public' ? { allow: true } : verdict(page.rule, actor);
      // Pages answer a missing session with a redirect to /login rather than 401.
      const expected = v.allow ? 'allow' : actor === 'anonymous' ? 'login' : 'deny';
      it(`${actor.padEnd(14)} page ${pagePath(routeId)} → ${expected}`, async () => {
        const me = actor === 'anonymous' ? null : w.people[actor];
        const url = fill(pagePath(routeId), pageParams());
        const res = await fetch(`${w.server.url}${url}`, { redirect: 'manual', headers: me ? { cookie: me.cookie } : {} });
        const detail = `GET ${url} → ${res.status} ${res.headers.get('location') ?? ''}`;
        if (expected === 'login') {
          expect(res.status, detail).toBe(302);
          expect(res.headers.get('location'), detail).toMatch(/^\/login/);
        } else if (expected === 'deny') {
          expect(res.status, detail).toBe((v as { status: number }).status);
        } else {
          // Public token pages with a token they do not know answer 404/410 by design; the share token here is real.
          expect([200, 302], detail).toContain(res.status);
          const location = res.headers.get('location');
          // `/` only sends on: to /projects when signed in, else to /login. No other allowed page sends to /login.
          if (routeId === '_index') expect(location, detail).toBe(me ? '/projects' : '/login');
          else if (res.status === 302) expect(location, detail).not.toMatch(/^\/login/);
        }
      });
    }
  }

  it('an environment of another team under this project id is 404', async () => {
    const res = await fetch(`${w.server.url}/projects/${w.projectId}/env/${w.otherEnvironmentId}`, {
      redirect: 'manual',
      headers: { cookie: w.people.owner.cookie },
    });
    expect(res.status).toBe(404);
  });
});

describe('Remix actions × actors (POST a valid form with the session cookie)', () => {
  type Form = { url: string; form: Record<string, string> };
  type ActionCase = {
    label?: string;
    /** The environment is production: the rule's `production` action applies. */
    production?: boolean;
    /** The page's URL (params filled in) and a valid form; throwaway teams, projects and members are made here. */
    make: (c: Ctx) => Form | Promise<Form>;
  };
  const members = (teamId = w.teamId) => `/teams/${teamId}/members`;
  const settings = (projectId = w.projectId) => `/projects/${projectId}/settings`;
  const secretsOf = (environmentId: string) => `/projects/${w.projectId}/secrets?env=${environmentId}`;
  // How each intent of each page action in PAGE_ACTIONS (route-permissions.ts) is posted; '' for an action without intents.
  const ACTION_CASES: Record<string, Record<string, ActionCase[]>> = {
    'teams.switch': { '': [{ make: () => ({ url: '/teams/switch', form: { teamId: w.teamId } }) }] },
    '_app.projects._index': { '': [{ make: () => ({ url: '/projects', form: { name: unique('Page project') } }) }] },
    '_app.teams.new': { '': [{ make: () => ({ url: '/teams/new', form: { name: unique('Page team') } }) }] },
    '_app.settings.account': {
      'resend-verification': [
        {
          // Only an unconfirmed address can be mailed again: the asker's is made unconfirmed first.
          make: ({ me }) => {
            if (me) services().db.update(users).set({ emailVerifiedAt: null }).where(eq(users.id, me.id)).run();
            return { url: '/settings/account', form: { intent: 'resend-verification' } };
          },
        },
      ],
      'change-email': [
        { make: () => ({ url: '/settings/account', form: { intent: 'change-email', email: uniqueEmail('page-moved'), password: 'a long password' } }) },
      ],
    },
    '_app.settings.tokens': {
      create: [{ make: () => ({ url: '/settings/tokens', form: { intent: 'create', name: 'page token' } }) }],
      revoke: [{ make: ({ me }) => ({ url: '/settings/tokens', form: { intent: 'revoke', id: me ? services().tokens.create(me.actor, 'throwaway').id : 'none' } }) }],
    },
    '_app.teams.$teamId.members': {
      invite: [{ make: () => ({ url: members(), form: { intent: 'invite', email: uniqueEmail('page-invited'), role: 'viewer' } }) }],
      role: [{ make: async () => ({ url: members(), form: { intent: 'role', userId: await spareMember(), role: 'developer' } }) }],
      remove: [{ make: async () => ({ url: members(), form: { intent: 'remove', userId: await spareMember() } }) }],
      revoke: [
        {
          make: async () => {
            const { invite } = await services().invites.create(asOwner(), w.teamId, { email: uniqueEmail('page-revoked'), role: 'viewer' });
            return { url: members(), form: { intent: 'revoke', inviteId: invite.id } };
          },
        },
      ],
      resend: [{ make: () => ({ url: members(), form: { intent: 'resend', inviteId: w.inviteId } }) }],
      rename: [{ make: () => ({ url: members(), form: { intent: 'rename', name: 'Fixture Team' } }) }],
      transfer: [{ make: () => ({ url: members(throwawayTeam()), form: { intent: 'transfer', userId: w.people.admin.id } }) }],
      delete: [{ make: () => ({ url: members(throwawayTeam()), form: { intent: 'delete' } }) }],
      // The instance admin sets quotas from the members page of a team it is in (here its personal team); blank fields: the defaults.
      quota: [
        {
          make: () => {
            const own = services().teams.listForUser(w.people['instance admin'].id).find((t) => t.personal)!.id;
            return { url: members(own), form: { intent: 'quota', maxProjects: '', maxServices: '', maxCpu: '', maxMemoryMb: '' } };
          },
        },
      ],
    },
    '_app.projects.$projectId.settings': {
      rename: [{ make: () => ({ url: settings(), form: { intent: 'rename', name: 'Fixture Project', description: 'renamed from its page' } }) }],
      delete: [{ make: () => ({ url: settings(throwawayProject()), form: { intent: 'delete' } }) }],
      'create-environment': [{ make: () => ({ url: settings(), form: { intent: 'create-environment', environment: unique('page') } }) }],
      'delete-environment': [{ make: () => ({ url: settings(), form: { intent: 'delete-environment', environmentId: throwawayEnvironment() } }) }],
      access: [{ make: () => ({ url: settings(throwawayProject()), form: { intent: 'access', mode: 'members', userId: w.people.developer.id } }) }],
    },
    '_app.projects.$projectId.secrets': {
      set: [
        { label: 'staging', make: () => ({ url: secretsOf(w.staging), form: { intent: 'set', name: 'PAGE_SECRET', value: 'from the page' } }) },
        { label: 'production', production: true, make: () => ({ url: secretsOf(w.production), form: { intent: 'set', name: 'PAGE_SECRET', value: 'from the page' } }) },
      ],
      delete: [
        { label: 'staging', make: () => ({ url: secretsOf(w.staging), form: { intent: 'delete', name: throwawaySecret(w.staging) } }) },
        { label: 'production', production: true, make: () => ({ url: secretsOf(w.production), form: { intent: 'delete', name: throwawaySecret(w.production) } }) },
      ],
    },
  };

  it('the quota form of the members page is the instance admin\'s alone (404 for the team\'s owner)', async () => {
    const post = (who: Member, teamId = w.teamId) =>
      fetch(`${w.server.url}/teams/${teamId}/members`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: who.cookie },
        body: new URLSearchParams({ intent: 'quota', maxProjects: '7', maxServices: '', maxCpu: '', maxMemoryMb: '' }).toString(),
      });
    const before = services().quotas.get(w.teamId).maxProjects;
    expect((await post(w.people.owner)).status).toBe(404);
    expect(services().quotas.get(w.teamId).maxProjects).toBe(before);
    // The instance admin sets quotas from the members page of a team it is in (here its personal team).
    const own = services().teams.listForUser(w.people['instance admin'].id).find((t) => t.personal)!.id;
    expect((await post(w.people['instance admin'], own)).status).toBe(200);
    expect(services().quotas.get(own).maxProjects).toBe(7);
  });

  it('the access form of the project settings is the admins\' (a developer is refused, an outsider gets 404)', async () => {
    const projectId = throwawayProject();
    const post = (who: Member, userIds: string[]) => {
      const form = new URLSearchParams({ intent: 'access', mode: 'members' });
      for (const id of userIds) form.append('userId', id);
      return fetch(`${w.server.url}/projects/${projectId}/settings`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: who.cookie },
        body: form.toString(),
      });
    };
    const members = () => services().projectAccess.get(asOwner(), projectId).members.map((m) => m.userId).sort();
    const before = members();
    expect((await post(w.people.developer, [w.people.developer.id])).status).toBe(400);
    expect((await post(w.people.outsider, [w.people.outsider.id])).status).toBe(404);
    expect(members()).toEqual(before);
    expect((await post(w.people.admin, [w.people.viewer.id])).status).toBe(200);
    expect(members()).toEqual([w.people.viewer.id]);
  });

  const routeFile = (routeId: string) => readdirSync(join(ROOT, 'app/routes')).find((f) => f.replace(/\.tsx?$/, '') === routeId);

  it('every route file with an action has an entry in PAGE_ACTIONS, and every entry a route file with an action', () => {
    const withAction = readdirSync(join(ROOT, 'app/routes'))
      .filter((f) => /\.tsx?$/.test(f))
      .filter((f) => /export (async )?function action|export const action/.test(readFileSync(join(ROOT, 'app/routes', f), 'utf8')))
      .map((f) => f.replace(/\.tsx?$/, ''));
    expect(withAction.filter((f) => !PAGE_ACTIONS[f]), 'route files with an action but no entry in PAGE_ACTIONS').toEqual([]);
    expect(Object.keys(PAGE_ACTIONS).filter((f) => !withAction.includes(f)), 'PAGE_ACTIONS entries without a route action').toEqual([]);
  });

  it('each action’s intents (its zod union and its forms) are exactly those in PAGE_ACTIONS, and each has a case here', () => {
    for (const [routeId, intents] of Object.entries(PAGE_ACTIONS)) {
      if (intents === 'public') continue;
      const source = readFileSync(join(ROOT, 'app/routes', routeFile(routeId)!), 'utf8');
      const declared = [...new Set([...source.matchAll(/intent:\s*z\.literal\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]))].sort();
      const posted = [...new Set([...source.matchAll(/name=["']intent["']\s+value=["']([^"']+)["']/g)].map((m) => m[1]))].sort();
      const listed = Object.keys(intents).filter((i) => i !== '').sort();
      expect(declared, `${routeId}: intents the action accepts vs PAGE_ACTIONS`).toEqual(listed);
      expect(posted.filter((i) => !declared.includes(i)), `${routeId}: forms post intents the action does not declare`).toEqual([]);
      if (declared.length === 0) expect(Object.keys(intents), `${routeId}: an action without intents is listed under ''`).toEqual(['']);
      const cases = ACTION_CASES[routeId] ?? {};
      expect(Object.keys(intents).filter((i) => !cases[i]?.length), `${routeId}: intents without a case in ACTION_CASES`).toEqual([]);
    }
  });

  for (const [routeId, intents] of Object.entries(PAGE_ACTIONS)) {
    if (intents === 'public') continue;
    for (const [intent, rule] of Object.entries(intents)) {
      for (const c of ACTION_CASES[routeId]?.[intent] ?? []) {
        for (const actor of ACTORS) {
          const v = verdict(rule, actor, c.production);
          const expected = v.allow ? 'allow' : actor === 'anonymous' ? 'login' : 'deny';
          const what = `${pagePath(routeId)}${intent ? ` ${intent}` : ''}${c.label ? ` (${c.label})` : ''}`;
          it(`${actor.padEnd(14)} action ${what} → ${expected}`, async () => {
            const me = actor === 'anonymous' ? null : w.people[actor];
            const { url, form } = await c.make({ actor, me });
            const res = await fetch(`${w.server.url}${url}`, {
              method: 'POST',
              redirect: 'manual',
              headers: { 'content-type': 'application/x-www-form-urlencoded', ...(me ? { cookie: me.cookie } : {}) },
              body: new URLSearchParams(form).toString(),
            });
            const text = await res.text();
            const location = res.headers.get('location');
            const detail = `POST ${url} ${JSON.stringify(form)} → ${res.status} ${location ?? ''} ${text.slice(0, 200)}`;
            if (expected === 'login') {
              expect(res.status, detail).toBe(302);
              expect(location, detail).toMatch(/^\/login/);
            } else if (expected === 'deny' && (v as { status: number }).status === 404) {
              expect(res.status, detail).toBe(404);
            } else if (expected === 'deny') {
              // Forms show a refused action as a form error (400) with the reason, never as done.
              expect(res.status, detail).toBe(400);
              expect(text, detail).toMatch(/cannot do this|do not have permission/);
            } else {
              expect([200, 302], detail).toContain(res.status);
              if (location) expect(location, detail).not.toMatch(/^\/login/);
            }
          });
        }
      }
    }
  }
});

// ── open sockets after an access change ──────────────────────────────────────
describe('open sockets follow access changes', () => {
  /** A new developer of the fixture team with an API token, and an unrestricted project of that team. */
  async function newcomer() {
    const person = await signUpAs(w.server, uniqueEmail('newcomer'), 'Nell Newcomer');
    services().db.insert(teamMembers).values({ teamId: w.teamId, userId: person.id, role: 'developer', createdAt: new Date() }).run();
    const actor: Actor = { userId: person.id, email: person.email, ip: null };
    const token = services().tokens.create(actor, 'sockets');
    const { project, environments } = services().projects.create(asOwner(), { name: unique('Open'), teamId: w.teamId });
    return { person, token, projectId: project.id, environmentId: environments[0].id };
  }

  /** Sends an update setting authz[key] on an open connection, waits for the server to have handled it, and says whether it was stored. */
  async function writeOn(raw: ReturnType<typeof rawClient>, environmentId: string, key: string): Promise<boolean> {
    const doc = new Y.Doc();
    doc.getMap('authz').set(key, true);
    raw.ws.send(encodeUpdate(Y.encodeStateAsUpdate(doc)));
    const before = raw.received.length;
    raw.ws.send(encodeSyncStep1(new Y.Doc()));
    await waitFor(() => raw.received.slice(before).some((m) => m[0] === 0 && m[1] === 1), 5_000, 'sync step 2');
    return storedDocument(w.server.containr, environmentId).doc.getMap('authz').get(key) === true;
  }

  const inRoom = async (environmentId: string, socket: Socket) =>
    (await w.server.containr.io.of('/live').in(`env:${environmentId}`).fetchSockets()).some((s) => s.id === socket.id);

  it('a demoted editor stops writing at once; once removed from the team, its /sync closes (4404) and /live leaves the room', async () => {
    const { person, token, environmentId } = await newcomer();
    const raw = rawClient(w.server.url, `${environmentId}?token=${token.token}`);
    await raw.opened;
    const socket = socketTo('/live', { token: token.token });
    expect(await connected(socket)).toBe('connected');
    expect(await socket.timeout(5_000).emitWithAck('subscribe', { environmentId })).toEqual({ ok: true });
    expect(await writeOn(raw, environmentId, 'as-developer')).toBe(true);

    const owner = call('owner');
    expect((await owner('PATCH', `/api/teams/${w.teamId}/members/${person.id}`, { role: 'viewer' })).status).toBe(200);
    expect(await writeOn(raw, environmentId, 'as-viewer')).toBe(false);
    expect(await inRoom(environmentId, socket)).toBe(true);

    expect((await owner('DELETE', `/api/teams/${w.teamId}/members/${person.id}`)).status).toBe(204);
    expect(await raw.closed).toEqual({ code: 4404, reason: 'NOT_FOUND' });
    await waitFor(async () => !(await inRoom(environmentId, socket)), 5_000, 'the socket to leave the room');
    expect(socket.connected).toBe(true); // its token still names a user: only the room is gone
  });

  it('restricting the project to others closes the member’s /sync (4404)', async () => {
    const { token, projectId, environmentId } = await newcomer();
    const raw = rawClient(w.server.url, `${environmentId}?token=${token.token}`);
    await raw.opened;
    const res = await call('admin')('PUT', `/api/projects/${projectId}/members`, { userIds: [w.people.developer.id] });
    expect(res.status).toBe(200);
    expect(await raw.closed).toEqual({ code: 4404, reason: 'NOT_FOUND' });
  });

  it('revoking the API token closes its /sync (4401) and disconnects its /live socket', async () => {
    const { person, token, environmentId } = await newcomer();
    const raw = rawClient(w.server.url, `${environmentId}?token=${token.token}`);
    await raw.opened;
    const socket = socketTo('/live', { token: token.token });
    expect(await connected(socket)).toBe('connected');
    const disconnected = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    expect((await client(w.server.url, { cookie: person.cookie })('DELETE', `/api/tokens/${token.id}`)).status).toBe(204);
    expect(await raw.closed).toEqual({ code: 4401, reason: 'NOT_AUTHENTICATED' });
    expect(await disconnected).toBe('io server disconnect');
  });
});
