// What every HTTP route requires, in one declarative table. The table is not
// consulted at request time (domain services check `permissions.ts` there);
// it is the contract the authorization test (authorization.test.ts) walks:
// every route the express app answers must have an entry here, and every
// entry must name a route that exists, so a new route cannot ship unchecked.
import type { Router } from 'express';
import type { Action } from '../auth/permissions';

/** What a route's `:param` (or its body's / query's id) points at, whose team decides. */
export type Scope =
  | 'team'
  | 'project'
  | 'environment'
  | 'commit'
  | 'deployment'
  | 'service'
  | 'share-link'
  | 'invite'
  | 'join-token'
  | 'alert-rule'
  | 'alert'
  | 'alert-channel'
  | 'build';

/**
 * Whether a scope's resources belong to a project (project-level access
 * applies: a member left out of a restricted project does not see them) or to
 * the team alone. A new scope must be placed here.
 */
export const SCOPE_LEVEL: Record<Scope, 'team' | 'project'> = {
  team: 'team',
  invite: 'team',
  'join-token': 'team',
  project: 'project',
  environment: 'project',
  commit: 'project',
  deployment: 'project',
  service: 'project',
  'share-link': 'project',
  'alert-rule': 'project',
  alert: 'project',
  'alert-channel': 'project',
  build: 'project',
};

export type RouteRule =
  /** Anyone, signed in or not (sign-up, login, mailed links, signed webhooks, health). */
  | { kind: 'public'; why: string }
  /** Any signed-in user, about their own account or what they can already see (lists are filtered). */
  | { kind: 'self'; why: string }
  /** The instance admin only; everyone else gets 404 (the thing does not exist for them). */
  | { kind: 'instance-admin' }
  /** `Authorization: Bearer` with the metrics token or an instance admin's API token; never a session cookie. */
  | { kind: 'metrics-token' }
  /**
   * A team role check: `action` from permissions.ts, on the team that owns the
   * resource named by the route. `production` is the action needed instead
   * when the environment is production (secrets, renaming production).
   * Members without the action get 403; anyone outside the team gets 404.
   */
  | { kind: 'action'; action: Action; scope: Scope; production?: Action };

export const publicRoute = (why: string): RouteRule => ({ kind: 'public', why });
export const self = (why: string): RouteRule => ({ kind: 'self', why });
export const INSTANCE_ADMIN: RouteRule = { kind: 'instance-admin' };
export const METRICS_TOKEN: RouteRule = { kind: 'metrics-token' };
export const action = (name: Action, scope: Scope, production?: Action): RouteRule => ({ kind: 'action', action: name, scope, production });

