import { redirect, type ActionFunctionArgs } from '@remix-run/node';

export async function action({ context }: ActionFunctionArgs) {
  if (!context.viewer) return redirect('/login');
  const cookie = await context.services.auth.logout(context.viewer);
  return redirect('/login', { headers: { 'Set-Cookie': cookie.serialize() } });
}

export const loader = () => redirect('/');
