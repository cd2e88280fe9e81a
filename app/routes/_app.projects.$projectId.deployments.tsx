import { type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import type { ServiceStatus } from '../../sync';
import { orRespond, requireViewer } from '~/lib/auth.server';
import type { Commit, Deployment, DeploymentEvent } from '~/components/deploy/api';
import { History } from '~/components/deploy/history';
import { wire } from '~/components/deploy/wire';
import { panelStyles } from '~/components/service-panel';
import deployStyles from '~/styles/deploy.css?url';
// Loader-only: the Remix bundle keeps its own copy of this pure module, and it never reaches the browser.
import { can } from '../../server/auth/permissions';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: panelStyles },
  { rel: 'stylesheet', href: deployStyles },
];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `Deployments · ${data?.environment.name ?? ''} · ${data?.project.name ?? 'Project'} · Containr` },
];

export function loader({ request, context, params }: LoaderFunctionArgs) {
  const { actor } = requireViewer(context, request);
  const { project, environments, role } = orRespond(() => context.services.projects.get(actor, params.projectId ?? ''));
  const wanted = new URL(request.url).searchParams.get('env');
  const environment = environments.find((e) => e.id === wanted) ?? environments[0];
  if (!environment) throw new Response('Not found', { status: 404 });
  const { commits: history } = context.services.deploy;
  const commits = orRespond(() => history.listCommits(actor, environment.id, { limit: 50 }));
  const deployments = orRespond(() => history.listDeployments(actor, environment.id, { limit: 30 }));
  const latest = deployments[0] ? orRespond(() => history.getDeployment(actor, deployments[0].id)) : null;
  const status = context.services.deploy.reconciler.status(environment.id);
  return {
    project: { id: project.id, name: project.name },
    environment: { id: environment.id, name: environment.name },
    canDeploy: can(role, 'deploy'),
    commits: wire<Commit[]>(commits),
    deployments: wire<Deployment[]>(deployments),
    latestEvents: wire<DeploymentEvent[]>(latest?.events ?? []),
    current: status?.commit ?? null,
    services: (status?.services ?? []).map(
      ({ serviceId, name, state, replicas, url, nodes }): ServiceStatus => ({ serviceId, name, state, replicas, url, nodes }),
    ),
  };
}

export default function Deployments() {
  const data = useLoaderData<typeof loader>();
  return <History key={data.environment.id} {...data} />;
}