/** `METHOD /full/path` → rule. Paths are as the express app sees them, params as `:name`. */
export const ROUTE_PERMISSIONS: Record<string, RouteRule> = {
  'GET /healthz': publicRoute('liveness probe, says nothing'),
  'GET /metrics': METRICS_TOKEN,

  // Accounts and sessions.
  'POST /api/auth/signup': publicRoute('creating an account'),
  'POST /api/auth/login': publicRoute('logging in'),
  'POST /api/auth/logout': self('ends the own session'),
  'POST /api/auth/verify': publicRoute('the token mailed to the address is the credential'),
  'POST /api/auth/verify/resend': self('mails the own address again'),
  'POST /api/auth/reset': publicRoute('same answer whether or not the address has an account'),
  'POST /api/auth/reset/confirm': publicRoute('the token mailed to the address is the credential'),
  'POST /api/auth/email': self('changes the own address, with the current password'),
  'GET /api/me': self('the own account and teams'),
  'GET /api/account': self('the own profile and activity'),
  'GET /api/tokens': self('the own API tokens'),
  'POST /api/tokens': self('creates an own API token'),
  'DELETE /api/tokens/:id': self("revokes an own token; another user's is 404"),

  // Teams, members, invitations, quotas.
  'GET /api/teams': self('the teams the user is in'),
  'POST /api/teams': self('anyone may start a team and owns it'),
  'GET /api/teams/:id': action('team:read', 'team'),
  'PATCH /api/teams/:id': action('team:update', 'team'),
  'DELETE /api/teams/:id': action('team:delete', 'team'),
  'POST /api/teams/:id/transfer': action('team:transfer', 'team'),
  'GET /api/teams/:id/members': action('member:read', 'team'),
  'PATCH /api/teams/:id/members/:userId': action('member:update-role', 'team'),
  'DELETE /api/teams/:id/members/:userId': action('member:remove', 'team'),
  'GET /api/teams/:id/invites': action('member:read', 'team'),
  'POST /api/teams/:id/invites': action('member:invite', 'team'),
  'POST /api/invites/accept': self('the mailed token names the team; the signed-in user joins it'),
  'DELETE /api/invites/:id': action('member:invite', 'invite'),
  'POST /api/invites/:id/resend': action('member:invite', 'invite'),
  'GET /api/teams/:id/quota': action('team:read', 'team'),
  'PUT /api/teams/:id/quota': INSTANCE_ADMIN,
  'GET /api/audit': action('audit:read', 'team'),
  'GET /api/outbox': INSTANCE_ADMIN,
  'GET /api/outbox/:id': INSTANCE_ADMIN,

  // Projects and environments.
  'GET /api/projects': self('lists only the projects the user may read'),
  'POST /api/projects': action('project:create', 'team'),
  'GET /api/projects/:id': action('project:read', 'project'),
  'PATCH /api/projects/:id': action('project:update', 'project'),
  'DELETE /api/projects/:id': action('project:delete', 'project'),
  'GET /api/projects/:id/members': action('project:read', 'project'),
  'PUT /api/projects/:id/members': action('project:manage-access', 'project'),
  'GET /api/projects/:id/environments': action('environment:read', 'project'),
  'POST /api/projects/:id/environments': action('environment:create', 'project'),
  'GET /api/environments/:id': action('environment:read', 'environment'),
  'PATCH /api/environments/:id': action('environment:update', 'environment', 'secret:write-production'),
  'DELETE /api/environments/:id': action('environment:delete', 'environment'),
  'POST /api/environments/:id/share-links': action('share:manage', 'environment'),
  'GET /api/environments/:id/share-links': action('share:manage', 'environment'),
  'DELETE /api/share-links/:id': action('share:manage', 'share-link'),

  // Commits, deployments, status, secrets.
  'POST /api/environments/:id/commits': action('deploy', 'environment'),
  'GET /api/environments/:id/commits': action('environment:read', 'environment'),
  'GET /api/commits/:id': action('environment:read', 'commit'),
  'POST /api/commits/:id/rollback': action('deploy', 'commit'),
  'POST /api/commits/:id/redeploy': action('deploy', 'commit'),
  'GET /api/environments/:id/deployments': action('environment:read', 'environment'),
  'GET /api/deployments/:id': action('environment:read', 'deployment'),
  'POST /api/deployments/:id/cancel': action('deploy', 'deployment'),
  'GET /api/environments/:id/status': action('environment:read', 'environment'),
  'GET /api/environments/:id/secrets': action('secret:read', 'environment'),
  'PUT /api/environments/:id/secrets/:name': action('secret:write', 'environment', 'secret:write-production'),
  'DELETE /api/environments/:id/secrets/:name': action('secret:write', 'environment', 'secret:write-production'),

  // Builds from git, and the git webhooks (signed with the project's secret; they act as the member who set it).
  'GET /api/environments/:id/builds': action('environment:read', 'environment'),
  'GET /api/builds/:id': action('environment:read', 'build'),
  'POST /api/builds/:id/cancel': action('deploy', 'build'),
  'GET /api/environments/:id/services/:serviceId/dockerfile': action('environment:read', 'environment'),
  'POST /api/projects/:id/webhook-secret': action('webhook:manage', 'project'),
  'GET /api/projects/:id/webhook-secret': action('webhook:read', 'project'),
  'DELETE /api/projects/:id/webhook-secret': action('webhook:manage', 'project'),
  'GET /api/projects/:id/webhook-deliveries': action('webhook:read', 'project'),
  'POST /api/hooks/github': publicRoute('the X-Hub-Signature-256 HMAC with the project secret is the credential; replays refused'),
  'POST /api/hooks/gitlab': publicRoute('the X-Gitlab-Token equal to the project secret is the credential; replays refused'),

  // Logs and metrics history (also for a share-link token, of its own environment only: share.test.ts).
  'GET /api/services/:id/logs': action('environment:read', 'service'),
  'GET /api/services/:id/metrics': action('environment:read', 'service'),

  // Alerts: rules, alerts, channels and their deliveries; the bell; mailed acknowledge links.
  'GET /api/alerts/unread': self('counts alerts of the projects the user may read'),
  'POST /api/alerts/seen': self('moves the own read mark'),
  'GET /api/projects/:id/alert-rules': action('alert:read', 'project'),
  'POST /api/projects/:id/alert-rules': action('alert:manage', 'project'),
  'GET /api/alert-rules/:id': action('alert:read', 'alert-rule'),
  'PATCH /api/alert-rules/:id': action('alert:manage', 'alert-rule'),
  'DELETE /api/alert-rules/:id': action('alert:manage', 'alert-rule'),
  'GET /api/projects/:id/alerts': action('alert:read', 'project'),
  'GET /api/alerts/:id': action('alert:read', 'alert'),
  'POST /api/alerts/:id/ack': action('alert:acknowledge', 'alert'),
  'GET /api/projects/:id/alert-channels': action('alert:read', 'project'),
  'POST /api/projects/:id/alert-channels': action('alert:manage', 'project'),
  'PATCH /api/alert-channels/:id': action('alert:manage', 'alert-channel'),
  'DELETE /api/alert-channels/:id': action('alert:manage', 'alert-channel'),
  'POST /api/alert-channels/:id/rotate-secret': action('alert:manage', 'alert-channel'),
  'POST /api/alert-channels/:id/test': action('alert:manage', 'alert-channel'),
  'GET /api/alert-channels/:id/deliveries': action('alert:read', 'alert-channel'),
  'GET /alerts/ack/:token': publicRoute('the signed, expiring token mailed to one recipient is the credential; shows one alert'),
  'POST /alerts/ack/:token': publicRoute('the signed, expiring token mailed to one recipient is the credential; acknowledges that alert'),

  // Nodes.
  'GET /api/nodes': self("lists shared nodes and the nodes of the user's teams"),
  'GET /api/overview': self('nodes the user may see (node:read), containers of environments the user may read (environment:read)'),
  'POST /api/nodes/join-tokens': action('node:manage', 'team'),
  'GET /api/nodes/join-tokens': self('lists the join tokens of the teams the user manages'),
  'DELETE /api/join-tokens/:id': action('node:manage', 'join-token'),
};

