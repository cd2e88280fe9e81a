// Nodes and their join tokens (/api/nodes, /api/nodes/join-tokens, /api/join-tokens/:id).
// Mounted by api.ts after the JSON body parser.
import { Router } from 'express';
import { z } from 'zod';
import type { NodeInfo } from '../agents';
import { actorOf, type Services } from '../services';
import { requireViewer } from './context';
import { parse } from './errors';
import { h } from './handler';

/** No teamId: a shared node for the whole instance (instance admins only). */
const joinTokenBody = z.object({ teamId: z.string().min(1).max(64).optional() }).strict();

export function nodesApi(services: Services): Router {
  const { agents, env } = services;
  const api = Router();

  api.get(
    '/nodes',
    h((req) => ({ nodes: agents.listForActor(actorOf(requireViewer(req))).map(toJson) }))
  );

  api.post(
    '/nodes/join-tokens',
    h((req, res) => {
      const actor = actorOf(requireViewer(req));
      const { teamId } = parse(joinTokenBody, req.body ?? {});
      const created = agents.createJoinToken(actor, teamId ?? null);
      // The command goes back to the one who asked, so their own Host header is fine when no public URL is set.
      const server = (env.publicUrl ?? `${req.protocol}://${req.get('host')}`).replace(/\/+$/, '');
      res.status(201);
      return {
        id: created.id,
        teamId: created.teamId,
        token: created.token,
        expiresAt: created.expiresAt.toISOString(),
        command: `npm run agent -- --server ${server} --token ${created.token}`,
      };
    })
  );

  api.get(
    '/nodes/join-tokens',
    h((req) => ({ joinTokens: agents.listJoinTokens(actorOf(requireViewer(req))) }))
  );

  api.delete(
    '/join-tokens/:id',
    h((req) => agents.revokeJoinToken(actorOf(requireViewer(req)), req.params.id))
  );
  return api;
}

function toJson(node: NodeInfo) {
  return {
    id: node.id,
    name: node.name,
    teamId: node.teamId,
    shared: node.teamId === null,
    status: node.status,
    connected: node.connected,
    engineVersion: node.engineVersion,
    cpus: node.cpus,
    memoryBytes: node.memoryBytes,
    lastHeartbeatAt: node.lastHeartbeatAt === null ? null : new Date(node.lastHeartbeatAt).toISOString(),
    // What runs on a shared node is other teams' business: only its size shows.
    containers: node.teamId === null ? null : node.containers.length,
  };
}
