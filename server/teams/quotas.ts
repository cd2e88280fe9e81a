// Per-team quotas. A team's row in team_quotas overrides the instance defaults
// (CONTAINR_QUOTA_*) column by column. Projects are checked when one is
// created; services, CPU and memory when an environment is committed
// (`checkCommit`, called by the reconciler's commit).
import { and, count, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { commits, environments, projects, teamQuotas, teams } from '../../db/schema';
import type { DeployableSpec } from '../../sync/spec';
import type { Actor, Audit } from '../audit/service';
import type { Clock } from '../clock';
import type { Env } from '../env';
import { invalid, notFound, type Issue } from '../errors';

export type Quota = Env['quotaDefaults'];
export type QuotaName = keyof Quota;
export type QuotaPatch = { [K in QuotaName]?: number | null };

/** What a set of specs asks for, summed over services × replicas. */
export type Usage = { services: number; cpu: number; memoryMb: number };

const LABEL: Record<QuotaName, string> = {
  maxProjects: 'max projects',
  maxServices: 'max services',
  maxCpu: 'max CPU',
  maxMemoryMb: 'max memory (MB)',
};

/** Services, CPU and memory a spec asks for. Unset resources count as 0: they are not reserved. */
export function specUsage(spec: DeployableSpec): Usage {
  const usage: Usage = { services: 0, cpu: 0, memoryMb: 0 };
  for (const service of Object.values(spec.services)) {
    if (service.kind === 'volume') continue;
    const replicas = Math.max(0, service.replicas ?? 1);
    usage.services += 1;
    usage.cpu += (service.resources?.cpu ?? 0) * replicas;
    usage.memoryMb += (service.resources?.memoryMb ?? 0) * replicas;
  }
  return usage;
}

export function createQuotas(db: Db, defaults: Quota, audit: Audit, clock: Clock) {
  function get(teamId: string): Quota {
    const row = db.select().from(teamQuotas).where(eq(teamQuotas.teamId, teamId)).get();
    return {
      maxProjects: row?.maxProjects ?? defaults.maxProjects,
      maxServices: row?.maxServices ?? defaults.maxServices,
      maxCpu: row?.maxCpu ?? defaults.maxCpu,
      maxMemoryMb: row?.maxMemoryMb ?? defaults.maxMemoryMb,
    };
  }

  const projectCount = (teamId: string) =>
    db.select({ n: count() }).from(projects).where(eq(projects.teamId, teamId)).get()?.n ?? 0;

  /** The latest committed spec of every environment of the team: what the commit-time check counts. */
  const committedSpecs = (teamId: string): DeployableSpec[] =>
    db
      .select({ spec: commits.spec })
      .from(commits)
      .innerJoin(environments, eq(environments.id, commits.environmentId))
      .innerJoin(projects, eq(projects.id, environments.projectId))
      .where(
        and(
          eq(projects.teamId, teamId),
          sql`${commits.number} = (select max(latest.number) from commits latest where latest.environment_id = ${commits.environmentId})`,
        ),
      )
      .all()
      .map((r) => r.spec);

  return {
    get,
    LABEL,
    /** Projects, and the services, CPU and memory (MB) the latest commit of every environment asks for. */
    usage(teamId: string): Usage & { projects: number } {
      const total = committedSpecs(teamId)
        .map(specUsage)
        .reduce((a, b) => ({ services: a.services + b.services, cpu: a.cpu + b.cpu, memoryMb: a.memoryMb + b.memoryMb }), {
          services: 0,
          cpu: 0,
          memoryMb: 0,
        });
      return { projects: projectCount(teamId), ...total, cpu: Math.round(total.cpu * 100) / 100 };
    },

    /** Throws 422 naming the quota when the team has no room for another project. */
    assertCanCreateProject(teamId: string): void {
      const { maxProjects } = get(teamId);
      if (projectCount(teamId) >= maxProjects) {
        const message = `this team has reached its quota of ${maxProjects} project${maxProjects === 1 ? '' : 's'} (${LABEL.maxProjects})`;
        throw invalid(message, [{ path: 'quota.maxProjects', message }]);
      }
    },

    /**
     * Issues (empty when it fits) for committing `spec` to one environment of
     * the team. `others` are the latest committed specs of the team's other
     * environments, which count against the same quota.
     */
    checkCommit(teamId: string, spec: DeployableSpec, others: readonly DeployableSpec[] = []): Issue[] {
      const quota = get(teamId);
      const total = [spec, ...others].map(specUsage).reduce((a, b) => ({
        services: a.services + b.services,
        cpu: a.cpu + b.cpu,
        memoryMb: a.memoryMb + b.memoryMb,
      }));
      const issues: Issue[] = [];
      const check = (name: QuotaName, used: number, unit: string) => {
        const limit = quota[name];
        if (used > limit) {
          const round = (n: number) => Math.round(n * 100) / 100;
          issues.push({ path: `quota.${name}`, message: `the team would use ${round(used)} ${unit} of its quota of ${limit} (${LABEL[name]})` });
        }
      };
      check('maxServices', total.services, 'services');
      check('maxCpu', total.cpu, 'CPUs');
      check('maxMemoryMb', total.memoryMb, 'MB of memory');
      return issues;
    },

    /** Instance admins only: the caller checks. A null value returns a quota to the default. */
    set(actor: Actor, teamId: string, patch: QuotaPatch): Quota {
      if (!db.select({ id: teams.id }).from(teams).where(eq(teams.id, teamId)).get()) throw notFound('team');
      const before = get(teamId);
      const row = db.select().from(teamQuotas).where(eq(teamQuotas.teamId, teamId)).get();
      const next = {
        teamId,
        maxProjects: patch.maxProjects === undefined ? (row?.maxProjects ?? null) : patch.maxProjects,
        maxServices: patch.maxServices === undefined ? (row?.maxServices ?? null) : patch.maxServices,
        maxCpu: patch.maxCpu === undefined ? (row?.maxCpu ?? null) : patch.maxCpu,
        maxMemoryMb: patch.maxMemoryMb === undefined ? (row?.maxMemoryMb ?? null) : patch.maxMemoryMb,
        updatedAt: new Date(clock.now()),
      };
      db.insert(teamQuotas).values(next).onConflictDoUpdate({ target: teamQuotas.teamId, set: next }).run();
      const after = get(teamId);
      audit.record({ actor, action: 'team.quota_update', target: { type: 'team', id: teamId }, teamId, details: { before, after } });
      return after;
    },
  };
}

export type Quotas = ReturnType<typeof createQuotas>;
