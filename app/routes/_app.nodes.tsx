import { type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { useLoaderData, useRevalidator } from '@remix-run/react';
import { useEffect, useId, useRef, useState } from 'react';
import { requireViewer } from '~/lib/auth.server';
import { api, describeError } from '~/components/deploy/api';
import { CopyButton } from '~/components/deploy/copy-button';
import { bytes } from '~/components/deploy/format';
import { PlusIconSmall, ServerIcon } from '~/components/deploy/icons';
import { timeAgo } from '~/components/ui';
import { useAppData } from './_app';
import deployStyles from '~/styles/deploy.css?url';
// Loader-only: the Remix bundle keeps its own copy of this pure module, and it never reaches the browser.
import { can } from '../../server/auth/permissions';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: deployStyles }];
export const meta: MetaFunction = () => [{ title: 'Nodes · Containr' }];

/** How often the list is read again: heartbeats come every 2 s, a node is lost after 10 s. */
const REFRESH_MS = 3000;

export function loader({ request, context }: LoaderFunctionArgs) {
  const { viewer, actor } = requireViewer(context, request);
  const { agents, teams, instanceAdmin } = context.services;
  const mine = teams.listForUser(viewer.user.id);
  const teamName = new Map(mine.map((t) => [t.id, t.name]));
  const nodes = agents.listForActor(actor).map((n) => ({
    id: n.id,
    name: n.name,
    team: n.teamId === null ? null : teamName.get(n.teamId) ?? 'another team',
    status: n.status,
    connected: n.connected,
    engineVersion: n.engineVersion,
    cpus: n.cpus,
    memoryBytes: n.memoryBytes,
    lastHeartbeatAt: n.lastHeartbeatAt,
    // What runs on a shared node is other teams' business: only its size shows.
    containers: n.teamId === null ? null : n.containers.length,
  }));
  const now = Date.now();
  const pending = agents
    .listJoinTokens(actor)
    .filter((t) => !t.usedAt && !t.revokedAt && t.expiresAt.getTime() > now)
    .map((t) => ({ id: t.id, team: t.teamId === null ? null : teamName.get(t.teamId) ?? 'a team', createdAt: t.createdAt.toISOString(), expiresAt: t.expiresAt.toISOString() }));
  const admin = instanceAdmin.is(viewer.user.id);
  const targets = [
    ...mine.filter((t) => can(t.role, 'node:manage')).map((t) => ({ teamId: t.id as string | null, label: t.personal ? `${t.name} (personal)` : t.name })),
    ...(admin ? [{ teamId: null, label: 'Shared: every team of this instance' }] : []),
  ];
  return { nodes, pending, targets, now };
}

type Joining = { command: string; expiresAt: string; target: string };

