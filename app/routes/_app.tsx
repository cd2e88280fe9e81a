import { type LinksFunction, type LoaderFunctionArgs } from '@remix-run/node';
import { Form, Link, Outlet, useLoaderData, useLocation, useRouteLoaderData } from '@remix-run/react';
import { useEffect } from 'react';
import { requireViewer } from '~/lib/auth.server';
import { currentTeam } from '~/lib/team.server';
import { Avatar, BrandMark } from '~/components/ui';
import { AlertsBell } from '~/components/alerts/bell';
import alertStyles from '~/styles/alerts.css?url';

// The bell is on every page, and canvas nodes show alerts: the alerts styles load with the shell.
export const links: LinksFunction = () => [{ rel: 'stylesheet', href: alertStyles }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { viewer } = requireViewer(context, request);
  const teams = context.services.teams.listForUser(viewer.user.id);
  const team = await currentTeam(request, teams);
  return { user: viewer.user, teams, team, instanceAdmin: context.services.instanceAdmin.is(viewer.user.id) };
}

export const useAppData = () => useRouteLoaderData<typeof loader>('routes/_app');

/** Closes the header's <details> menus after a navigation and on a click outside them. */
function useMenusCloseThemselves() {
  const location = useLocation();
  useEffect(() => {
    document.querySelectorAll('details.menu[open]').forEach((menu) => menu.removeAttribute('open'));
  }, [location]);
  useEffect(() => {
    const onPointerDown = (event: PointerEvent) => {
      document.querySelectorAll('details.menu[open]').forEach((menu) => {
        if (!menu.contains(event.target as Node)) menu.removeAttribute('open');
      });
    };
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, []);
}

export default function AppLayout() {
  const { user, teams, team, instanceAdmin } = useLoaderData<typeof loader>();
  useMenusCloseThemselves();
  return (
    <div className="shell">
      <header className="topbar">
        <Link to="/projects" className="brand" aria-label="Containr home">
          <BrandMark />
          Containr
        </Link>
        <span className="crumb-sep">/</span>
        <details className="menu" data-testid="team-switcher">
          <summary className="switcher">
            {team?.name ?? 'No team'}
            <Chevron />
          </summary>
          <div className="menu-panel left">
            <div className="menu-label">Teams</div>
            {teams.map((t) => (
              <Form method="post" action="/teams/switch" key={t.id}>
                <input type="hidden" name="teamId" value={t.id} />
                <button className="menu-item" type="submit">
                  <span style={{ flex: 1 }}>{t.name}</span>
                  <span className="badge">{t.role}</span>
                </button>
              </Form>
            ))}
            <div className="menu-sep" />
            {team ? (
              <Link className="menu-item" to={`/teams/${team.id}/members`}>
                Members of {team.name}
              </Link>
            ) : null}
            <Link className="menu-item" to="/teams/new">
              New team…
            </Link>
          </div>
        </details>
        <div className="spacer" />
        <AlertsBell teams={teams} />
        <details className="menu" data-testid="user-menu">
          <summary aria-label="Account menu">
            <Avatar id={user.id} name={user.name} />
          </summary>
          <div className="menu-panel">
            <div style={{ padding: '8px 10px' }}>
              <div style={{ fontWeight: 600 }}>{user.name}</div>
              <div className="faint" style={{ fontSize: 12.5 }}>
                {user.email}
              </div>
            </div>
            <div className="menu-sep" />
            <Link className="menu-item" to="/projects">
              Projects
            </Link>
            <Link className="menu-item" to="/settings/account">
              Account
            </Link>
            <Link className="menu-item" to="/settings/tokens">
              API tokens
            </Link>
            <Link className="menu-item" to="/overview">
              Overview
            </Link>
            <Link className="menu-item" to="/nodes">
              Nodes
            </Link>
            <Link className="menu-item" to="/audit">
              Audit log
            </Link>
            {instanceAdmin ? (
              <Link className="menu-item" to="/outbox">
                Outbox
              </Link>
            ) : null}
            <div className="menu-sep" />
            <Form method="post" action="/logout">
              <button className="menu-item" type="submit">
                Log out
              </button>
            </Form>
          </div>
        </details>
      </header>
      <Outlet />
    </div>
  );
}

export function Chevron() {
  return (
    <svg width="12" height="12" viewBox="0 0 12 12" aria-hidden>
      <path d="M3 4.5l3 3 3-3" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
    </svg>
  );
}
