import { type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, NavLink, Outlet, useLoaderData, useLocation, useParams, useSearchParams } from '@remix-run/react';
import { orRespond, requireViewer } from '~/lib/auth.server';
import { Countdown } from '~/components/share/countdown';
import { NewPreviewItem } from '~/components/share/fork-dialog';
import shareStyles from '~/components/share/share.css?url';
import { Chevron } from './_app';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: shareStyles }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.project.name ?? 'Project'} · Containr` }];

export function loader({ request, context, params }: LoaderFunctionArgs) {
  const { actor } = requireViewer(context, request);
  return orRespond(() => context.services.projects.get(actor, params.projectId ?? ''));
}

export default function ProjectLayout() {
  const { project, environments, role } = useLoaderData<typeof loader>();
  const { environmentId } = useParams();
  // The deployments and secrets pages name their environment in `?env=`, and keep it when switching.
  const [search] = useSearchParams();
  const { pathname } = useLocation();
  const current = environments.find((e) => e.id === (environmentId ?? search.get('env'))) ?? environments[0];
  const envPage = /\/(deployments|secrets|alerts)$/.exec(pathname)?.[1];
  const envLink = (id: string) => (envPage ? `/projects/${project.id}/${envPage}?env=${id}` : `/projects/${project.id}/env/${id}`);
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
              <Link key={e.id} className="menu-item" to={envLink(e.id)} data-kind={e.kind}>
                {e.name}
                {e.kind === 'preview' && e.expiresAt ? (
                  <span className="env-preview-tag" title="A preview: deleted when this runs out">
                    <Countdown until={e.expiresAt} />
                  </span>
                ) : null}
              </Link>
            ))}
            {role !== 'viewer' ? (
              <>
                <div className="menu-sep" />
                <Link className="menu-item" to={`/projects/${project.id}/settings#environments`}>
                  New environment…
                </Link>
                {current ? <NewPreviewItem projectId={project.id} from={current} /> : null}
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
          {current ? (
            <NavLink className="tab" to={`/projects/${project.id}/deployments?env=${current.id}`}>
              Deployments
            </NavLink>
          ) : null}
          {current && role !== 'viewer' ? (
            <NavLink className="tab" to={`/projects/${project.id}/secrets?env=${current.id}`}>
              Secrets
            </NavLink>
          ) : null}
          {current ? (
            <NavLink className="tab" to={`/projects/${project.id}/alerts?env=${current.id}`}>
              Alerts
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
