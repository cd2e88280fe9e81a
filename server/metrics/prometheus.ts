// GET /metrics in the Prometheus text format (version 0.0.4): per service, its
// running containers added up, labelled with project, environment and service
// (names, and ids for when names change). Scrapers authenticate with
// `Authorization: Bearer <CONTAINR_METRICS_TOKEN>` or an instance admin's API token.
import type { RequestHandler } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../db/client';
import { LABELS } from '../../sync/events';
import type { NodeInfo } from '../agents/types';
import { sendError } from '../http/errors';
import type { Metrics } from './index';

type Labels = Record<string, string>;
type Family = { name: string; help: string; type: 'gauge' | 'counter'; samples: { labels: Labels; value: number }[] };

export type PrometheusSources = {
  db: Db;
  metrics: Pick<Metrics, 'current' | 'counters'>;
  logCounters: () => { stored: number; duplicates: number; rejected: number; deleted: number; skippedLive: number };
  nodes: () => NodeInfo[];
};

/** Escapes a label value: backslash, double quote and line feed. */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function line(name: string, labels: Labels, value: number): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return `${name}${pairs.length ? `{${pairs.join(',')}}` : ''} ${Number.isFinite(value) ? value : 'NaN'}`;
}

export function formatFamilies(families: Family[]): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) out.push(line(f.name, s.labels, s.value));
  }
  return `${out.join('\n')}\n`;
}

/** Names for labels: project slug, environment name, service names from the environment's latest commit. */
function createNames(db: Db) {
  const environment = db.$client.prepare<[string], { environment: string; project: string }>(
    'SELECT e.name AS environment, p.slug AS project FROM environments e JOIN projects p ON p.id = e.project_id WHERE e.id = ?',
  );
  const latestCommit = db.$client.prepare<[string], { id: string }>(
    'SELECT id FROM commits WHERE environment_id = ? ORDER BY number DESC LIMIT 1',
  );
  const commitSpec = db.$client.prepare<[string], { spec: string }>('SELECT spec FROM commits WHERE id = ?');
  const services = new Map<string, { commitId: string; names: Map<string, string> }>();

  function serviceNames(environmentId: string): Map<string, string> {
    const commit = latestCommit.get(environmentId);
    if (!commit) return new Map();
    const cached = services.get(environmentId);
    if (cached?.commitId === commit.id) return cached.names;
    const names = new Map<string, string>();
    try {
      const spec = JSON.parse(commitSpec.get(commit.id)?.spec ?? '{}') as { services?: Record<string, { name?: unknown }> };
      for (const [id, s] of Object.entries(spec.services ?? {})) if (typeof s.name === 'string') names.set(id, s.name);
    } catch {
      // a spec that does not parse names nothing; ids still label the series
    }
    services.set(environmentId, { commitId: commit.id, names });
    return names;
  }

  return (environmentId: string) => {
    const row = environment.get(environmentId);
    return row ? { ...row, services: serviceNames(environmentId) } : null;
  };
}

