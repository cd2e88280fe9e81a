// The team whose projects the user is looking at, remembered in a cookie.
import { createCookie } from '@remix-run/node';
import type { TeamSummary } from '../../server/teams/service';

export const teamCookie = createCookie('containr_team', { path: '/', sameSite: 'lax', httpOnly: true, maxAge: 60 * 60 * 24 * 365 });

export async function currentTeam(request: Request, teams: TeamSummary[]): Promise<TeamSummary | undefined> {
  const wanted: unknown = await teamCookie.parse(request.headers.get('Cookie'));
  return teams.find((t) => t.id === wanted) ?? teams.find((t) => t.personal) ?? teams[0];
}
