// Project-level access. A project with rows in project_members is restricted:
// besides the team's owners and admins, only the listed members see it. The
// check itself lives in projects.access(); this module answers "which of these
// projects are hidden from this user" and manages the lists.
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { projectMembers, teamMembers, users, type Role } from '../../db/schema';
import type { Actor, Audit } from '../audit/service';
import type { Clock } from '../clock';
import { invalid } from '../errors';
import type { Projects } from '../projects/service';

/** The projects among `projectIds` that are restricted to members other than `userId`. */
export function hiddenProjectIds(db: Pick<Db, 'select'>, userId: string, projectIds: readonly string[]): Set<string> {
  if (projectIds.length === 0) return new Set();
  const rows = db
    .select({ projectId: projectMembers.projectId, userId: projectMembers.userId })
    .from(projectMembers)
    .where(inArray(projectMembers.projectId, [...projectIds]))
    .all();
  const restricted = new Set(rows.map((r) => r.projectId));
  for (const r of rows) if (r.userId === userId) restricted.delete(r.projectId);
  return restricted;
}

export type ProjectAccessMember = { userId: string; name: string; email: string; role: Role };

export function createProjectAccess(db: Db, audit: Audit, projects: Projects, clock: Clock) {
  function granted(projectId: string, teamId: string): ProjectAccessMember[] {
    return db
      .select({ userId: users.id, name: users.name, email: users.email, role: teamMembers.role })
      .from(projectMembers)
      .innerJoin(users, eq(users.id, projectMembers.userId))
      .innerJoin(teamMembers, and(eq(teamMembers.userId, users.id), eq(teamMembers.teamId, teamId)))
      .where(eq(projectMembers.projectId, projectId))
      .all();
  }

  return {
    /** Whether the project is restricted, and to whom (owners and admins always see it). */
    get(actor: Actor, projectId: string): { restricted: boolean; members: ProjectAccessMember[] } {
      const { project } = projects.access(actor, projectId, 'project:read');
      const members = granted(projectId, project.teamId);
      return { restricted: members.length > 0, members };
    },

    /** Replaces the list; an empty list opens the project to the whole team again. */
    set(actor: Actor, projectId: string, userIds: readonly string[]) {
      const { project } = projects.access(actor, projectId, 'project:manage-access');
      const wanted = [...new Set(userIds)];
      const inTeam = new Set(
        wanted.length
          ? db
              .select({ userId: teamMembers.userId })
              .from(teamMembers)
              .where(and(eq(teamMembers.teamId, project.teamId), inArray(teamMembers.userId, wanted)))
              .all()
              .map((r) => r.userId)
          : [],
      );
      const strangers = wanted.filter((id) => !inTeam.has(id));
      if (strangers.length) {
        throw invalid('only members of the team can be given access', strangers.map((id) => ({ path: 'userIds', message: `${id} is not a member of this team` })));
      }
      const now = new Date(clock.now());
      db.transaction((tx) => {
        tx.delete(projectMembers).where(eq(projectMembers.projectId, projectId)).run();
        for (const userId of wanted) tx.insert(projectMembers).values({ projectId, userId, createdAt: now }).run();
      });
      audit.record({
        actor,
        action: 'project.access_update',
        target: { type: 'project', id: projectId },
        teamId: project.teamId,
        projectId,
        details: { restricted: wanted.length > 0, userIds: wanted },
      });
      return { restricted: wanted.length > 0, members: granted(projectId, project.teamId) };
    },
  };
}

export type ProjectAccess = ReturnType<typeof createProjectAccess>;
