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

const VITE = 'Vite’s dev server (development only): client modules and assets of the app, no data of ours';
const STATIC = 'the built client bundle (production only): files, no data of ours';

/**
 * Every handler the express app runs that is neither a route nor a router, as
 * `USE <mount path> <function name>`: these can answer requests too, so each is
 * named and explained here, and `listRoutes` refuses to walk past one it does
 * not know. (Anonymous functions cannot be told apart: give middleware a name.)
 */
export const MIDDLEWARE: Record<string, string> = {
  'USE / query': 'express: parses the query string',
  'USE / expressInit': 'express: request and response set-up',
  'USE / sameOrigin': 'refuses cookie-authenticated cross-site writes (CSRF); answers nothing itself',
  'USE / authenticateRequest': 'attaches the viewer from the session cookie or bearer token; answers nothing itself',
  'USE /api jsonParser': 'parses JSON bodies (size-limited)',
  'USE /api apiNotFound': 'the 404 for any /api path no route answers',
  'USE /alerts/ack urlencodedParser': 'parses the acknowledge form (size-limited)',
  'USE / handleError': 'turns errors into JSON statuses',
  'USE / viteRejectInvalidRequestMiddleware': VITE,
  'USE / corsMiddleware': VITE,
  'USE / viteHostCheckMiddleware': VITE,
  'USE / viteCachedTransformMiddleware': VITE,
  'USE / viteHMRPingMiddleware': VITE,
  'USE / viteServePublicMiddleware': VITE,
  'USE / viteTransformMiddleware': VITE,
  'USE / viteServeRawFsMiddleware': VITE,
  'USE / viteServeStaticMiddleware': VITE,
  'USE / viteErrorMiddleware': VITE,
  // Added by Vite on its first request; opens a file of the project in an editor on the server's machine.
  'USE /__open-in-editor launchEditorMiddleware': VITE,
  'USE /assets serveStatic': STATIC,
  'USE / serveStatic': STATIC,
};

/**
 * Every `METHOD /path` the express app (or router) answers, mounted routers
 * included, with their mount paths. Catch-all routes (Remix's `*`) are not
 * listed. Any other handler must be in `known` (MIDDLEWARE): an unknown one
 * throws, since it could answer requests no table mentions.
 */
export function listRoutes(router: Router | { _router?: Router }, known: Record<string, string> = MIDDLEWARE): string[] {
  type Layer = {
    name?: string;
    route?: { path: string | string[]; methods: Record<string, boolean> } | string;
    handle: { stack?: Layer[]; name: string };
    regexp: RegExp & { fast_slash?: boolean; fast_star?: boolean };
    keys: { name: string | number }[];
  };
  const root = ('_router' in router && router._router ? router._router : router) as unknown as { stack: Layer[] };
  const out: string[] = [];
  const unknown: string[] = [];
  const middleware = (path: string, name: string) => {
    const key = `USE ${path || '/'} ${name || '<anonymous>'}`;
    if (!(key in known)) unknown.push(key);
  };
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      // A connect app's entries (Vite's middleware stack in development): `route` is a path string.
      if (!(layer.regexp instanceof RegExp)) {
        middleware(prefix + (typeof layer.route === 'string' ? layer.route : ''), layer.handle.name);
        continue;
      }
      if (layer.route && typeof layer.route === 'object') {
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
      } else {
        middleware(prefix + mountPath(layer), layer.handle.name);
      }
    }
  };
  walk(root.stack, '');
  if (unknown.length > 0) {
    throw new Error(`handlers that are neither routes nor routers, not in MIDDLEWARE (route-permissions.ts): ${[...new Set(unknown)].join(', ')}`);
  }
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

/**
 * The Remix page actions, by route file and form `intent` (the literals of the
 * module's `discriminatedUnion('intent', …)`; `''` for an action without
 * intents). The test posts every intent as every actor and checks that each
 * action module's intents are exactly the ones listed here. `'public'`: the
 * action takes no session (login, sign-up, mailed links); its API twin is walked.
 */
export const PAGE_ACTIONS: Record<string, Record<string, RouteRule> | 'public'> = {
  login: 'public',
  signup: 'public',
  logout: 'public',
  'reset._index': 'public',
  'reset.$token': 'public',
  'verify.$token': 'public',
  'invite.$token': 'public',
  'teams.switch': { '': PAGE_PERMISSIONS['teams.switch'].rule },
  '_app.projects._index': { '': self('creates a project in the current team, which must be the user’s') },
  '_app.teams.new': { '': self('anyone may start a team') },
  '_app.settings.account': {
    'resend-verification': ROUTE_PERMISSIONS['POST /api/auth/verify/resend'],
    'change-email': ROUTE_PERMISSIONS['POST /api/auth/email'],
  },
  '_app.settings.tokens': {
    create: ROUTE_PERMISSIONS['POST /api/tokens'],
    revoke: ROUTE_PERMISSIONS['DELETE /api/tokens/:id'],
  },
  '_app.teams.$teamId.members': {
    invite: ROUTE_PERMISSIONS['POST /api/teams/:id/invites'],
    role: ROUTE_PERMISSIONS['PATCH /api/teams/:id/members/:userId'],
    remove: ROUTE_PERMISSIONS['DELETE /api/teams/:id/members/:userId'],
    revoke: ROUTE_PERMISSIONS['DELETE /api/invites/:id'],
    resend: ROUTE_PERMISSIONS['POST /api/invites/:id/resend'],
    rename: ROUTE_PERMISSIONS['PATCH /api/teams/:id'],
    transfer: ROUTE_PERMISSIONS['POST /api/teams/:id/transfer'],
    delete: ROUTE_PERMISSIONS['DELETE /api/teams/:id'],
    quota: ROUTE_PERMISSIONS['PUT /api/teams/:id/quota'],
  },
  '_app.projects.$projectId.settings': {
    rename: ROUTE_PERMISSIONS['PATCH /api/projects/:id'],
    delete: ROUTE_PERMISSIONS['DELETE /api/projects/:id'],
    'create-environment': ROUTE_PERMISSIONS['POST /api/projects/:id/environments'],
    'delete-environment': ROUTE_PERMISSIONS['DELETE /api/environments/:id'],
    access: ROUTE_PERMISSIONS['PUT /api/projects/:id/members'],
  },
  '_app.projects.$projectId.secrets': {
    set: ROUTE_PERMISSIONS['PUT /api/environments/:id/secrets/:name'],
    delete: ROUTE_PERMISSIONS['DELETE /api/environments/:id/secrets/:name'],
  },
};

