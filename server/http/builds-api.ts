// Builds of git-sourced services:
//   GET /api/environments/:id/builds?serviceId&limit&before · GET /api/builds/:id (with its log)
//   POST /api/builds/:id/cancel · GET /api/environments/:id/services/:serviceId/dockerfile
// Mounted by api.ts after the JSON body parser.
import { Router } from 'express';
import { z } from 'zod';
import { actorOf, type Services } from '../services';
import { requireViewer } from './context';
import { parse } from './errors';
import { h } from './handler';

const listQuery = z.object({
  serviceId: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  /** Epoch ms: builds created before (the `createdAt` of the last one of the previous page). */
  before: z.coerce.number().int().positive().optional(),
});

export function buildsApi(services: Services): Router {
  const { buildAccess } = services;
  const api = Router();

  api.get(
    '/environments/:id/builds',
    h((req) => {
      const { before, ...query } = parse(listQuery, req.query);
      const actor = actorOf(requireViewer(req));
      return { builds: buildAccess.list(actor, req.params.id, { ...query, ...(before ? { before: new Date(before) } : {}) }) };
    }),
  );
  api.get(
    '/builds/:id',
    h((req) => ({ build: buildAccess.get(actorOf(requireViewer(req)), req.params.id) })),
  );
  api.post(
    '/builds/:id/cancel',
    h((req) => ({ build: buildAccess.cancel(actorOf(requireViewer(req)), req.params.id) })),
  );
  api.get(
    '/environments/:id/services/:serviceId/dockerfile',
    h((req) => buildAccess.dockerfile(actorOf(requireViewer(req)), req.params.id, req.params.serviceId)),
  );
  return api;
}
