// Environments (forks, previews, renames, image overrides) and share links:
//   POST /api/projects/:id/environments · GET/PATCH /api/environments/:id
//   POST/GET /api/environments/:id/share-links · DELETE /api/share-links/:id
// Mounted by api.ts after the JSON body parser. Share-link tokens are never
// credentials here: /api takes session cookies and API tokens only.
import { Router } from 'express';
import { z } from 'zod';
import { actorOf, type Services } from '../services';
import { requireViewer } from './context';
import { parse } from './errors';
import { h } from './handler';
import { environmentName } from './schemas';

/** Up to 30 days; fractions allowed (a preview for a demo, or seconds in tests). */
const ttlHours = z.number().positive().max(720);
const serviceName = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'a service name');
const imageRef = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/, 'an image reference such as myapp:pr-42');

const createBody = z
  .object({
    name: environmentName,
    from: z.string().min(1).max(64).optional(),
    ttlHours: ttlHours.optional(),
    preview: z.boolean().optional(),
    copySecrets: z.boolean().optional(),
  })
  .strict();
const patchBody = z
  .object({
    name: environmentName.optional(),
    ttlHours: ttlHours.optional(),
    imageOverrides: z.record(serviceName, imageRef).nullable().optional(),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'send at least one field to change');
const shareBody = z.object({ ttlHours: ttlHours.optional() }).strict();

export function environmentsApi(services: Services): Router {
  const { environments, share } = services;
  const api = Router();

  api.post(
    '/projects/:id/environments',
    h(async (req, res) => {
      const actor = actorOf(requireViewer(req));
      const input = parse(createBody, req.body ?? {});
      const environment = await environments.create(actor, req.params.id, input);
      res.status(201);
      return { environment };
    }),
  );
  api.get('/environments/:id', h((req) => ({ environment: environments.get(actorOf(requireViewer(req)), req.params.id) })));
  api.patch(
    '/environments/:id',
    h(async (req) => {
      const actor = actorOf(requireViewer(req));
      return { environment: await environments.update(actor, req.params.id, parse(patchBody, req.body ?? {})) };
    }),
  );

  api.post(
    '/environments/:id/share-links',
    h((req, res) => {
      const actor = actorOf(requireViewer(req));
      const input = parse(shareBody, req.body ?? {});
      res.status(201);
      return share.create(actor, req.params.id, input);
    }),
  );
  api.get('/environments/:id/share-links', h((req) => ({ links: share.list(actorOf(requireViewer(req)), req.params.id) })));
  api.delete('/share-links/:id', h((req) => share.revoke(actorOf(requireViewer(req)), req.params.id)));

  return api;
}
