// Teams and their members: creating, renaming, deleting and transferring a
// team; listing members, changing roles and removing members. Who may do what
// comes from the permission table; refused attempts to change roles or
// membership are audit-logged as security events.
import { and, asc, count, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { projectMembers, projects, teamMembers, teams, users, type Role } from '../../db/schema';
import type { Actor, Audit } from '../audit/service';
import { can, type Action } from '../auth/permissions';
import type { Clock } from '../clock';
import { conflict, type DomainError, forbidden, invalid, notFound } from '../errors';
import { newId } from '../ids';

export type TeamSummary = { id: string; name: string; personal: boolean; role: Role };
export type Member = { userId: string; name: string; email: string; role: Role; joinedAt: Date };
type Tx = Pick<Db, 'insert' | 'select' | 'update' | 'delete'>;

export function createTeams(db: Db, clock: Clock, audit: Audit) {
  function roleOf(userId: string, teamId: string): Role | null {
    const row = db
      .select({ role: teamMembers.role })
      .from(teamMembers)
      .where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId)))
      .get();
    return row?.role ?? null;
  }

  function teamRow(teamId: string) {
    return db.select().from(teams).where(eq(teams.id, teamId)).get();
  }

  function ownerCount(teamId: string): number {
    return (
      db
        .select({ n: count() })
        .from(teamMembers)
        .where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.role, 'owner')))
        .get()?.n ?? 0
    );
  }

  /** Records a refused attempt as a security event and returns the error to throw. */
  function refuse(actor: Actor, teamId: string, operation: string, error: DomainError, details: Record<string, unknown> = {}) {
    audit.record({
      actor,
      action: 'security.denied',
      target: { type: 'team', id: teamId },
      teamId,
      details: { operation, reason: error.message, code: error.code, ...details },
    });
    return error;
  }

  /** The actor's role in a team they belong to; a team they are not in is "not found". */
  function membership(actor: Actor, teamId: string) {
    const team = teamRow(teamId);
    const role = team ? roleOf(actor.userId, teamId) : null;
    if (!team || !role) throw notFound('team');
    return { team, role };
  }

  function authorize(actor: Actor, teamId: string, action: Action, operation: string, details?: Record<string, unknown>) {
    const { team, role } = membership(actor, teamId);
    if (!can(role, action)) throw refuse(actor, teamId, operation, forbidden(`a ${role} cannot do this`), details);
    return { team, role };
  }

  function listMembers(teamId: string): Member[] {
    return db
      .select({ userId: users.id, name: users.name, email: users.email, role: teamMembers.role, joinedAt: teamMembers.createdAt })
      .from(teamMembers)
      .innerJoin(users, eq(users.id, teamMembers.userId))
      .where(eq(teamMembers.teamId, teamId))
      .orderBy(asc(teamMembers.createdAt), asc(users.name))
      .all();
  }

  function summary(team: typeof teams.$inferSelect, role: Role): TeamSummary {
    return { id: team.id, name: team.name, personal: team.personal, role };
  }

  function addMember(tx: Tx, teamId: string, userId: string, role: Role) {
    tx.insert(teamMembers).values({ teamId, userId, role, createdAt: new Date(clock.now()) }).run();
  }

  /** Project-level grants end with team membership, so rejoining later does not restore them. */
  function dropProjectGrants(tx: Tx, teamId: string, userId: string) {
    const ids = tx.select({ id: projects.id }).from(projects).where(eq(projects.teamId, teamId)).all().map((p) => p.id);
    if (ids.length) tx.delete(projectMembers).where(and(eq(projectMembers.userId, userId), inArray(projectMembers.projectId, ids))).run();
  }

  return {
    roleOf,
    membership,
    authorize,
    refuse,
    addMember,

    /** The team every account gets at sign-up; call inside the sign-up transaction. */
    createPersonal(tx: Pick<Db, 'insert'>, user: { id: string; name: string }): string {
      const id = newId();
      const now = new Date(clock.now());
      tx.insert(teams).values({ id, name: `${user.name}'s team`, personal: true, createdAt: now }).run();
      tx.insert(teamMembers).values({ teamId: id, userId: user.id, role: 'owner', createdAt: now }).run();
      return id;
    },

    listForUser(userId: string): TeamSummary[] {
      return db
        .select({ id: teams.id, name: teams.name, personal: teams.personal, role: teamMembers.role })
        .from(teamMembers)
        .innerJoin(teams, eq(teams.id, teamMembers.teamId))
        .where(eq(teamMembers.userId, userId))
        .orderBy(teams.personal, teams.name)
        .all()
        .sort((a, b) => Number(b.personal) - Number(a.personal) || a.name.localeCompare(b.name));
    },

    get(actor: Actor, teamId: string): TeamSummary {
      const { team, role } = membership(actor, teamId);
      return summary(team, role);
    },

    create(actor: Actor, name: string): TeamSummary {
      const team = { id: newId(), name, personal: false, createdAt: new Date(clock.now()) };
      db.transaction((tx) => {
        tx.insert(teams).values(team).run();
        addMember(tx, team.id, actor.userId, 'owner');
      });
      audit.record({ actor, action: 'team.create', target: { type: 'team', id: team.id }, teamId: team.id, details: { name } });
      return summary(team, 'owner');
    },

    rename(actor: Actor, teamId: string, name: string): TeamSummary {
      const { team, role } = authorize(actor, teamId, 'team:update', 'team.rename');
      db.update(teams).set({ name }).where(eq(teams.id, teamId)).run();
      audit.record({ actor, action: 'team.rename', target: { type: 'team', id: teamId }, teamId, details: { from: team.name, to: name } });
      return summary({ ...team, name }, role);
    },

    remove(actor: Actor, teamId: string): void {
      const { team } = authorize(actor, teamId, 'team:delete', 'team.delete');
      if (team.personal) throw conflict('a personal team cannot be deleted');
      // Cascades to members, invites, quotas, projects and their environments; the audit log keeps its rows.
      db.delete(teams).where(eq(teams.id, teamId)).run();
      audit.record({ actor, action: 'team.delete', target: { type: 'team', id: teamId }, teamId, details: { name: team.name } });
    },

    members(actor: Actor, teamId: string): Member[] {
      authorize(actor, teamId, 'member:read', 'member.list');
      return listMembers(teamId);
    },

    changeRole(actor: Actor, teamId: string, userId: string, role: Role): Member {
      const details = { userId, to: role };
      const { role: actorRole } = authorize(actor, teamId, 'member:update-role', 'member.role_change', details);
      const current = roleOf(userId, teamId);
      if (!current) throw notFound('member');
      if ((current === 'owner' || role === 'owner') && !can(actorRole, 'member:manage-owners')) {
        throw refuse(actor, teamId, 'member.role_change', forbidden('only an owner can change an owner’s role or make someone an owner'), {
          ...details,
          from: current,
        });
      }
      if (current === 'owner' && role !== 'owner' && ownerCount(teamId) <= 1) {
        throw refuse(actor, teamId, 'member.role_change', conflict('a team needs at least one owner: make someone else owner first'), {
          ...details,
          from: current,
        });
      }
      if (current !== role) {
        db.update(teamMembers)
          .set({ role })
          .where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId)))
          .run();
        audit.record({ actor, action: 'member.role_change', target: { type: 'user', id: userId }, teamId, details: { from: current, to: role } });
      }
      const member = listMembers(teamId).find((m) => m.userId === userId);
      if (!member) throw notFound('member');
      return member;
    },

    /** Removes a member; a member removing themselves leaves the team. */
    removeMember(actor: Actor, teamId: string, userId: string): void {
      const self = userId === actor.userId;
      const operation = self ? 'member.leave' : 'member.remove';
      const { role: actorRole } = self ? membership(actor, teamId) : authorize(actor, teamId, 'member:remove', operation, { userId });
      const current = roleOf(userId, teamId);
      if (!current) throw notFound('member');
      if (!self && current === 'owner' && !can(actorRole, 'member:manage-owners')) {
        throw refuse(actor, teamId, operation, forbidden('only an owner can remove an owner'), { userId, role: current });
      }
      if (current === 'owner' && ownerCount(teamId) <= 1) {
        const message = self
          ? 'you are the last owner: make someone else owner, or delete the team'
          : 'a team needs at least one owner';
        throw refuse(actor, teamId, operation, conflict(message), { userId, role: current });
      }
      db.transaction((tx) => {
        tx.delete(teamMembers).where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId))).run();
        dropProjectGrants(tx, teamId, userId);
      });
      audit.record({ actor, action: operation, target: { type: 'user', id: userId }, teamId, details: { role: current } });
    },

    /** Makes another member the owner; the previous owner stays on as an admin. */
    transfer(actor: Actor, teamId: string, userId: string): void {
      const { team } = authorize(actor, teamId, 'team:transfer', 'team.transfer', { userId });
      if (team.personal) throw conflict('a personal team cannot be transferred');
      if (userId === actor.userId) throw invalid('choose another member', [{ path: 'userId', message: 'choose another member' }]);
      const current = roleOf(userId, teamId);
      if (!current) throw notFound('member');
      db.transaction((tx) => {
        tx.update(teamMembers).set({ role: 'owner' }).where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId))).run();
        tx.update(teamMembers).set({ role: 'admin' }).where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, actor.userId))).run();
      });
      audit.record({ actor, action: 'team.transfer', target: { type: 'user', id: userId }, teamId, details: { from: actor.userId, previousRole: current } });
    },
  };

}

export type Teams = ReturnType<typeof createTeams>;
