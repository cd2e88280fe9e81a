import { type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, NavLink, Outlet, useLoaderData, useParams } from '@remix-run/react';
import { orRespond, requireViewer } from '~/lib/auth.server';
import { Chevron } from './_app';

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.project.name ?? 'Project'} · Containr` }];

export function loader({ request, context, params }: LoaderFunctionArgs) {
  const { actor } = requireViewer(context, request);
  return orRespond(() => context.services.projects.get(actor, params.projectId ?? ''));
}

export default function ProjectLayout() {
  const { project, environments, role } = useLoaderData<typeof loader>();
  const { environmentId } = useParams();
  const current = environments.find((e) => e.id === environmentId) ?? environments[0];
  return (
    <div className="project-shell">
      <div className="subbar">
        <h2 data-testid="project-name">{project.name}</h2>
        <details className="menu" data-testid="environment-switcher">
          <summary className="switcher">
            <span className="faint">env</span> {current?.name}
            <Chevron />
          </summary>
          <div className="menu-panel left">
            <div className="menu-label">Environments</div>
            {environments.map((e) => (
              <Link key={e.id} className="menu-item" to={`/projects/${project.id}/env/${e.id}`}>
                {e.name}
              </Link>
            ))}
            {role !== 'viewer' ? (
              <>
                <div className="menu-sep" />
                <Link className="menu-item" to={`/projects/${project.id}/settings#environments`}>
                  New environment…
                </Link>
              </>
            ) : null}
          </div>
        </details>
        <div className="spacer" />
        <nav className="tabs">
          {current ? (
            <NavLink className="tab" to={`/projects/${project.id}/env/${current.id}`}>
              Canvas
            </NavLink>
          ) : null}
          <NavLink className="tab" to={`/projects/${project.id}/settings`}>
            Settings
          </NavLink>
        </nav>
      </div>
      <Outlet />
    </div>
  );
}