export type RouteKey = `${string} /${string}`;

/**
 * Every `METHOD /path` the express app (or router) answers, mounted routers
 * included, with their mount paths. Middleware without routes (body parsers,
 * auth, static files, catch-alls such as Remix's `*`) is not a route.
 */
export function listRoutes(router: Router | { _router?: Router }): string[] {
  type Layer = {
    route?: { path: string | string[]; methods: Record<string, boolean> };
    handle: { stack?: Layer[] };
    regexp: RegExp & { fast_slash?: boolean; fast_star?: boolean };
    keys: { name: string | number }[];
  };
  const root = ('_router' in router && router._router ? router._router : router) as unknown as { stack: Layer[] };
  const out: string[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      // Not an express layer (e.g. the entries of Vite's connect middleware stack in development).
      if (!(layer.regexp instanceof RegExp)) continue;
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths) {
          if (path === '*') continue;
          for (const method of Object.keys(layer.route.methods)) {
            if (method === '_all') continue;
            out.push(`${method.toUpperCase()} ${prefix}${path}`);
          }
        }
      } else if (layer.handle.stack) {
        walk(layer.handle.stack, prefix + mountPath(layer));
      }
    }
  };
  walk(root.stack, '');
  return [...new Set(out)].sort();
}

/**
 * The path a router was mounted at, read back from the regexp express 4 keeps
 * (path-to-regexp 0.1: `^\/hooks(?:\/([^/]+?))\/?(?=\/|$)` for `/hooks/:kind`).
 */
