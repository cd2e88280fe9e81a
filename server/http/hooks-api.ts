// Git webhooks and their management:
//   POST /api/hooks/github · POST /api/hooks/gitlab (?project=<id>; signature-verified, raw body)
//   POST/GET/DELETE /api/projects/:id/webhook-secret · GET /api/projects/:id/webhook-deliveries
// `hooksApi` is mounted by api.ts before the JSON body parser: the GitHub
// signature is over the exact bytes sent. `webhooksApi` goes after it.
import express, { Router } from 'express';
import { z } from 'zod';
import { MAX_WEBHOOK_BYTES } from '../builds/hooks';
import type { WebhookProvider } from '../../db/schema';
import { actorOf, type Services } from '../services';
import { requireViewer } from './context';
import { parse } from './errors';
import { h } from './handler';

const page = z.object({
  limit: z.coerce.number().int().min(1).max(200).optional(),
  before: z.coerce.number().int().positive().optional(),
});

export function hooksApi(services: Services): Router {
  const api = Router();
  // Any content type: GitHub may send application/json or x-www-form-urlencoded (the latter is refused as not JSON).
  const raw = express.raw({ type: () => true, limit: MAX_WEBHOOK_BYTES });
  const route = (provider: WebhookProvider) =>
    h(async (req, res) => {
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value[0] : value;
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const projectId = typeof req.query.project === 'string' ? req.query.project : undefined;
      const result = await services.hooks.handle(provider, { projectId, headers, body });
      res.status(result.status);
      return result.body;
    });
  api.post('/hooks/github', raw, route('github'));
  api.post('/hooks/gitlab', raw, route('gitlab'));
  return api;
}

export function webhooksApi(services: Services): Router {
  const { webhooks } = services;
  const api = Router();
  api.post(
    '/projects/:id/webhook-secret',
    h((req, res) => {
      res.status(201);
      return webhooks.rotate(actorOf(requireViewer(req)), req.params.id);
    }),
  );
  api.get(
    '/projects/:id/webhook-secret',
    h((req) => ({ webhook: webhooks.info(actorOf(requireViewer(req)), req.params.id) })),
  );
  api.delete(
    '/projects/:id/webhook-secret',
    h((req) => webhooks.remove(actorOf(requireViewer(req)), req.params.id)),
  );
  api.get(
    '/projects/:id/webhook-deliveries',
    h((req) => ({ deliveries: webhooks.deliveries(actorOf(requireViewer(req)), req.params.id, parse(page, req.query)) })),
  );
  return api;
}
