import { redirect, type ActionFunctionArgs } from '@remix-run/node';
import { requireViewer } from '~/lib/auth.server';
import { teamCookie } from '~/lib/team.server';

export async function action({ request, context }: ActionFunctionArgs) {
  const { viewer } = requireViewer(context, request);
  const teamId = String((await request.formData()).get('teamId') ?? '');
  if (!context.services.teams.roleOf(viewer.user.id, teamId)) throw new Response('Not found', { status: 404 });
  return redirect('/projects', { headers: { 'Set-Cookie': await teamCookie.serialize(teamId) } });
}

export const loader = () => redirect('/projects');
