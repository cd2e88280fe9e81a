// Projects and their environments. Access goes through `access()`: a project
// in a team the user is not in, or restricted to other members of the team
// (project_members), is "not found", never "forbidden", so its existence is
// not revealed.
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { environments, projects, STANDARD_ENVIRONMENT, teamMembers, type Role } from '../../db/schema';
import type { Actor, Audit } from '../audit/service';
import { can, type Action } from '../auth/permissions';
import type { Clock } from '../clock';
import { conflict, DomainError, forbidden, notFound } from '../errors';
import { newId } from '../ids';
import { hiddenProjectIds } from '../teams/project-access';
import type { Quotas } from '../teams/quotas';
import type { Teams } from '../teams/service';

export type Project = typeof projects.$inferSelect;
export type Environment = typeof environments.$inferSelect;

export const DEFAULT_ENVIRONMENT = 'production';

export function createProjects(
  db: Db,
  audit: Audit,
  teams: Teams,
  clock: Clock,
  quotas: Pick<Quotas, 'assertCanCreateProject'>,
  /**
   * Called just before environments are deleted, so their containers,
   * network and volumes are torn down (it must read what it needs synchronously).
   */
  beforeEnvironmentsRemoved: (environmentIds: string[]) => void = () => {},
  /** Called once a project exists (its default alert rules are made here). */
  afterProjectCreated: (projectId: string) => void = () => {},
) {
  function access(actor: Actor, projectId: string, action: Action): { project: Project; role: Role } {
    const project = db.select().from(projects).where(eq(projects.id, projectId)).get();
    const role = project ? teams.roleOf(actor.userId, project.teamId) : null;
    if (!project || !role) throw notFound('project');
    if (!can(role, 'project:read-all') && hiddenProjectIds(db, actor.userId, [project.id]).size > 0) throw notFound('project');
    if (!can(role, action)) throw forbidden();
    return { project, role };
  }

  function environmentAccess(actor: Actor, environmentId: string, action: Action) {
    const environment = db.select().from(environments).where(eq(environments.id, environmentId)).get();
    if (!environment) throw notFound('environment');
    try {
      return { environment, ...access(actor, environment.projectId, action) };
    } catch (error) {
      // Hide the project's existence behind the environment's.
      if (error instanceof DomainError && error.code === 'NOT_FOUND') throw notFound('environment');
      throw error;
    }
  }

  function uniqueSlug(name: string): string {
    const base =
      name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 40)
        .replace(/-+$/, '') || 'project';
    const start = /^[a-z]/.test(base) ? base : `p-${base}`;
    for (let candidate = start, n = 2; ; candidate = `${start}-${n++}`) {
      if (!db.select({ id: projects.id }).from(projects).where(eq(projects.slug, candidate)).get()) return candidate;
    }
  }

  function listEnvironments(projectId: string): Environment[] {
    return db
      .select()
      .from(environments)
      .where(eq(environments.projectId, projectId))
      .orderBy(asc(environments.createdAt), asc(environments.name))
      .all();
  }

  return {
    access,
    environmentAccess,

    list(actor: Actor, teamId?: string): Project[] {
      const memberships = db
        .select({ teamId: teamMembers.teamId, role: teamMembers.role })
        .from(teamMembers)
        .where(eq(teamMembers.userId, actor.userId))
        .all()
        .filter((m) => !teamId || m.teamId === teamId);
      if (memberships.length === 0) return [];
      const rows = db
        .select()
        .from(projects)
        .where(
          inArray(
            projects.teamId,
            memberships.map((m) => m.teamId),
          ),
        )
        .orderBy(asc(projects.name))
        .all();
      const seesAll = new Set(memberships.filter((m) => can(m.role, 'project:read-all')).map((m) => m.teamId));
      const hidden = hiddenProjectIds(
        db,
        actor.userId,
        rows.filter((p) => !seesAll.has(p.teamId)).map((p) => p.id),
      );
      return rows.filter((p) => !hidden.has(p.id));
    },

    get(actor: Actor, projectId: string) {
      const { project, role } = access(actor, projectId, 'project:read');
      return { project, role, environments: listEnvironments(project.id) };
    },

    create(actor: Actor, input: { name: string; teamId: string; description?: string }) {
      const role = teams.roleOf(actor.userId, input.teamId);
      if (!role) throw notFound('team');
      if (!can(role, 'project:create')) throw forbidden();
      quotas.assertCanCreateProject(input.teamId);
      const taken = db
        .select({ id: projects.id })
        .from(projects)
        .where(and(eq(projects.teamId, input.teamId), eq(projects.name, input.name)))
        .get();
      if (taken) throw conflict(`a project named "${input.name}" already exists in this team`, 'name');

      const now = new Date(clock.now());
      const project: Project = {
        id: newId(),
        teamId: input.teamId,
        name: input.name,
        slug: uniqueSlug(input.name),
        description: input.description ?? '',
        createdAt: now,
        updatedAt: now,
      };
      const environment: Environment = { id: newId(), projectId: project.id, name: DEFAULT_ENVIRONMENT, createdAt: now, ...STANDARD_ENVIRONMENT };
      db.transaction((tx) => {
        tx.insert(projects).values(project).run();
        tx.insert(environments).values(environment).run();
      });
      afterProjectCreated(project.id);
      audit.record({
        actor,
        action: 'project.create',
        target: { type: 'project', id: project.id },
        teamId: project.teamId,
        projectId: project.id,
        details: { name: project.name },
      });
      return { project, environments: [environment] };
    },

    update(actor: Actor, projectId: string, patch: { name?: string; description?: string }) {
      const { project } = access(actor, projectId, 'project:update');
      if (patch.name && patch.name !== project.name) {
        const taken = db
          .select({ id: projects.id })
          .from(projects)
          .where(and(eq(projects.teamId, project.teamId), eq(projects.name, patch.name)))
          .get();
        if (taken) throw conflict(`a project named "${patch.name}" already exists in this team`, 'name');
      }
      const updated = { ...project, ...patch, updatedAt: new Date(clock.now()) };
      db.update(projects)
        .set({ name: updated.name, description: updated.description, updatedAt: updated.updatedAt })
        .where(eq(projects.id, projectId))
        .run();
      audit.record({
        actor,
        action: 'project.update',
        target: { type: 'project', id: projectId },
        teamId: project.teamId,
        projectId,
        details: { before: { name: project.name, description: project.description }, after: patch },
      });
      return updated;
    },

    remove(actor: Actor, projectId: string): void {
      const { project } = access(actor, projectId, 'project:delete');
      beforeEnvironmentsRemoved(listEnvironments(projectId).map((e) => e.id));
      db.delete(projects).where(eq(projects.id, projectId)).run();
      audit.record({
        actor,
        action: 'project.delete',
        target: { type: 'project', id: projectId },
        teamId: project.teamId,
        projectId,
        details: { name: project.name },
      });
    },

    listEnvironments(actor: Actor, projectId: string): Environment[] {
      access(actor, projectId, 'environment:read');
      return listEnvironments(projectId);
    },

    createEnvironment(actor: Actor, projectId: string, input: { name: string }): Environment {
      const { project } = access(actor, projectId, 'environment:create');
      const taken = db
        .select({ id: environments.id })
        .from(environments)
        .where(and(eq(environments.projectId, projectId), eq(environments.name, input.name)))
        .get();
      if (taken) throw conflict(`an environment named "${input.name}" already exists`, 'name');
      const environment: Environment = { id: newId(), projectId, name: input.name, createdAt: new Date(clock.now()), ...STANDARD_ENVIRONMENT };
      db.insert(environments).values(environment).run();
      audit.record({
        actor,
        action: 'environment.create',
        target: { type: 'environment', id: environment.id },
        teamId: project.teamId,
        projectId,
        details: { name: input.name },
      });
      return environment;
    },

    removeEnvironment(actor: Actor, environmentId: string): void {
      const { environment, project } = environmentAccess(actor, environmentId, 'environment:delete');
      if (listEnvironments(project.id).length === 1) {
        throw conflict('a project keeps at least one environment; delete the project instead');
      }
      beforeEnvironmentsRemoved([environmentId]);
      db.delete(environments).where(eq(environments.id, environmentId)).run();
      audit.record({
        actor,
        action: 'environment.delete',
        target: { type: 'environment', id: environmentId },
        teamId: project.teamId,
        projectId: project.id,
        details: { name: environment.name },
      });
    },
  };
}

export type Projects = ReturnType<typeof createProjects>;
