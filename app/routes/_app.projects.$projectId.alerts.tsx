/** A project's alerts: the history (filters, paging, acknowledge), every rule, and the notification channels. */
import { type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData, useSearchParams } from '@remix-run/react';
import { useEffect, useState } from 'react';
import { isRunnable } from '../../sync';
import { orRespond, requireViewer } from '~/lib/auth.server';
import { describeError } from '~/components/deploy/api';
import { alertsApi, type AlertChannel, type AlertRule } from '~/components/alerts/api';
import { ChannelsList } from '~/components/alerts/channels';
import { AlertHistory } from '~/components/alerts/history';
import { RulesList } from '~/components/alerts/rules-list';
// Loader-only: the Remix bundle keeps its own copy of this pure module, and it never reaches the browser.
import { can } from '../../server/auth/permissions';

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Alerts · ${data?.project.name ?? 'Project'} · Containr` }];

export function loader({ request, context, params }: LoaderFunctionArgs) {
  const { actor } = requireViewer(context, request);
  const { project, environments, role } = orRespond(() => context.services.projects.get(actor, params.projectId ?? ''));
  // Service names (alerts and rules name services by id), from each environment's latest commit.
  const { commits } = context.services.deploy;
  const services: Record<string, string> = {};
  for (const environment of environments) {
    const latest = commits.listCommits(actor, environment.id, { limit: 1 })[0];
    const spec = latest ? commits.getCommit(actor, latest.id).spec : undefined;
    for (const [id, node] of Object.entries(spec?.services ?? {})) if (isRunnable(node)) services[id] ??= node.name;
  }
  return {
    project: { id: project.id, name: project.name },
    environments: environments.map((e) => ({ id: e.id, name: e.name })),
    services,
    canManage: can(role, 'alert:manage'),
    canAcknowledge: can(role, 'alert:acknowledge'),
  };
}

const VIEWS = [
  { id: 'history', label: 'History' },
  { id: 'rules', label: 'Rules' },
  { id: 'channels', label: 'Channels' },
] as const;
type View = (typeof VIEWS)[number]['id'];

export default function ProjectAlerts() {
  const { project, environments, services, canManage, canAcknowledge } = useLoaderData<typeof loader>();
  const [search] = useSearchParams();
  const view: View = VIEWS.some((v) => v.id === search.get('view')) ? (search.get('view') as View) : 'history';
  const [rules, setRules] = useState<AlertRule[] | null>(null);
  const [channels, setChannels] = useState<AlertChannel[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const abort = new AbortController();
    Promise.all([alertsApi.rules(project.id, {}, abort.signal), alertsApi.channels(project.id, abort.signal)]).then(
      ([r, c]) => {
        setRules(r.rules);
        setChannels(c.channels);
      },
      (e: unknown) => {
        if (!abort.signal.aborted) setError(describeError(e));
      },
    );
    return () => abort.abort();
  }, [project.id]);

  const linkTo = (id: View) => {
    const next = new URLSearchParams();
    const env = search.get('env');
    if (env) next.set('env', env);
    if (id !== 'history') next.set('view', id);
    const text = next.toString();
    return `/projects/${project.id}/alerts${text ? `?${text}` : ''}`;
  };
  const serviceList = Object.entries(services)
    .map(([id, name]) => ({ id, name }))
    .sort((a, b) => a.name.localeCompare(b.name));

  return (
    <main className="page al-page" data-testid="alerts-page">
      <div className="page-header al-page-header">
        <div>
          <h1>Alerts</h1>
          <p>What fired in {project.name}, the rules that watch it, and where notifications go.</p>
        </div>
        <nav className="al-segment" aria-label="Alerts sections">
          {VIEWS.map((v) => (
            <Link
              key={v.id}
              to={linkTo(v.id)}
              className={`al-segment-btn${view === v.id ? ' is-on' : ''}`}
              aria-current={view === v.id ? 'page' : undefined}
              preventScrollReset
              replace
            >
              {v.label}
              {v.id === 'rules' && rules ? <span className="al-segment-count">{rules.length}</span> : null}
              {v.id === 'channels' && channels ? <span className="al-segment-count">{channels.length}</span> : null}
            </Link>
          ))}
        </nav>
      </div>
      {error ? (
        <div className="alert" role="alert">
          {error}
        </div>
      ) : null}
      {view === 'history' ? (
        <AlertHistory projectId={project.id} environments={environments} services={services} canAcknowledge={canAcknowledge} />
      ) : view === 'rules' ? (
        rules && channels ? (
          <div className="card al-card-list">
            <RulesList
              projectId={project.id}
              rules={rules}
              channels={channels}
              scope={{ environments, services: serviceList }}
              canManage={canManage}
              onChange={setRules}
              emptyText="No rules: nothing will alert. Add one for crashes, failed deployments or a metric threshold."
            />
          </div>
        ) : (
          <div className="card al-history-empty faint">Loading…</div>
        )
      ) : channels ? (
        <ChannelsList projectId={project.id} channels={channels} canManage={canManage} onChange={setChannels} />
      ) : (
        <div className="card al-history-empty faint">Loading…</div>
      )}
    </main>
  );
}
