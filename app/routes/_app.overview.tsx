import { type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { memo, useDeferredValue, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { requireViewer } from '~/lib/auth.server';
import { bytes } from '~/components/deploy/format';
import { ServerIcon } from '~/components/deploy/icons';
import overviewStyles from '~/styles/overview.css?url';
import deployStyles from '~/styles/deploy.css?url';
import type { Overview, OverviewContainer, OverviewNode } from '../../server/metrics/overview';
// Loader-only: the Remix bundle keeps its own copy of this module, and it never reaches the browser.
import { overviewOf } from '../../server/metrics/overview';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: deployStyles },
  { rel: 'stylesheet', href: overviewStyles },
];
export const meta: MetaFunction = () => [{ title: 'Overview · Containr' }];

/**
 * How often the page asks GET /api/overview again. A poll rather than a socket: the page
 * spans every environment of the viewer's teams (see server/http/overview-api.ts), and
 * agents sample once a second, so 2 s keeps it live at the cost of one small JSON answer.
 */
const POLL_MS = 2_000;

export function loader({ context, request }: LoaderFunctionArgs) {
  const { actor } = requireViewer(context, request);
  // The first paint has every row: no spinner, no second round trip.
  return overviewOf(context.services).read(actor);
}

/** Polls while the page is visible; keeps the previous answer when the ETag says nothing changed. */
function useLiveOverview(initial: Overview): { data: Overview; live: boolean } {
  const [data, setData] = useState(initial);
  const [live, setLive] = useState(true);
  const etag = useRef<string | null>(null);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      if (document.visibilityState === 'visible') {
        try {
          // `no-cache` on the answer: the browser revalidates with If-None-Match and hands back its copy on a 304.
          const res = await fetch('/api/overview', { headers: { accept: 'application/json' } });
          if (!res.ok) throw new Error(String(res.status));
          const tag = res.headers.get('etag');
          if (!stopped && (tag === null || tag !== etag.current)) {
            etag.current = tag;
            const next = (await res.json()) as Overview;
            if (!stopped) setData(next);
          }
          if (!stopped) setLive(true);
        } catch {
          if (!stopped) setLive(false);
        }
      }
      if (!stopped) timer = setTimeout(() => void poll(), POLL_MS);
    };
    timer = setTimeout(() => void poll(), POLL_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);
  return { data, live };
}

type SortKey = 'service' | 'project' | 'node' | 'state' | 'cpu' | 'memory' | 'network' | 'uptime';
type Sort = { key: SortKey; dir: 'asc' | 'desc' };

/** Numbers sort biggest first on the first click; names A to Z. */
const FIRST_DIR: Record<SortKey, Sort['dir']> = {
  service: 'asc',
  project: 'asc',
  node: 'asc',
  state: 'asc',
  cpu: 'desc',
  memory: 'desc',
  network: 'desc',
  uptime: 'desc',
};

/** Problems first when sorting by state. */
const STATE_RANK: Record<string, number> = { dead: 0, exited: 1, restarting: 2, removing: 3, created: 4, paused: 5, running: 6 };

type Row = {
  id: string;
  c: OverviewContainer;
  search: string;
  cpu: number | null;
  memory: number | null;
  network: number | null;
  uptime: number | null;
};

function toRow(c: OverviewContainer, now: number): Row {
  const s = c.sample;
  return {
    id: c.id,
    c,
    search: `${c.serviceName} ${c.name} ${c.projectName} ${c.environmentName} ${c.nodeName} ${c.image} ${c.state} ${c.health ?? ''}`.toLowerCase(),
    cpu: s ? s.cpuPercent : null,
    memory: s ? s.memoryBytes : null,
    network: s && (s.netRxBytesPerS !== null || s.netTxBytesPerS !== null) ? (s.netRxBytesPerS ?? 0) + (s.netTxBytesPerS ?? 0) : null,
    uptime: c.state === 'running' && c.startedAt ? Math.max(0, now - c.startedAt) : null,
  };
}

function compare(a: Row, b: Row, key: SortKey): number {
  switch (key) {
    case 'service':
      return a.c.serviceName.localeCompare(b.c.serviceName) || a.c.name.localeCompare(b.c.name);
    case 'project':
      return a.c.projectName.localeCompare(b.c.projectName) || a.c.environmentName.localeCompare(b.c.environmentName);
    case 'node':
      return a.c.nodeName.localeCompare(b.c.nodeName);
    case 'state':
      return (STATE_RANK[a.c.state] ?? 9) - (STATE_RANK[b.c.state] ?? 9) || healthRank(a.c) - healthRank(b.c);
    default:
      return (a[key] ?? -1) - (b[key] ?? -1);
  }
}