export default function Nodes() {
  const { nodes, pending, targets, now } = useLoaderData<typeof loader>();
  const revalidator = useRevalidator();
  const [adding, setAdding] = useState(false);
  const [joining, setJoining] = useState<Joining | null>(null);

  // Keep heartbeats fresh while the page is visible.
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible' && revalidator.state === 'idle') revalidator.revalidate();
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [revalidator]);

  const clockSkew = useRef(Date.now() - now);
  const serverNow = Date.now() - clockSkew.current;

  return (
    <main className="page stack nodes-page" style={{ gap: 20 }}>
      <div className="page-header" style={{ marginBottom: 0 }}>
        <div>
          <h1>Nodes</h1>
          <p>Machines that run your services. Each runs the Containr agent, which reports every 2 seconds.</p>
        </div>
        {targets.length && !adding ? (
          <button type="button" className="btn btn-primary" onClick={() => setAdding(true)} data-testid="add-node">
            <PlusIconSmall size={14} />
            Add a node
          </button>
        ) : null}
      </div>

      {adding ? (
        <AddNode
          targets={targets}
          joining={joining}
          onCreated={(j) => {
            setJoining(j);
            revalidator.revalidate();
          }}
          onClose={() => {
            setAdding(false);
            setJoining(null);
          }}
        />
      ) : null}

      <section className="card">
        <div className="card-header">
          <h2>Connected machines</h2>
          <span className="badge">{nodes.length}</span>
        </div>
        {nodes.length === 0 ? (
          <div className="empty">
            <span className="empty-icon" aria-hidden>
              <ServerIcon size={20} />
            </span>
            <h3>No nodes yet</h3>
            <p className="muted">Add a node to run services on a machine with Docker.</p>
          </div>
        ) : (
          <table className="table nodes-table" data-testid="nodes">
            <thead>
              <tr>
                <th>Node</th>
                <th>Status</th>
                <th>Resources</th>
                <th>Containers</th>
                <th>Last heartbeat</th>
              </tr>
            </thead>
            <tbody>
              {nodes.map((n) => {
                const state = n.status === 'lost' ? 'lost' : n.connected ? 'ready' : 'reconnecting';
                return (
                  <tr key={n.id} data-testid="node" data-name={n.name} data-state={state}>
                    <td>
                      <div className="node-name">
                        <ServerIcon size={15} />
                        <span>{n.name}</span>
                        <span className="badge">{n.team === null ? 'shared' : n.team}</span>
                      </div>
                      {n.engineVersion ? <div className="faint node-sub">Docker {n.engineVersion}</div> : null}
                    </td>
                    <td>
                      <span className={`node-state is-${state}`}>
                        <span className={`status-dot ${state === 'ready' ? 'status-running' : state === 'lost' ? 'status-crashed' : 'status-unhealthy'}`} aria-hidden />
                        {state === 'ready' ? 'Ready' : state === 'lost' ? 'Lost' : 'Reconnecting'}
                      </span>
                    </td>
                    <td className="muted">
                      {n.cpus !== null ? `${n.cpus} ${n.cpus === 1 ? 'CPU' : 'CPUs'}` : '—'}
                      {n.memoryBytes !== null ? ` · ${bytes(n.memoryBytes)}` : ''}
                    </td>
                    <td className="muted">{n.containers === null ? <span className="faint" title="Other teams' containers are not shown">—</span> : n.containers}</td>
                    <td className="muted" suppressHydrationWarning title={n.lastHeartbeatAt ? new Date(n.lastHeartbeatAt).toLocaleString() : undefined}>
                      {n.lastHeartbeatAt ? secondsAgo(serverNow - n.lastHeartbeatAt) : 'never'}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>

      {pending.length ? (
        <section className="card">
          <div className="card-header">
            <h2>Unused join commands</h2>
            <span className="faint">each works once, within an hour</span>
          </div>
          <ul className="list">
            {pending.map((t) => (
              <PendingToken key={t.id} token={t} onRevoked={() => revalidator.revalidate()} />
            ))}
          </ul>
        </section>
      ) : null}
    </main>
  );
}

function secondsAgo(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  return timeAgo(Date.now() - ms);
}

function AddNode({
  targets,
  joining,
  onCreated,
  onClose,
}: {
  targets: Array<{ teamId: string | null; label: string }>;
  joining: Joining | null;
  onCreated: (j: Joining) => void;
  onClose: () => void;
}) {
  // The team in the header's switcher first.
  const current = useAppData()?.team?.id;
  const [target, setTarget] = useState(() => Math.max(0, targets.findIndex((t) => t.teamId === current)));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const selectId = useId();
  const commandRef = useRef<HTMLElement>(null);

  const create = async () => {
    setBusy(true);
    setError(null);
    try {
      const choice = targets[target];
      const created = await api<{ command: string; expiresAt: string }>('/nodes/join-tokens', {
        method: 'POST',
        body: choice.teamId === null ? {} : { teamId: choice.teamId },
      });
      onCreated({ command: created.command, expiresAt: created.expiresAt, target: choice.label });
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card add-node" aria-label="Add a node" data-testid="add-node-panel">
      <div className="card-header">
        <h2>Add a node</h2>
        <button type="button" className="btn btn-ghost btn-sm" onClick={onClose}>
          {joining ? 'Done' : 'Cancel'}
        </button>
      </div>
      <div className="card-body stack" style={{ gap: 14 }}>
        {joining ? (
          <>
            <p>
              On the new machine (with Docker running and this repository checked out), run this command. It works once and expires{' '}
              {new Date(joining.expiresAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}.
            </p>
            <div className="join-command">
              <code className="mono" ref={commandRef} data-testid="join-command">
                {joining.command}
              </code>
              <CopyButton text={joining.command} target={() => commandRef.current} />
            </div>
            <p className="faint">The node appears in the list below as soon as its agent connects. It will run services of {joining.target}.</p>
          </>
        ) : (
          <>
            <p className="muted">A join command lets one machine’s agent connect to this server. It is shown once.</p>
            <div className="form-row">
              {targets.length > 1 ? (
                <div className="field" style={{ flex: 1 }}>
                  <label htmlFor={selectId}>Runs services of</label>
                  <select id={selectId} className="input" value={target} onChange={(e) => setTarget(Number(e.target.value))}>
                    {targets.map((t, i) => (
                      <option key={t.teamId ?? 'shared'} value={i}>
                        {t.label}
                      </option>
                    ))}
                  </select>
                </div>
              ) : (
                <p className="muted" style={{ flex: 1 }}>
                  The node will run services of <strong>{targets[0]?.label}</strong>.
                </p>
              )}
              <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void create()} data-testid="create-join-command">
                Create join command
              </button>
            </div>
            {error ? <p className="field-error">{error}</p> : null}
          </>
        )}
      </div>
    </section>
  );
}

function PendingToken({
  token,
  onRevoked,
}: {
  token: { id: string; team: string | null; createdAt: string; expiresAt: string };
  onRevoked: () => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const revoke = async () => {
    try {
      await api(`/join-tokens/${token.id}`, { method: 'DELETE' });
      onRevoked();
    } catch (e) {
      setError(describeError(e));
    }
  };
  return (
    <li>
      <span className="mono faint">cjoin_…</span>
      <span style={{ flex: 1 }}>
        For {token.team ?? 'every team (shared)'} · created {timeAgo(token.createdAt)} · expires{' '}
        {new Date(token.expiresAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
      </span>
      {error ? <span className="field-error">{error}</span> : null}
      <button type="button" className="btn btn-sm btn-danger" onClick={() => void revoke()}>
        Revoke
      </button>
    </li>
  );
}
