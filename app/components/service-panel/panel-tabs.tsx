/**
 * The service panel's tabs: Settings (the editor), and for nodes that run, Logs, Metrics and
 * Deployments, and Alerts (alerts/service-alerts-tab.tsx). The tab chosen last is kept for the
 * session, so stepping from node to node stays on the logs (or charts) being compared. A share
 * link's guest gets Settings, Logs and Metrics: deployments and alerts are the team's.
 */
import { useState } from 'react';
import { ServiceAlertsTab } from '../alerts/service-alerts-tab';
import { useServiceStatus } from '../deploy/context';
import { DeploymentsTab } from './deployments-tab';
import { LogsTab } from './logs-tab';
import { MetricsTab } from './metrics-tab';

export type PanelTab = 'settings' | 'logs' | 'metrics' | 'deployments' | 'alerts';

const TABS: { id: PanelTab; label: string }[] = [
  { id: 'settings', label: 'Settings' },
  { id: 'logs', label: 'Logs' },
  { id: 'metrics', label: 'Metrics' },
  { id: 'deployments', label: 'Deployments' },
  { id: 'alerts', label: 'Alerts' },
];

/** The tabs a share link's guest sees. */
const SHARED_TABS = TABS.filter((t) => t.id !== 'deployments' && t.id !== 'alerts');

function tabsFor(shared: boolean) {
  return shared ? SHARED_TABS : TABS;
}

const STORAGE_KEY = 'containr.panel-tab';

function storedTab(shared: boolean): PanelTab {
  try {
    const value = sessionStorage.getItem(STORAGE_KEY);
    return tabsFor(shared).some((t) => t.id === value) ? (value as PanelTab) : 'settings';
  } catch {
    return 'settings'; // storage blocked: start on Settings
  }
}

/** The tab to show; a node that is not deployed (just added, say) opens on Settings. */
export function usePanelTab(serviceId: string, shared = false): [PanelTab, (tab: PanelTab) => void] {
  const status = useServiceStatus(serviceId);
  const [tab, setTab] = useState<PanelTab>(() => (status === null ? 'settings' : storedTab(shared)));
  const choose = (next: PanelTab) => {
    setTab(next);
    try {
      sessionStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Not remembered; the choice still applies.
    }
  };
  return [tab, choose];
}

export function PanelTabs({ active, onChange, shared = false }: { active: PanelTab; onChange: (tab: PanelTab) => void; shared?: boolean }) {
  const tabs = tabsFor(shared);
  return (
    <nav className="sp-tabs" role="tablist" aria-label="Service panel">
      {tabs.map((t) => (
        <button
          key={t.id}
          type="button"
          role="tab"
          id={`sp-tab-${t.id}`}
          aria-selected={active === t.id}
          aria-controls={`sp-tabpanel-${t.id}`}
          className="sp-tab"
          onClick={() => onChange(t.id)}
          onKeyDown={(e) => {
            if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
            const i = tabs.findIndex((x) => x.id === active);
            const next = tabs[(i + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length];
            onChange(next.id);
            document.getElementById(`sp-tab-${next.id}`)?.focus();
          }}
        >
          {t.label}
        </button>
      ))}
    </nav>
  );
}

/** The Logs, Metrics and Deployments tabs (Settings is the panel's own body). */
export function TelemetryTabs({ tab, serviceId, serviceName, onTab }: { tab: Exclude<PanelTab, 'settings'>; serviceId: string; serviceName: string; onTab: (tab: PanelTab) => void }) {
  const [deploymentId, setDeploymentId] = useState<string | null>(null);
  return (
    <div className="sp-tabpanel" role="tabpanel" id={`sp-tabpanel-${tab}`} aria-labelledby={`sp-tab-${tab}`}>
      {tab === 'logs' ? (
        <LogsTab serviceId={serviceId} serviceName={serviceName} deploymentId={deploymentId} onDeploymentChange={setDeploymentId} />
      ) : tab === 'metrics' ? (
        <MetricsTab serviceId={serviceId} />
      ) : tab === 'alerts' ? (
        <ServiceAlertsTab serviceId={serviceId} />
      ) : (
        <DeploymentsTab
          serviceId={serviceId}
          onShowLogs={(id) => {
            setDeploymentId(id);
            onTab('logs');
          }}
        />
      )}
    </div>
  );
}