// ── sockets and upgrades ─────────────────────────────────────────────────────

/** Who may open a socket.io namespace. */
export type SocketConnectRule =
  /** Nobody: the namespace refuses every connection. */
  | { kind: 'none'; why: string }
  /** A signed-in user (session cookie from our own origin, or `auth: { token }` with an API token); `shareLink`: a share-link token too. */
  | { kind: 'user'; shareLink: boolean }
  /** A node agent: `auth: { token }` with a join token or its node token; user credentials are refused. */
  | { kind: 'agent-token' };

/** What one client → server event of a namespace requires, once connected. */
export type SocketEventRule =
  /** For user namespaces; `shareLink`: what a share-link socket gets (its own environment only), if it may send this at all. */
  | { rule: RouteRule; shareLink?: 'own-environment' }
  /** For /agent: the event can only describe the sending node (its id comes from the token, not the payload). */
  | { rule: { kind: 'node'; why: string }; shareLink?: never };

export type SocketRule = { connect: SocketConnectRule; events: Record<string, SocketEventRule> };

const nodeOwn = (why: string): SocketEventRule => ({ rule: { kind: 'node', why } });

/**
 * Every socket.io namespace (`containr.surfaces().namespaces`) and every event a
 * client may send on it (the handlers the server registers on a connected
 * socket). The test fails for a namespace or an event without an entry here.
 */
export const SOCKET_PERMISSIONS: Record<string, SocketRule> = {
  '/': { connect: { kind: 'none', why: 'socket.io always has the main namespace; nothing is served on it' }, events: {} },
  '/live': {
    connect: { kind: 'user', shareLink: true },
    events: {
      subscribe: { rule: action('environment:read', 'environment'), shareLink: 'own-environment' },
      unsubscribe: { rule: self('leaves a room the socket is in; grants nothing'), shareLink: 'own-environment' },
    },
  },
  '/agent': {
    connect: { kind: 'agent-token' },
    events: {
      hello: nodeOwn('a node id other than the token’s disconnects the agent (agents/hub.test.ts)'),
      heartbeat: nodeOwn('keeps the own node alive'),
      inventory: nodeOwn('the own node’s containers, managed ones only'),
      'task:progress': nodeOwn('progress of a task sent to this node; other nodes’ task ids are not found'),
      'task:result': nodeOwn('result of a task sent to this node; other nodes’ task ids are not found'),
      logs: nodeOwn('log lines of containers on this node; the environment is read from the database, not the labels'),
      stats: nodeOwn('samples of containers on this node'),
      event: nodeOwn('engine events of containers on this node'),
    },
  },
};

/** Who may open a WebSocket upgrade that is not socket.io's. */
export type UpgradeRule =
  /** Yjs: `read` to open (read-only), `write` for updates to be kept; a share-link token reads its own environment. */
  | { kind: 'yjs'; read: RouteRule; write: Action; shareLink: 'read-only' }
  /** Handed to another listener whose own table applies. */
  | { kind: 'delegated'; why: string };

/** Every WebSocket upgrade the server routes (`containr.surfaces().upgrades`): path prefixes, and `protocol:<name>`. */
export const UPGRADE_PERMISSIONS: Record<string, UpgradeRule> = {
  '/sync/': { kind: 'yjs', read: action('environment:read', 'environment'), write: 'canvas:edit', shareLink: 'read-only' },
  '/socket.io/': { kind: 'delegated', why: 'socket.io: each namespace is in SOCKET_PERMISSIONS' },
  'protocol:vite-hmr': { kind: 'delegated', why: 'Vite’s hot reload, in development only: module updates, no data of ours' },
};

/** A Remix flat-routes file name → its URL pattern (`_app.projects.$projectId.env.$environmentId` → `/projects/:projectId/env/:environmentId`). */
export function pagePath(routeId: string): string {
  const segments = routeId
    .split('.')
    .filter((s) => !s.startsWith('_'))
    .map((s) => (s.startsWith('$') ? `:${s.slice(1)}` : s));
  return `/${segments.join('/')}`;
}
