// The public JSON API (/api/*). Handlers parse input with zod, call a domain
// service and return JSON; errors become { error: { code, message, issues? } }.
import express, { Router } from 'express';
import { z } from 'zod';
import { actorOf, type Services } from '../services';
import { apiNotFound, parse } from './errors';
import { accountApi } from './account-api';
import { alertsApi } from './alerts-api';
import { clientIp, requireViewer } from './context';
import { buildsApi } from './builds-api';
import { deployApi } from './deploy-api';
import { hooksApi, webhooksApi } from './hooks-api';
import { environmentsApi } from './environments-api';
import { h } from './handler';
import { nodesApi } from './nodes-api';
import { overviewApi } from './overview-api';
import { telemetryApi } from './telemetry-api';
import { teamsApi } from './teams-api';
import { email, password, personName, projectName } from './schemas';

const signupBody = z.object({ email, password, name: personName });
const loginBody = z.object({ email: z.string().max(254), password: z.string().max(256) });
const tokenBody = z.object({ name: z.string().trim().min(1, 'enter a name').max(64) });
const projectBody = z.object({ name: projectName, teamId: z.string().min(1).optional(), description: z.string().max(500).optional() });
const projectPatch = z
  .object({ name: projectName.optional(), description: z.string().max(500).optional() })
  .refine((p) => Object.keys(p).length > 0, 'send at least one field to change');

const SIGNUP_MESSAGE = 'Check your email to confirm your address.';

export function createApi(services: Services): Router {
  const { auth, tokens, projects, teams } = services;
  const api = Router();
  // Before the JSON parser: webhook signatures are over the raw body.
  api.use(hooksApi(services));
  api.use(express.json({ limit: '1mb', strict: true }));

  api.post(
    '/auth/signup',
    h(async (req, res) => {
      const input = parse(signupBody, req.body);
      const result = await auth.signup(input, clientIp(req));
      // An existing address gets no session and no hint beyond "check your email" (decision 004).
      if (result.status === 'exists') {
        res.status(202);
        return { status: 'check-email', message: SIGNUP_MESSAGE };
      }
      res.append('Set-Cookie', result.cookie.serialize()).status(201);
      return { user: result.user, teamId: result.teamId, status: 'created', message: SIGNUP_MESSAGE };
    }),
  );
  api.post(
    '/auth/login',
    h(async (req, res) => {
      const input = parse(loginBody, req.body);
      const { user, cookie } = await auth.login(input, clientIp(req));
      res.append('Set-Cookie', cookie.serialize());
      return { user };
    }),
  );
  api.post(
    '/auth/logout',
    h(async (req, res) => {
      const cookie = await auth.logout(requireViewer(req));
      res.append('Set-Cookie', cookie.serialize());
    }),
  );

  api.get(
    '/me',
    h((req) => {
      const viewer = requireViewer(req);
      return { user: viewer.user, teams: teams.listForUser(viewer.user.id) };
    }),
  );
  api.get('/teams', h((req) => ({ teams: teams.listForUser(requireViewer(req).user.id) })));

  api.get('/tokens', h((req) => ({ tokens: tokens.list(requireViewer(req).user.id) })));
  api.post(
    '/tokens',
    h((req, res) => {
      const viewer = requireViewer(req);
      const { name } = parse(tokenBody, req.body);
      res.status(201);
      return tokens.create(actorOf(viewer), name);
    }),
  );
  api.delete('/tokens/:id', h((req) => tokens.revoke(actorOf(requireViewer(req)), req.params.id)));

  api.get(
    '/projects',
    h((req) => {
      const teamId = typeof req.query.teamId === 'string' ? req.query.teamId : undefined;
      return { projects: projects.list(actorOf(requireViewer(req)), teamId) };
    }),
  );
  api.post(
    '/projects',
    h((req, res) => {
      const viewer = requireViewer(req);
      const input = parse(projectBody, req.body);
      const teamId = input.teamId ?? teams.listForUser(viewer.user.id).find((t) => t.personal)?.id ?? '';
      res.status(201);
      return projects.create(actorOf(viewer), { ...input, teamId });
    }),
  );
  api.get('/projects/:id', h((req) => projects.get(actorOf(requireViewer(req)), req.params.id)));
  api.patch(
    '/projects/:id',
    h((req) => {
      const actor = actorOf(requireViewer(req));
      return { project: projects.update(actor, req.params.id, parse(projectPatch, req.body)) };
    }),
  );
  api.delete('/projects/:id', h((req) => projects.remove(actorOf(requireViewer(req)), req.params.id)));

  api.get(
    '/projects/:id/environments',
    h((req) => ({ environments: projects.listEnvironments(actorOf(requireViewer(req)), req.params.id) })),
  );
  // POST /projects/:id/environments (create, fork, preview) is in environments-api.ts.
  api.delete(
    '/environments/:id',
    h((req) => projects.removeEnvironment(actorOf(requireViewer(req)), req.params.id)),
  );

  api.use(teamsApi(services), accountApi(services), nodesApi(services), deployApi(services), telemetryApi(services), environmentsApi(services), overviewApi(services));
  api.use(buildsApi(services), webhooksApi(services));
  api.use(alertsApi(services));
  api.use(apiNotFound);
  return api;
}
