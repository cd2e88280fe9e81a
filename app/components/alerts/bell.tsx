/**
 * The top bar's bell: how many alerts are firing (red) or new since you last looked, over
 * every project you can see. On a canvas it recounts as soon as `/live` reports a change;
 * elsewhere a light poll keeps it current. Opening it lists the recent alerts, marks them
 * seen, and lets you acknowledge the firing ones.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, describeError } from '../deploy/api';
import { alertsApi, type Alert, type Role, type Unread } from './api';
import { AlertRow } from './alert-item';
import { onAlertsAnnounced } from './events';
import { BellIcon } from './icons';

/** Off a canvas, nothing pushes changes: ask this often (and when the tab comes back). */
const POLL_MS = 20_000;
/** The dropdown reads this many projects' newest alerts. */
const MAX_PROJECTS = 12;
const SHOWN = 12;

interface Project {
  id: string;
  name: string;
  teamId: string;
}

type Recent = { state: 'idle' | 'loading' | 'ready'; alerts: Array<Alert & { projectName: string; canAck: boolean }>; error: string | null };

export function AlertsBell({ teams }: { teams: Array<{ id: string; role: Role }> }) {
  const [counts, setCounts] = useState<Unread | null>(null);
  const [recent, setRecent] = useState<Recent>({ state: 'idle', alerts: [], error: null });
  const menu = useRef<HTMLDetailsElement>(null);
  const teamsRef = useRef(teams);
  teamsRef.current = teams;

  const refresh = useCallback(async () => {
    try {
      setCounts(await alertsApi.unread());
    } catch {
      // Offline or signed out: keep the last counts; the next poll tries again.
    }
  }, []);

  const loadRecent = useCallback(async () => {
    setRecent((r) => ({ ...r, state: r.alerts.length ? 'ready' : 'loading', error: null }));
    try {
      const { projects } = await api<{ projects: Project[] }>('/projects');
      const lists = await Promise.all(
        projects.slice(0, MAX_PROJECTS).map(async (p) => {
          const role = teamsRef.current.find((t) => t.id === p.teamId)?.role;
          const { alerts } = await alertsApi.alerts(p.id, { limit: SHOWN });
          return alerts.map((a) => ({ ...a, projectName: p.name, canAck: role !== undefined && role !== 'viewer' }));
        }),
      );
      const alerts = lists
        .flat()
        // Firing first, then the newest.
        .sort((a, b) => (a.state === 'firing') !== (b.state === 'firing') ? (a.state === 'firing' ? -1 : 1) : b.firedAt.localeCompare(a.firedAt))
        .slice(0, SHOWN);
      setRecent({ state: 'ready', alerts, error: null });
    } catch (error) {
      setRecent((r) => ({ ...r, state: 'ready', error: describeError(error) }));
    }
  }, []);

  useEffect(() => {
    void refresh();
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Live changes come in bursts (several alerts resolving at once): recount once.
    const soon = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        void refresh();
        if (menu.current?.open) void loadRecent();
      }, 250);
    };
    const unlisten = onAlertsAnnounced(soon);
    const poll = setInterval(() => {
      if (document.visibilityState === 'visible') void refresh();
    }, POLL_MS);
    const onVisible = () => document.visibilityState === 'visible' && void refresh();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      unlisten();
      clearTimeout(timer);
      clearInterval(poll);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [refresh, loadRecent]);

  const onToggle = () => {
    if (!menu.current?.open) return;
    void loadRecent();
    // Opening the bell is looking at it: what fired until now is seen.
    if (counts && counts.unread > 0) {
      setCounts({ ...counts, unread: 0 });
      alertsApi.seen().then(
        () => void refresh(),
        () => void refresh(),
      );
    }
  };

  const firing = counts?.firing ?? 0;
  const unread = counts?.unread ?? 0;
  const shown = firing > 0 ? firing : unread;
  const label = firing > 0 ? `${firing} firing alert${firing === 1 ? '' : 's'}` : unread > 0 ? `${unread} new alert${unread === 1 ? '' : 's'}` : 'Alerts';

  return (
    <details
      className="menu al-bell"
      ref={menu}
      onToggle={onToggle}
      onKeyDown={(event) => {
        // Escape closes the dropdown only (handled: the side panel under it stays open).
        if (event.key !== 'Escape' || !menu.current?.open) return;
        event.preventDefault();
        menu.current.open = false;
        menu.current.querySelector('summary')?.focus();
      }}
      data-testid="alerts-bell"
      data-firing={firing}
      data-unread={unread}
    >
      <summary className={`al-bell-button${firing > 0 ? ' is-firing' : ''}`} aria-label={label} title={label}>
        <BellIcon size={17} />
        {shown > 0 ? (
          <span className={`al-bell-count${firing > 0 ? '' : ' is-unread'}`} data-testid="bell-count">
            {shown > 99 ? '99+' : shown}
          </span>
        ) : null}
      </summary>
      <div className="menu-panel al-bell-panel" role="dialog" aria-label="Recent alerts">
        <div className="al-bell-head">
          <span className="al-bell-heading">Alerts</span>
          <span className="faint">{firing > 0 ? `${firing} firing` : 'Nothing firing'}</span>
        </div>
        {recent.error ? (
          <div className="alert al-bell-error" role="alert">
            {recent.error}
          </div>
        ) : null}
        {recent.state === 'loading' ? (
          <div className="al-bell-empty faint">Loading…</div>
        ) : recent.alerts.length === 0 && !recent.error ? (
          <div className="al-bell-empty">
            <span className="al-bell-empty-icon">
              <BellIcon size={18} />
            </span>
            <span>No alerts yet</span>
            <span className="faint">Rules you set on a service or project notify you here.</span>
          </div>
        ) : (
          <div className="al-bell-list" data-testid="bell-list">
            {recent.alerts.map((alert) => (
              <AlertRow
                key={alert.id}
                alert={alert}
                context={alert.projectName}
                canAcknowledge={alert.canAck}
                href={`/projects/${alert.projectId}/alerts?env=${alert.environmentId}`}
                onAcknowledged={(acked) => {
                  setRecent((r) => ({ ...r, alerts: r.alerts.map((a) => (a.id === acked.id ? { ...a, ...acked } : a)) }));
                  void refresh();
                }}
              />
            ))}
          </div>
        )}
      </div>
    </details>
  );
}
