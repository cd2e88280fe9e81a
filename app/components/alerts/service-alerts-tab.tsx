/**
 * The service panel's Alerts tab: the service's open and recent alerts (acknowledge them
 * here), and the rules that apply to it — its own and the project's — to create, change or
 * delete. It follows `/live`: an alert firing or resolving refreshes the list.
 */
import { Link, useParams, useRouteLoaderData } from '@remix-run/react';
import { useCallback, useEffect, useState } from 'react';
import { describeError } from '../deploy/api';
import { useDeploy } from '../deploy/context';
import { alertsApi, type Alert, type AlertChannel, type AlertRule, type Role } from './api';
import { AlertRow } from './alert-item';
import { RulesList } from './rules-list';

interface ProjectData {
  project: { id: string; name: string };
  environments: Array<{ id: string; name: string }>;
  role: Role;
}

const RECENT = 8;

export function ServiceAlertsTab({ serviceId }: { serviceId: string }) {
  const { projectId = '' } = useParams();
  const projectData = useRouteLoaderData('routes/_app.projects.$projectId') as ProjectData | undefined;
  const controller = useDeploy();
  const environmentId = controller?.environmentId ?? '';
  const canManage = projectData ? projectData.role !== 'viewer' : false;

  const [alerts, setAlerts] = useState<Alert[] | null>(null);
  const [rules, setRules] = useState<AlertRule[] | null>(null);
  const [channels, setChannels] = useState<AlertChannel[]>([]);
  const [error, setError] = useState<string | null>(null);

  const loadAlerts = useCallback(
    async (signal?: AbortSignal) => {
      try {
        const { alerts } = await alertsApi.alerts(projectId, { environmentId, serviceId, limit: RECENT }, signal);
        setAlerts(alerts);
      } catch (e) {
        if (!signal?.aborted) setError(describeError(e));
      }
    },
    [projectId, environmentId, serviceId],
  );

  useEffect(() => {
    if (!projectId || !environmentId) return;
    const abort = new AbortController();
    void loadAlerts(abort.signal);
    Promise.all([alertsApi.rules(projectId, { environmentId, serviceId }, abort.signal), alertsApi.channels(projectId, abort.signal)]).then(
      ([r, c]) => {
        setRules(r.rules);
        setChannels(c.channels);
      },
      (e: unknown) => {
        if (!abort.signal.aborted) setError(describeError(e));
      },
    );
    return () => abort.abort();
  }, [projectId, environmentId, serviceId, loadAlerts]);

  // A change of state on /live about this service (or the whole environment): fetch the list again.
  useEffect(() => {
    if (!controller) return;
    return controller.alerts.onChange((changed) => {
      if (changed.some((a) => a.serviceId === serviceId || a.serviceId === null)) void loadAlerts();
    });
  }, [controller, serviceId, loadAlerts]);

  const environments = projectData?.environments ?? [];
  const open = alerts?.filter((a) => a.state !== 'resolved') ?? [];
  const past = alerts?.filter((a) => a.state === 'resolved') ?? [];

  return (
    <div className="sp-alerts" data-testid="service-alerts">
      {error ? (
        <div className="alert" role="alert">
          {error}
        </div>
      ) : null}
      <section className="al-section">
        <header className="al-section-head">
          <h3>Alerts</h3>
          {projectId ? (
            <Link className="al-more" to={`/projects/${projectId}/alerts?env=${environmentId}&service=${serviceId}`}>
              History
            </Link>
          ) : null}
        </header>
        {alerts === null ? (
          <p className="al-empty-line faint">Loading…</p>
        ) : alerts.length === 0 ? (
          <p className="al-empty-line" data-testid="no-alerts">
            Nothing has fired for this service.
          </p>
        ) : (
          <div className="al-list">
            {[...open, ...past].map((alert) => (
              <AlertRow
                key={alert.id}
                alert={alert}
                canAcknowledge={canManage}
                onAcknowledged={(acked) => setAlerts((list) => list?.map((a) => (a.id === acked.id ? acked : a)) ?? list)}
              />
            ))}
          </div>
        )}
      </section>
      <section className="al-section">
        <header className="al-section-head">
          <h3>Rules</h3>
          <span className="faint al-section-note">This service’s and the project’s</span>
        </header>
        {rules === null ? (
          <p className="al-empty-line faint">Loading…</p>
        ) : (
          <RulesList
            projectId={projectId}
            rules={rules}
            channels={channels}
            scope={{ environments, services: [], fixedServiceId: serviceId }}
            defaultEnvironmentId={environmentId}
            canManage={canManage}
            onChange={setRules}
            emptyText="No rule watches this service yet."
          />
        )}
      </section>
    </div>
  );
}
