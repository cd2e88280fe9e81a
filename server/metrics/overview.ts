// The overview: every node the actor may see and every container on them in an
// environment the actor may read, each with its newest sample. Built from the
// agents' inventories (what exists) and the metrics' current samples (what it
// uses); names come from the database, never from container labels.
import type { Db } from '../../db/client';
import { LABELS, type ObservedContainer } from '../../sync/events';
import type { NodeInfo } from '../agents/types';
import type { Actor } from '../audit/service';
import type { Clock } from '../clock';
import type { DomainError } from '../errors';
import type { Projects } from '../projects/service';
import type { Teams } from '../teams/service';
import type { Current } from './index';

export type OverviewSample = {
  ts: number;
  cpuPercent: number;
  memoryBytes: number;
  memoryLimitBytes: number | null;
  netRxBytesPerS: number | null;
  netTxBytesPerS: number | null;
};

export type OverviewContainer = {
  id: string;
  name: string;
  image: string;
  nodeId: string;
  nodeName: string;
  projectId: string;
  projectName: string;
  environmentId: string;
  environmentName: string;
  serviceId: string;
  serviceName: string;
  state: ObservedContainer['state'];
  health: ObservedContainer['health'];
  exitCode: number | null;
  /** Epoch ms, or null when it never started. */
  startedAt: number | null;
  /** null: no fresh sample (stopped, or the agent has not reported yet). */
  sample: OverviewSample | null;
};

export type OverviewNode = {
  id: string;
  name: string;
  /** The team's name; null for a shared node. */
  team: string | null;
  status: 'ready' | 'reconnecting' | 'lost';
  engineVersion: string | null;
  cpus: number | null;
  memoryBytes: number | null;
  lastHeartbeatAt: number | null;
  /** Of the containers listed here (on a shared node, only the actor's). */
  containers: number;
  running: number;
  /** Summed over the listed containers' fresh samples: percent of one core, bytes. */
  cpuPercent: number;
  memoryUsedBytes: number;
};

export type Overview = { now: number; nodes: OverviewNode[]; containers: OverviewContainer[] };

type Names = { environmentName: string; projectId: string; projectName: string; services: Map<string, string> };