const healthRank = (c: OverviewContainer) => (c.health === 'unhealthy' ? 0 : c.health === 'starting' ? 1 : 2);

export default function OverviewPage() {
  const initial = useLoaderData<typeof loader>();
  const { data, live } = useLiveOverview(initial);
  const [query, setQuery] = useState('');
  const [sort, setSort] = useState<Sort>({ key: 'project', dir: 'asc' });
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  // Typing stays instant; the table filters right after.
  const deferredQuery = useDeferredValue(query);

  const rows = useMemo(() => data.containers.map((c) => toRow(c, data.now)), [data]);
  const shown = useMemo(() => {
    const words = deferredQuery.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const kept = words.length ? rows.filter((r) => words.every((w) => r.search.includes(w))) : rows;
    const sign = sort.dir === 'asc' ? 1 : -1;
    // Stable tie-break on the name, so rows do not jump between polls.
    return [...kept].sort((a, b) => sign * compare(a, b, sort.key) || a.c.serviceName.localeCompare(b.c.serviceName) || a.id.localeCompare(b.id));
  }, [rows, deferredQuery, sort]);

  const onSort = (key: SortKey) =>
    setSort((current) => (current.key === key ? { key, dir: current.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: FIRST_DIR[key] }));

  const running = data.containers.filter((c) => c.state === 'running').length;
  const totals = data.nodes.reduce((t, n) => ({ cpu: t.cpu + n.cpuPercent, memory: t.memory + n.memoryUsedBytes }), { cpu: 0, memory: 0 });

  return (
    <main className="page overview-page stack" style={{ gap: 20 }}>
      <div className="page-header" style={{ marginBottom: 0 }}>
        <div>
          <h1>Overview</h1>
          <p>Every node and container of your teams, with what it uses right now.</p>
        </div>
        <span className={`live-pill${live ? '' : ' is-stale'}`} data-testid="overview-live" title={live ? `Refreshed every ${POLL_MS / 1000} s` : 'Cannot reach the server; retrying'}>
          <span className="live-pill-dot" aria-hidden />
          {live ? 'Live' : 'Reconnecting'}
        </span>
      </div>

      <section className="ov-stats" aria-label="Totals">
        <Stat label="Nodes" value={String(data.nodes.length)} sub={`${data.nodes.filter((n) => n.status === 'ready').length} ready`} />
        <Stat label="Containers" value={String(data.containers.length)} sub={`${running} running`} />
        <Stat label="CPU in use" value={cores(totals.cpu)} sub="summed over containers" />
        <Stat label="Memory in use" value={bytes(totals.memory)} sub="without file cache" />
      </section>

      <section aria-label="Nodes">
        <h2 className="ov-section-title">Nodes</h2>
        {data.nodes.length === 0 ? (
          <div className="card empty">
            <span className="empty-icon" aria-hidden>
              <ServerIcon size={20} />
            </span>
            <h3>No nodes yet</h3>
            <p className="muted">
              <Link to="/nodes">Add a node</Link> to run services on a machine with Docker.
            </p>
          </div>
        ) : (
          <div className="ov-nodes" data-testid="overview-nodes">
            {data.nodes.map((n) => (
              <NodeCard key={n.id} node={n} />
            ))}
          </div>
        )}
      </section>

      <section className="card ov-containers" aria-label="Containers">
        <div className="card-header">
          <h2>
            Containers <span className="badge">{shown.length === rows.length ? rows.length : `${shown.length} of ${rows.length}`}</span>
          </h2>
          <input
            className="input ov-filter"
            type="search"
            placeholder="Filter by service, project, node, image, state…"
            aria-label="Filter containers"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            data-testid="overview-filter"
          />
        </div>
        {rows.length === 0 ? (
          <div className="empty">
            <h3>No containers yet</h3>
            <p className="muted">Deploy a service from a project’s canvas and its containers show up here.</p>
          </div>
        ) : (
          <div className="ov-scroll">
            <table className="table ov-table" data-testid="overview-containers" data-hydrated={hydrated || undefined}>
              <colgroup>
                <col className="ov-col-service" />
                <col className="ov-col-project" />
                <col className="ov-col-node" />
                <col className="ov-col-state" />
                <col className="ov-col-cpu" />
                <col className="ov-col-memory" />
                <col className="ov-col-network" />
                <col className="ov-col-uptime" />
              </colgroup>
              <thead>
                <tr>
                  <SortHeader label="Service" column="service" sort={sort} onSort={onSort} />
                  <SortHeader label="Project / environment" column="project" sort={sort} onSort={onSort} />
                  <SortHeader label="Node" column="node" sort={sort} onSort={onSort} />
                  <SortHeader label="State" column="state" sort={sort} onSort={onSort} />
                  <SortHeader label="CPU" column="cpu" sort={sort} onSort={onSort} numeric />
                  <SortHeader label="Memory" column="memory" sort={sort} onSort={onSort} numeric />
                  <SortHeader label="Network" column="network" sort={sort} onSort={onSort} numeric />
                  <SortHeader label="Uptime" column="uptime" sort={sort} onSort={onSort} numeric />
                </tr>
              </thead>
              <tbody>
                {shown.map((r) => (
                  <ContainerRow key={r.id} {...cells(r)} />
                ))}
              </tbody>
            </table>
            {shown.length === 0 ? <p className="ov-none muted">No container matches “{query}”.</p> : null}
          </div>
        )}
      </section>
    </main>
  );
}

