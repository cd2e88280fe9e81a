// Whose telemetry is it? An agent may report only about containers of its own
// node (containr.node), in an environment that exists, of a team the node
// serves (a shared node serves every team). The environment's project comes
// from the database, never from the labels.
import type { Db } from '../../db/client';
import type { ContainerRef } from '../../sync/events';
import type { Actor } from '../audit/service';
import type { Clock } from '../clock';
import { DomainError, notFound } from '../errors';
import type { Projects } from '../projects/service';

export type Sender = { nodeId: string; teamId: string | null };
export type Rejection = 'OTHER_NODE' | 'UNKNOWN_ENVIRONMENT' | 'OTHER_TEAM';
export type Checked = { ok: true; projectId: string } | { ok: false; reason: Rejection };

type EnvironmentRow = { projectId: string; teamId: string };

const CACHE_MS = 30_000;

export function createSources(deps: { db: Db; clock: Clock; projects: Pick<Projects, 'environmentAccess'> }) {
  const { db, clock, projects } = deps;
  const byId = db.$client.prepare<[string], EnvironmentRow>(
    'SELECT e.project_id AS projectId, p.team_id AS teamId FROM environments e JOIN projects p ON p.id = e.project_id WHERE e.id = ?',
  );
  const cache = new Map<string, { row: EnvironmentRow | null; at: number }>();

  function environment(id: string): EnvironmentRow | null {
    const now = clock.now();
    const hit = cache.get(id);
    if (hit && now - hit.at < CACHE_MS) return hit.row;
    const row = byId.get(id) ?? null;
    if (cache.size > 10_000) cache.clear();
    cache.set(id, { row, at: now });
    return row;
  }

  return {
    environment,

    check(sender: Sender, ref: ContainerRef): Checked {
      if (ref.nodeId !== sender.nodeId) return { ok: false, reason: 'OTHER_NODE' };
      const env = environment(ref.environmentId);
      if (!env) return { ok: false, reason: 'UNKNOWN_ENVIRONMENT' };
      if (sender.teamId !== null && sender.teamId !== env.teamId) return { ok: false, reason: 'OTHER_TEAM' };
      return { ok: true, projectId: env.projectId };
    },

    /**
     * The environment a history request is about. Service ids are canvas ids,
     * which a forked environment shares with its origin: with `environmentId`
     * that one (if the actor may read it), else the one environment holding
     * data of the service that the actor may read.
     */
    serviceEnvironment(actor: Actor, serviceId: string, environmentId: string | undefined): string {
      if (environmentId) {
        projects.environmentAccess(actor, environmentId, 'environment:read');
        return environmentId;
      }
      const candidates = db.$client
        .prepare<[string, string], { id: string }>(
          `SELECT environment_id AS id FROM log_usage WHERE service_id = ?
           UNION SELECT environment_id AS id FROM metric_containers WHERE service_id = ?`,
        )
        .all(serviceId, serviceId)
        .map((r) => r.id)
        .filter((id) => readable(actor, id));
      if (candidates.length === 0) throw notFound('service');
      if (candidates.length > 1) {
        const message = 'this service id is in several environments; pass environmentId';
        throw new DomainError('VALIDATION', message, [{ path: 'environmentId', message }]);
      }
      return candidates[0];
    },
  };

  function readable(actor: Actor, environmentId: string): boolean {
    try {
      projects.environmentAccess(actor, environmentId, 'environment:read');
      return true;
    } catch (error) {
      if (error instanceof DomainError && (error.code === 'NOT_FOUND' || error.code === 'FORBIDDEN')) return false;
      throw error;
    }
  }
}

export type Sources = ReturnType<typeof createSources>;