function mountPath(layer: { regexp: RegExp & { fast_slash?: boolean }; keys: { name: string | number }[] }): string {
  if (layer.regexp.fast_slash) return '';
  let i = 0;
  const path = layer.regexp.source
    .replace(/^\^/, '')
    .replace(/\\\/\?\(\?=\\\/\|\$\)$/, '')
    .replace(/\(\?:\\\/\(\[\^\/\]\+\?\)\)/g, () => `/:${String(layer.keys[i++]?.name ?? i)}`)
    .replace(/\\(.)/g, '$1');
  if (!path.startsWith('/') || /[()[\]^$?*+|]/.test(path)) throw new Error(`cannot read the mount path of ${layer.regexp.source}`);
  return path;
}

/**
 * The Remix pages, by route file in app/routes (without the extension). Their
 * loaders and actions check the same domain services; the test opens each
 * page as every actor. `get: false`: the route has no page of its own (a
 * pathless layout, or an action-only route), so only its action is posted to.
 */
export type PageRule = { rule: RouteRule; get?: false };

export const PAGE_PERMISSIONS: Record<string, PageRule> = {
  _index: { rule: publicRoute('sends to /projects or /login') },
  login: { rule: publicRoute('logging in') },
  signup: { rule: publicRoute('creating an account') },
  logout: { rule: publicRoute('ends the session, if any'), get: false },
  'reset._index': { rule: publicRoute('asking for a reset link') },
  'reset.$token': { rule: publicRoute('the mailed token is the credential') },
  'verify.$token': { rule: publicRoute('the mailed token is the credential') },
  'invite.$token': { rule: publicRoute('shows the invitation; accepting needs an account') },
  'share.$token': { rule: publicRoute('a share link is the credential: one environment, read-only') },
  // Sets the current team: only a team the user is in (another is 404).
  'teams.switch': { rule: action('team:read', 'team'), get: false },
  _app: { rule: self('the signed-in shell'), get: false },
  '_app.projects._index': { rule: self('lists only the projects the user may read') },
  '_app.settings.account': { rule: self('the own account') },
  '_app.settings.tokens': { rule: self('the own API tokens') },
  '_app.teams.new': { rule: self('anyone may start a team') },
  '_app.audit': { rule: self('entries of the teams and projects the user may read') },
  '_app.nodes': { rule: self('shared nodes and the nodes of the own teams') },
  '_app.overview': { rule: self('nodes the user may see, containers of environments the user may read') },
  '_app.outbox': { rule: INSTANCE_ADMIN },
  '_app.teams.$teamId.members': { rule: action('member:read', 'team') },
  '_app.projects.$projectId': { rule: action('project:read', 'project') },
  '_app.projects.$projectId._index': { rule: action('project:read', 'project') },
  '_app.projects.$projectId.settings': { rule: action('project:read', 'project') },
  '_app.projects.$projectId.deployments': { rule: action('environment:read', 'project') },
  '_app.projects.$projectId.secrets': { rule: action('environment:read', 'project') },
  '_app.projects.$projectId.alerts': { rule: action('project:read', 'project') },
  '_app.projects.$projectId.env.$environmentId': { rule: action('environment:read', 'environment') },
};

/** A Remix flat-routes file name → its URL pattern (`_app.projects.$projectId.env.$environmentId` → `/projects/:projectId/env/:environmentId`). */
export function pagePath(routeId: string): string {
  const segments = routeId
    .split('.')
    .filter((s) => !s.startsWith('_'))
    .map((s) => (s.startsWith('$') ? `:${s.slice(1)}` : s));
  return `/${segments.join('/')}`;
}