function Stat({ label, value, sub }: { label: string; value: string; sub: string }) {
  return (
    <div className="ov-stat card">
      <div className="ov-stat-label">{label}</div>
      <div className="ov-stat-value">{value}</div>
      <div className="ov-stat-sub">{sub}</div>
    </div>
  );
}

const NODE_STATE = {
  ready: { label: 'Ready', dot: 'status-running' },
  reconnecting: { label: 'Reconnecting', dot: 'status-unhealthy' },
  lost: { label: 'Lost', dot: 'status-crashed' },
} as const;

const NodeCard = memo(function NodeCard({ node }: { node: OverviewNode }) {
  const state = NODE_STATE[node.status];
  const cpuShare = node.cpus ? node.cpuPercent / (node.cpus * 100) : null;
  const memoryShare = node.memoryBytes ? node.memoryUsedBytes / node.memoryBytes : null;
  return (
    <div className="card ov-node" data-testid="overview-node" data-name={node.name} data-state={node.status}>
      <div className="ov-node-head">
        <span className="ov-node-icon" aria-hidden>
          <ServerIcon size={15} />
        </span>
        <div className="ov-node-title">
          <div className="ov-node-name">{node.name}</div>
          <div className="ov-node-sub">
            {node.team ?? 'Shared node'}
            {node.engineVersion ? ` · Docker ${node.engineVersion.replace(/\+.*$/, '')}` : ''}
          </div>
        </div>
        <span className={`node-state is-${node.status}`}>
          <span className={`status-dot ${state.dot}`} aria-hidden />
          {state.label}
        </span>
      </div>
      <Gauge
        label="CPU"
        share={cpuShare}
        value={cores(node.cpuPercent)}
        of={node.cpus !== null ? `of ${node.cpus} ${node.cpus === 1 ? 'core' : 'cores'}` : 'cores unknown'}
      />
      <Gauge label="Memory" share={memoryShare} value={bytes(node.memoryUsedBytes)} of={node.memoryBytes !== null ? `of ${bytes(node.memoryBytes)}` : 'size unknown'} />
      <div className="ov-node-foot">
        {node.containers} {node.containers === 1 ? 'container' : 'containers'} · {node.running} running
        {node.team === null ? <span className="faint"> (yours)</span> : null}
      </div>
    </div>
  );
});

