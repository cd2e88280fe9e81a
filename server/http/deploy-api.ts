// Commits, deployments, status and secrets:
//   /api/environments/:id/commits · /api/commits/:id(/rollback|/redeploy)
//   /api/environments/:id/deployments · /api/deployments/:id(/cancel)
//   /api/environments/:id/status · /api/environments/:id/secrets(/:name)
// Mounted by api.ts after the JSON body parser.
import { Router } from 'express';
import { z } from 'zod';
import { notFound } from '../errors';
import { actorOf, type Services } from '../services';
import { requireViewer } from './context';
import { parse } from './errors';
import { h } from './handler';

const commitBody = z.object({ message: z.string().max(2000).optional(), deploy: z.boolean().default(true) }).strict();
const rollbackBody = z.object({ message: z.string().max(2000).optional() }).strict();
const page = z.object({
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});
const secretBody = z.object({ value: z.string() }).strict();

export function deployApi(services: Services): Router {
  const { deploy, secrets, projects } = services;
  const { commits } = deploy;
  const api = Router();

  api.post(
    '/environments/:id/commits',
    h(async (req, res) => {
      const actor = actorOf(requireViewer(req));
      const input = parse(commitBody, req.body ?? {});
      const result = await commits.commit(actor, req.params.id, input);
      res.status(201);
      return result;
    }),
  );
  api.get(
    '/environments/:id/commits',
    h((req) => ({ commits: commits.listCommits(actorOf(requireViewer(req)), req.params.id, parse(page, req.query)) })),
  );
  api.get('/commits/:id', h((req) => ({ commit: commits.getCommit(actorOf(requireViewer(req)), req.params.id) })));
  api.post(
    '/commits/:id/rollback',
    h((req, res) => {
      const actor = actorOf(requireViewer(req));
      const result = commits.rollback(actor, req.params.id, parse(rollbackBody, req.body ?? {}));
      res.status(201);
      return result;
    }),
  );
  api.post(
    '/commits/:id/redeploy',
    h((req, res) => {
      const result = commits.redeploy(actorOf(requireViewer(req)), req.params.id);
      res.status(201);
      return result;
    }),
  );

  api.get(
    '/environments/:id/deployments',
    h((req) => ({ deployments: commits.listDeployments(actorOf(requireViewer(req)), req.params.id, parse(page, req.query)) })),
  );
  api.get('/deployments/:id', h((req) => ({ deployment: commits.getDeployment(actorOf(requireViewer(req)), req.params.id) })));
  api.post('/deployments/:id/cancel', h((req) => commits.cancel(actorOf(requireViewer(req)), req.params.id)));

  api.get(
    '/environments/:id/status',
    h((req) => {
      projects.environmentAccess(actorOf(requireViewer(req)), req.params.id, 'environment:read');
      const status = deploy.reconciler.status(req.params.id);
      if (!status) throw notFound('environment');
      return status;
    }),
  );

  api.get('/environments/:id/secrets', h((req) => ({ secrets: secrets.list(actorOf(requireViewer(req)), req.params.id) })));
  api.put(
    '/environments/:id/secrets/:name',
    h((req, res) => {
      const actor = actorOf(requireViewer(req));
      const { value } = parse(secretBody, req.body ?? {});
      const { created } = secrets.put(actor, req.params.id, req.params.name, value);
      res.status(created ? 201 : 200);
      return { secret: secrets.list(actor, req.params.id).find((s) => s.name === req.params.name) };
    }),
  );
  api.delete(
    '/environments/:id/secrets/:name',
    h((req) => {
      secrets.remove(actorOf(requireViewer(req)), req.params.id, req.params.name);
    }),
  );

  return api;
}
