// Teams, members, invitations, quotas, project access, the audit log and the
// mail outbox (/api/…). Mounted by api.ts after the JSON body parser.
import { Router } from 'express';
import { z } from 'zod';
import { notFound } from '../errors';
import { actorOf, type Services } from '../services';
import { requireViewer } from './context';
import { parse } from './errors';
import { h } from './handler';
import { email, linkToken, role, teamName } from './schemas';

const id = z.string().min(1).max(64);
const teamBody = z.object({ name: teamName });
const roleBody = z.object({ role });
const transferBody = z.object({ userId: id });
const inviteBody = z.object({ email, role });
const acceptBody = z.object({ token: linkToken });
const projectMembersBody = z.object({ userIds: z.array(id).max(500) });
const quotaValue = <T extends z.ZodNumber>(n: T) => n.positive().nullable().optional();
const quotaBody = z
  .object({
    maxProjects: quotaValue(z.number().int()),
    maxServices: quotaValue(z.number().int()),
    maxCpu: quotaValue(z.number()),
    maxMemoryMb: quotaValue(z.number().int()),
  })
  .strict();

/** An instant as epoch ms or an ISO 8601 date/time. */
const instant = z
  .string()
  .max(40)
  .transform((v, ctx) => {
    const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: 'use epoch milliseconds or an ISO 8601 date' });
      return z.NEVER;
    }
    return ms;
  });
const auditQuery = z.object({
  teamId: id.optional(),
  projectId: id.optional(),
  actor: z.string().max(254).optional(),
  action: z
    .string()
    .regex(/^[a-z0-9._-]{1,64}\*?$/, 'an action such as member.role_change, or a prefix such as member.*')
    .optional(),
  from: instant.optional(),
  to: instant.optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

export function teamsApi(services: Services): Router {
  const { teams, invites, quotas, projectAccess, auditReader, mailer, instanceAdmin } = services;
  const api = Router();
  const actor = (req: Parameters<typeof requireViewer>[0]) => actorOf(requireViewer(req));
  /** Instance-wide things are "not found" for everyone else. */
  const requireInstanceAdmin = (req: Parameters<typeof requireViewer>[0]) => {
    const viewer = requireViewer(req);
    if (!instanceAdmin.is(viewer.user.id)) throw notFound('page');
    return actorOf(viewer);
  };

  api.post(
    '/teams',
    h((req, res) => {
      const { name } = parse(teamBody, req.body);
      res.status(201);
      return { team: teams.create(actor(req), name) };
    }),
  );
  api.get(
    '/teams/:id',
    h((req) => {
      const team = teams.get(actor(req), req.params.id);
      return { team, quota: quotas.get(team.id), usage: quotas.usage(team.id) };
    }),
  );
  api.patch('/teams/:id', h((req) => ({ team: teams.rename(actor(req), req.params.id, parse(teamBody, req.body).name) })));
  api.delete('/teams/:id', h((req) => teams.remove(actor(req), req.params.id)));
  api.post('/teams/:id/transfer', h((req) => teams.transfer(actor(req), req.params.id, parse(transferBody, req.body).userId)));

  api.get('/teams/:id/members', h((req) => ({ members: teams.members(actor(req), req.params.id) })));
  api.patch(
    '/teams/:id/members/:userId',
    h((req) => ({ member: teams.changeRole(actor(req), req.params.id, req.params.userId, parse(roleBody, req.body).role) })),
  );
  api.delete('/teams/:id/members/:userId', h((req) => teams.removeMember(actor(req), req.params.id, req.params.userId)));

  api.get('/teams/:id/invites', h((req) => ({ invites: invites.list(actor(req), req.params.id) })));
  api.post(
    '/teams/:id/invites',
    h(async (req, res) => {
      const input = parse(inviteBody, req.body);
      const result = await invites.create(actor(req), req.params.id, input);
      res.status(201);
      return result;
    }),
  );
  api.post('/invites/accept', h((req) => invites.accept(actor(req), parse(acceptBody, req.body).token)));
  api.delete('/invites/:id', h((req) => invites.revoke(actor(req), req.params.id)));
  api.post('/invites/:id/resend', h((req) => invites.resend(actor(req), req.params.id)));

  api.get(
    '/teams/:id/quota',
    h((req) => {
      const team = teams.get(actor(req), req.params.id);
      return { quota: quotas.get(team.id), usage: quotas.usage(team.id) };
    }),
  );
  api.put(
    '/teams/:id/quota',
    h((req) => {
      const admin = requireInstanceAdmin(req);
      const patch = parse(quotaBody, req.body);
      return { quota: quotas.set(admin, req.params.id, patch) };
    }),
  );

  api.get('/projects/:id/members', h((req) => projectAccess.get(actor(req), req.params.id)));
  api.put('/projects/:id/members', h((req) => projectAccess.set(actor(req), req.params.id, parse(projectMembersBody, req.body).userIds)));

  api.get('/audit', h((req) => auditReader.read(actor(req), parse(auditQuery, req.query))));

  api.get(
    '/outbox',
    h((req) => {
      requireInstanceAdmin(req);
      return { transport: mailer.transport, mails: mailer.list({ limit: 200 }) };
    }),
  );
  api.get(
    '/outbox/:id',
    h((req) => {
      requireInstanceAdmin(req);
      const mail = mailer.get(req.params.id);
      if (!mail) throw notFound('mail');
      return { mail };
    }),
  );

  return api;
}