function Gauge({ label, share, value, of }: { label: string; share: number | null; value: string; of: string }) {
  const pct = share === null ? 0 : Math.min(100, Math.max(0, share * 100));
  return (
    <div className="ov-gauge">
      <div className="ov-gauge-head">
        <span className="ov-gauge-label">{label}</span>
        <span>
          <strong>{value}</strong> <span className="faint">{of}</span>
        </span>
      </div>
      <div className={`ov-bar${pct > 85 ? ' is-hot' : pct > 60 ? ' is-warm' : ''}`} role="meter" aria-label={`${label} in use`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(pct)}>
        <span style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}

function SortHeader({ label, column, sort, onSort, numeric }: { label: string; column: SortKey; sort: Sort; onSort: (key: SortKey) => void; numeric?: boolean }) {
  const active = sort.key === column;
  return (
    <th aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'} className={numeric ? 'is-numeric' : undefined}>
      <button type="button" className={`ov-sort${active ? ' is-active' : ''}`} onClick={() => onSort(column)} data-testid={`sort-${column}`}>
        {label}
        <span className="ov-sort-arrow" aria-hidden>
          {active ? (sort.dir === 'asc' ? '↑' : '↓') : '↕'}
        </span>
      </button>
    </th>
  );
}

/** Everything a row shows, as primitives: React.memo's shallow compare then skips unchanged rows. */
function cells(r: Row) {
  const { c } = r;
  const s = c.sample;
  const limit = s?.memoryLimitBytes ?? null;
  return {
    id: c.id,
    service: c.serviceName,
    container: c.name,
    image: c.image,
    projectId: c.projectId,
    environmentId: c.environmentId,
    project: c.projectName,
    environment: c.environmentName,
    node: c.nodeName,
    state: c.state,
    health: c.health,
    exitCode: c.exitCode,
    cpu: r.cpu,
    memory: r.memory === null ? null : bytes(r.memory),
    memoryShare: r.memory !== null && limit ? r.memory / limit : null,
    rx: s?.netRxBytesPerS ?? null,
    tx: s?.netTxBytesPerS ?? null,
    uptime: r.uptime === null ? null : uptime(r.uptime),
  };
}

const ContainerRow = memo(function ContainerRow(p: ReturnType<typeof cells>) {
  const stateClass = p.state === 'running' ? (p.health === 'unhealthy' ? 'status-unhealthy' : 'status-running') : p.state === 'exited' || p.state === 'dead' ? 'status-crashed' : 'status-deploying';
  return (
    <tr data-testid="overview-row" data-service={p.service} data-state={p.state} data-cpu={p.cpu ?? ''}>
      <td>
        <div className="ov-service">{p.service}</div>
        <div className="ov-sub mono" title={`${p.container}\n${p.image}`}>
          {p.container}
        </div>
      </td>
      <td>
        <Link className="ov-project" to={`/projects/${p.projectId}/env/${p.environmentId}`}>
          {p.project}
        </Link>
        <div className="ov-sub">{p.environment}</div>
      </td>
      <td className="ov-node-cell">{p.node}</td>
      <td>
        <span className="ov-state">
          <span className={`status-dot ${stateClass}`} aria-hidden />
          {STATE_LABEL[p.state] ?? p.state}
          {p.state === 'exited' && p.exitCode !== null ? <span className="faint"> ({p.exitCode})</span> : null}
        </span>
        {p.health ? <div className={`ov-sub ov-health is-${p.health}`}>{p.health}</div> : null}
      </td>
      <td className="is-numeric">
        {p.cpu === null ? (
          <span className="faint">—</span>
        ) : (
          <Bar value={p.cpu >= 10 ? `${Math.round(p.cpu)}%` : `${p.cpu.toFixed(1)}%`} share={p.cpu / 100} testId="overview-cpu" />
        )}
      </td>
      <td className="is-numeric">
        {p.memory === null ? <span className="faint">—</span> : p.memoryShare !== null ? <Bar value={p.memory} share={p.memoryShare} /> : p.memory}
      </td>
      <td className="is-numeric ov-net">
        {p.rx === null && p.tx === null ? (
          <span className="faint">—</span>
        ) : (
          <>
            <span title="received">↓ {rate(p.rx)}</span>
            <span title="sent">↑ {rate(p.tx)}</span>
          </>
        )}
      </td>
      <td className="is-numeric">{p.uptime ?? <span className="faint">—</span>}</td>
    </tr>
  );
});

function Bar({ value, share, testId }: { value: ReactNode; share: number; testId?: string }) {
  const pct = Math.min(100, Math.max(0, share * 100));
  return (
    <span className="ov-cell-bar" data-testid={testId}>
      <span className="ov-cell-value">{value}</span>
      <span className={`ov-minibar${pct > 85 ? ' is-hot' : pct > 60 ? ' is-warm' : ''}`} aria-hidden>
        <span style={{ width: `${Math.max(pct, pct > 0 ? 2 : 0)}%` }} />
      </span>
    </span>
  );
}

const STATE_LABEL: Record<string, string> = {
  created: 'Created',
  running: 'Running',
  paused: 'Paused',
  restarting: 'Restarting',
  removing: 'Removing',
  exited: 'Exited',
  dead: 'Dead',
};

/** Percent of one core as cores: `0.42 cores`, `1.3 cores`. */
function cores(percent: number): string {
  const n = percent / 100;
  return `${n < 1 ? n.toFixed(2) : n.toFixed(1)} ${n === 1 ? 'core' : 'cores'}`;
}

function rate(n: number | null): string {
  if (n === null) return '—';
  if (n < 1024) return `${Math.round(n)} B/s`;
  return `${bytes(n)}/s`;
}

function uptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}
