import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { teamMembers, teams, type Role } from '../../db/schema';
import type { Clock } from '../clock';
import { newId } from '../ids';

export type TeamSummary = { id: string; name: string; personal: boolean; role: Role };

export function createTeams(db: Db, clock: Clock) {
  return {
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

    roleOf(userId: string, teamId: string): Role | null {
      const row = db
        .select({ role: teamMembers.role })
        .from(teamMembers)
        .where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId)))
        .get();
      return row?.role ?? null;
    },
  };
}

export type Teams = ReturnType<typeof createTeams>;
