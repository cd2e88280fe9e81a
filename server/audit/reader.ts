// Reading the audit log as a user: only teams whose role may read it, never
// entries about projects restricted to other members, and client addresses
// only for roles that may see them.
import { inArray } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { projects as projectsTable } from '../../db/schema';
import { can } from '../auth/permissions';
import { notFound } from '../errors';
import type { Projects } from '../projects/service';
import { hiddenProjectIds } from '../teams/project-access';
import type { Teams } from '../teams/service';
import type { Actor, Audit, AuditRow } from './service';

export type AuditQuery = {
  teamId?: string;
  projectId?: string;
  /** A user id, or an email address (contains `@`). */
  actor?: string;
  action?: string;
  from?: number;
  to?: number;
  before?: number;
  limit?: number;
};

export type AuditPage = { entries: AuditRow[]; nextCursor: number | null };

export function createAuditReader({ db, audit, teams, projects }: { db: Db; audit: Audit; teams: Teams; projects: Projects }) {
  return {
    read(actor: Actor, query: AuditQuery): AuditPage {
      const memberships = teams
        .listForUser(actor.userId)
        .filter((t) => can(t.role, 'audit:read'))
        .filter((t) => !query.teamId || t.id === query.teamId);
      if (query.teamId && memberships.length === 0) throw notFound('team');
      if (query.projectId) projects.access(actor, query.projectId, 'project:read');

      const limitedTeams = memberships.filter((t) => !can(t.role, 'project:read-all')).map((t) => t.id);
      const candidateProjects = limitedTeams.length
        ? db.select({ id: projectsTable.id }).from(projectsTable).where(inArray(projectsTable.teamId, limitedTeams)).all().map((p) => p.id)
        : [];
      const hidden = [...hiddenProjectIds(db, actor.userId, candidateProjects)];

      const page = audit.page({
        teamIds: memberships.map((t) => t.id),
        projectId: query.projectId,
        actorId: query.actor && !query.actor.includes('@') ? query.actor : undefined,
        actorEmail: query.actor?.includes('@') ? query.actor : undefined,
        action: query.action,
        from: query.from,
        to: query.to,
        before: query.before,
        limit: query.limit,
        hiddenProjectIds: hidden,
      });
      const seesIp = new Set(memberships.filter((t) => can(t.role, 'audit:read-ip')).map((t) => t.id));
      return {
        entries: page.entries.map((e) => (e.teamId && seesIp.has(e.teamId) ? e : { ...e, ip: null })),
        nextCursor: page.nextCursor,
      };
    },
  };
}

export type AuditReader = ReturnType<typeof createAuditReader>;