export function createPrometheus(sources: PrometheusSources) {
  const names = createNames(sources.db);

  return function render(): string {
    type Series = {
      labels: Labels;
      up: number;
      cpu: number;
      memory: number;
      limit: number | null;
      rx: number;
      tx: number;
      read: number;
      write: number;
    };
    const series = new Map<string, Series>();
    const nameCache = new Map<string, ReturnType<typeof names>>();
    const seriesOf = (projectId: string, environmentId: string, serviceId: string): Series | null => {
      const key = `${environmentId}\u0000${serviceId}`;
      const existing = series.get(key);
      if (existing) return existing;
      if (!nameCache.has(environmentId)) nameCache.set(environmentId, names(environmentId));
      const named = nameCache.get(environmentId);
      if (!named) return null; // a deleted environment
      const s: Series = {
        labels: {
          project: named.project,
          environment: named.environment,
          service: named.services.get(serviceId) ?? serviceId,
          project_id: projectId,
          environment_id: environmentId,
          service_id: serviceId,
        },
        up: 0,
        cpu: 0,
        memory: 0,
        limit: 0,
        rx: 0,
        tx: 0,
        read: 0,
        write: 0,
      };
      series.set(key, s);
      return s;
    };

    // Which services have containers, and how many run: the agents' inventories.
    for (const node of sources.nodes()) {
      for (const c of node.containers) {
        const projectId = c.labels[LABELS.project];
        const environmentId = c.labels[LABELS.environment];
        const serviceId = c.labels[LABELS.service];
        if (!projectId || !environmentId || !serviceId) continue;
        const s = seriesOf(projectId, environmentId, serviceId);
        if (s && c.state === 'running' && node.status === 'ready') s.up++;
      }
    }
    for (const [environmentId, containers] of sources.metrics.current()) {
      for (const c of containers) {
        const s = seriesOf(c.projectId, environmentId, c.serviceId);
        if (!s) continue;
        s.cpu += c.cpuPercent;
        s.memory += c.memoryBytes;
        s.limit = s.limit === null || c.memoryLimitBytes === null ? null : s.limit + c.memoryLimitBytes;
        s.rx += c.netRxBytes;
        s.tx += c.netTxBytes;
        s.read += c.blockReadBytes;
        s.write += c.blockWriteBytes;
      }
    }

    const all = [...series.values()].sort((a, b) =>
      `${a.labels.project}/${a.labels.environment}/${a.labels.service}`.localeCompare(
        `${b.labels.project}/${b.labels.environment}/${b.labels.service}`,
      ),
    );
    const family = (name: string, help: string, type: Family['type'], pick: (s: Series) => number | null): Family => ({
      name,
      help,
      type,
      samples: all.flatMap((s) => {
        const value = pick(s);
        return value === null ? [] : [{ labels: s.labels, value }];
      }),
    });
    const m = sources.metrics.counters();
    const l = sources.logCounters();
    return formatFamilies([
      family('containr_service_containers_up', 'Running containers of the service.', 'gauge', (s) => s.up),
      family(
        'containr_service_cpu_percent',
        'CPU use of the service, percent of one core (100 = one full core), summed over its containers.',
        'gauge',
        (s) => Math.round(s.cpu * 100) / 100,
      ),
      family('containr_service_memory_bytes', 'Memory in use (without inactive file cache), summed over its containers.', 'gauge', (s) => s.memory),
      family('containr_service_memory_limit_bytes', 'Memory limit summed over its containers (absent when one has none).', 'gauge', (s) =>
        s.limit && s.limit > 0 ? s.limit : null,
      ),
      family('containr_service_network_receive_bytes_total', 'Bytes received by its running containers since they started.', 'counter', (s) => s.rx),
      family('containr_service_network_transmit_bytes_total', 'Bytes sent by its running containers since they started.', 'counter', (s) => s.tx),
      family('containr_service_block_read_bytes_total', 'Bytes its running containers read from block devices.', 'counter', (s) => s.read),
      family('containr_service_block_write_bytes_total', 'Bytes its running containers wrote to block devices.', 'counter', (s) => s.write),
      { name: 'containr_log_lines_stored_total', help: 'Log lines stored since the server started.', type: 'counter', samples: [{ labels: {}, value: l.stored }] },
      {
        name: 'containr_log_lines_duplicate_total',
        help: 'Log lines an agent sent again that were already stored (dropped).',
        type: 'counter',
        samples: [{ labels: {}, value: l.duplicates }],
      },
      {
        name: 'containr_telemetry_rejected_total',
        help: 'Telemetry an agent may not send (another node, another team, an unknown environment), ignored.',
        type: 'counter',
        samples: [
          { labels: { kind: 'log_lines' }, value: l.rejected },
          { labels: { kind: 'samples' }, value: m.rejected },
        ],
      },
      {
        name: 'containr_agent_samples_dropped_total',
        help: 'Samples agents discarded while the server was unreachable for long.',
        type: 'counter',
        samples: [{ labels: {}, value: m.agentDropped }],
      },
    ]);
  };
}

/** `Authorization: Bearer <metrics token>`, or an instance admin's API token (not a session cookie). */
export function prometheusHandler(deps: {
  render: () => string;
  metricsToken: string | undefined;
  isInstanceAdmin: (userId: string) => boolean;
}): RequestHandler {
  const expected = deps.metricsToken ? createHash('sha256').update(deps.metricsToken).digest() : null;
  return (req, res) => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const viaToken = !!bearer && !!expected && timingSafeEqual(createHash('sha256').update(bearer).digest(), expected);
    const viewer = req.viewer;
    if (!viaToken) {
      if (!bearer || !viewer || viewer.sessionId !== null) {
        res.setHeader('WWW-Authenticate', 'Bearer');
        return sendError(res, 401, 'NOT_AUTHENTICATED', 'send the metrics token or an instance admin API token as a bearer token');
      }
      if (!deps.isInstanceAdmin(viewer.user.id)) return sendError(res, 403, 'FORBIDDEN', 'only an instance admin may read /metrics');
    }
    res.setHeader('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.send(deps.render());
  };
}