export function createOverview(deps: {
  db: Db;
  clock: Clock;
  teams: Pick<Teams, 'listForUser'>;
  projects: Pick<Projects, 'environmentAccess'>;
  nodes: (actor: Actor) => NodeInfo[];
  current: () => Map<string, Current[]>;
}) {
  const { db, clock, projects } = deps;
  const environmentRow = db.$client.prepare<[string], { environmentName: string; projectId: string; projectName: string }>(
    `SELECT e.name AS environmentName, p.id AS projectId, p.name AS projectName
     FROM environments e JOIN projects p ON p.id = e.project_id WHERE e.id = ?`,
  );
  const latestCommit = db.$client.prepare<[string], { id: string }>('SELECT id FROM commits WHERE environment_id = ? ORDER BY number DESC LIMIT 1');
  const commitSpec = db.$client.prepare<[string], { spec: string }>('SELECT spec FROM commits WHERE id = ?');
  /** Service names by environment, parsed once per commit. */
  const serviceNames = new Map<string, { commitId: string; names: Map<string, string> }>();

  function servicesOf(environmentId: string): Map<string, string> {
    const commit = latestCommit.get(environmentId);
    if (!commit) return new Map();
    const cached = serviceNames.get(environmentId);
    if (cached?.commitId === commit.id) return cached.names;
    const names = new Map<string, string>();
    try {
      const spec = JSON.parse(commitSpec.get(commit.id)?.spec ?? '{}') as { services?: Record<string, { name?: unknown }> };
      for (const [id, s] of Object.entries(spec.services ?? {})) if (typeof s.name === 'string') names.set(id, s.name);
    } catch {
      // A spec that does not parse names nothing: the service id stands in.
    }
    if (serviceNames.size > 10_000) serviceNames.clear();
    serviceNames.set(environmentId, { commitId: commit.id, names });
    return names;
  }

  /** The environment's names, or null when the actor may not read it (or it is gone). */
  function readable(actor: Actor, environmentId: string): Names | null {
    try {
      projects.environmentAccess(actor, environmentId, 'environment:read');
    } catch (error) {
      // By name, not instanceof: the page's loader runs a bundled copy of this module.
      const code = error instanceof Error && error.name === 'DomainError' ? (error as DomainError).code : null;
      if (code === 'NOT_FOUND' || code === 'FORBIDDEN') return null;
      throw error;
    }
    const row = environmentRow.get(environmentId);
    return row ? { ...row, services: servicesOf(environmentId) } : null;
  }

  return {
    read(actor: Actor): Overview {
      const now = clock.now();
      const teamName = new Map(deps.teams.listForUser(actor.userId).map((t) => [t.id, t.name]));
      const samples = new Map<string, Current>();
      for (const list of deps.current().values()) for (const c of list) samples.set(c.containerId, c);
      // One access check per environment, however many containers it has.
      const access = new Map<string, Names | null>();
      const nodes: OverviewNode[] = [];
      const containers: OverviewContainer[] = [];

      for (const node of deps.nodes(actor)) {
        const summary: OverviewNode = {
          id: node.id,
          name: node.name,
          team: node.teamId === null ? null : (teamName.get(node.teamId) ?? null),
          status: node.status === 'lost' ? 'lost' : node.connected ? 'ready' : 'reconnecting',
          engineVersion: node.engineVersion,
          cpus: node.cpus,
          memoryBytes: node.memoryBytes,
          lastHeartbeatAt: node.lastHeartbeatAt,
          containers: 0,
          running: 0,
          cpuPercent: 0,
          memoryUsedBytes: 0,
        };
        nodes.push(summary);
        for (const c of node.containers) {
          const environmentId = c.labels[LABELS.environment];
          const serviceId = c.labels[LABELS.service];
          if (!environmentId || !serviceId) continue;
          if (!access.has(environmentId)) access.set(environmentId, readable(actor, environmentId));
          const names = access.get(environmentId);
          if (!names) continue;
          const s = samples.get(c.id);
          const sample: OverviewSample | null = s
            ? {
                ts: s.ts,
                cpuPercent: s.cpuPercent,
                memoryBytes: s.memoryBytes,
                memoryLimitBytes: s.memoryLimitBytes,
                netRxBytesPerS: s.netRxBytesPerS,
                netTxBytesPerS: s.netTxBytesPerS,
              }
            : null;
          const startedAt = c.startedAt ? Date.parse(c.startedAt) : NaN;
          containers.push({
            id: c.id,
            name: c.name,
            image: c.image,
            nodeId: node.id,
            nodeName: node.name,
            projectId: names.projectId,
            projectName: names.projectName,
            environmentId,
            environmentName: names.environmentName,
            serviceId,
            serviceName: names.services.get(serviceId) ?? serviceId,
            state: c.state,
            health: c.health,
            exitCode: c.exitCode,
            startedAt: Number.isFinite(startedAt) && startedAt > 0 ? startedAt : null,
            sample,
          });
          summary.containers++;
          if (c.state === 'running') summary.running++;
          if (sample) {
            summary.cpuPercent += sample.cpuPercent;
            summary.memoryUsedBytes += sample.memoryBytes;
          }
        }
        summary.cpuPercent = Math.round(summary.cpuPercent * 100) / 100;
      }
      return { now, nodes, containers };
    },
  };
}

export type OverviewReader = ReturnType<typeof createOverview>;

type OverviewServices = {
  db: Db;
  clock: Clock;
  teams: Pick<Teams, 'listForUser'>;
  projects: Pick<Projects, 'environmentAccess'>;
  agents: { listForActor(actor: Actor): NodeInfo[] };
  telemetry: { metrics: { current(): Map<string, Current[]> } };
};
const readers = new WeakMap<OverviewServices, OverviewReader>();

/** One reader per services object (its prepared statements and name cache), shared by the API and the page's loader. */
export function overviewOf(services: OverviewServices): OverviewReader {
  let reader = readers.get(services);
  if (!reader) {
    reader = createOverview({
      db: services.db,
      clock: services.clock,
      teams: services.teams,
      projects: services.projects,
      nodes: (actor) => services.agents.listForActor(actor),
      current: () => services.telemetry.metrics.current(),
    });
    readers.set(services, reader);
  }
  return reader;
}
