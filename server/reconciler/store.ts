// Commits, deployments and their events in the database. No access checks
// here: callers (commits.ts, the reconciler) have done them.
import { and, asc, desc, eq, inArray, lt, ne, notInArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import {
  commits,
  deploymentEvents,
  deployments,
  environments,
  projects,
  type DeploymentStatus,
  type DeploymentTrigger,
} from '../../db/schema';
import type { DeployableSpec, SpecDiff } from '../../sync';
import type { Clock } from '../clock';
import { newId } from '../ids';

export type Commit = typeof commits.$inferSelect;
export type Deployment = typeof deployments.$inferSelect;
export type DeploymentEvent = typeof deploymentEvents.$inferSelect;

export const ACTIVE: DeploymentStatus[] = ['queued', 'running'];

export function createDeployStore(db: Db, clock: Clock) {
  const now = () => new Date(clock.now());

  function latestCommit(environmentId: string): Commit | undefined {
    return db.select().from(commits).where(eq(commits.environmentId, environmentId)).orderBy(desc(commits.number)).limit(1).get();
  }

  return {
    latestCommit,

    /** The latest committed spec of every other environment of a team, for quotas. */
    latestSpecsOfTeam(teamId: string, exceptEnvironmentId: string): DeployableSpec[] {
      const rows = db
        .select({ environmentId: commits.environmentId, number: sql<number>`max(${commits.number})` })
        .from(commits)
        .innerJoin(environments, eq(environments.id, commits.environmentId))
        .innerJoin(projects, eq(projects.id, environments.projectId))
        .where(and(eq(projects.teamId, teamId), ne(commits.environmentId, exceptEnvironmentId)))
        .groupBy(commits.environmentId)
        .all();
      return rows.flatMap((r) => {
        const commit = db
          .select({ spec: commits.spec })
          .from(commits)
          .where(and(eq(commits.environmentId, r.environmentId), eq(commits.number, r.number)))
          .get();
        return commit ? [commit.spec] : [];
      });
    },

    getCommit(id: string): Commit | undefined {
      return db.select().from(commits).where(eq(commits.id, id)).get();
    },

    listCommits(environmentId: string, opts: { before?: number; limit?: number } = {}): Commit[] {
      const where = opts.before
        ? and(eq(commits.environmentId, environmentId), lt(commits.number, opts.before))
        : eq(commits.environmentId, environmentId);
      return db.select().from(commits).where(where).orderBy(desc(commits.number)).limit(opts.limit ?? 50).all();
    },

    /** Stores a commit, and a queued deployment of it when `deploy` is given, in one transaction. */
    createCommit(input: {
      environmentId: string;
      spec: DeployableSpec;
      diff: SpecDiff;
      message: string;
      author: { id: string; email: string } | null;
      rollbackOf?: string;
      deploy?: { trigger: DeploymentTrigger };
    }): { commit: Commit; deployment: Deployment | null } {
      return db.transaction((tx) => {
        const previous = tx
          .select({ id: commits.id, number: commits.number })
          .from(commits)
          .where(eq(commits.environmentId, input.environmentId))
          .orderBy(desc(commits.number))
          .limit(1)
          .get();
        const commit: Commit = {
          id: newId(),
          environmentId: input.environmentId,
          number: (previous?.number ?? 0) + 1,
          message: input.message,
          spec: input.spec,
          diff: input.diff,
          parentId: previous?.id ?? null,
          rollbackOf: input.rollbackOf ?? null,
          authorId: input.author?.id ?? null,
          authorEmail: input.author?.email ?? null,
          createdAt: now(),
        };
        tx.insert(commits).values(commit).run();
        let deployment: Deployment | null = null;
        if (input.deploy) {
          deployment = newDeployment(input.environmentId, commit.id, input.deploy.trigger, input.author);
          tx.insert(deployments).values(deployment).run();
        }
        return { commit, deployment };
      });
    },

    createDeployment(environmentId: string, commitId: string, trigger: DeploymentTrigger, author: { id: string; email: string } | null) {
      const deployment = newDeployment(environmentId, commitId, trigger, author);
      db.insert(deployments).values(deployment).run();
      return deployment;
    },

    getDeployment(id: string): Deployment | undefined {
      return db.select().from(deployments).where(eq(deployments.id, id)).get();
    },

    listDeployments(environmentId: string, opts: { limit?: number } = {}): Deployment[] {
      return db
        .select()
        .from(deployments)
        .where(eq(deployments.environmentId, environmentId))
        .orderBy(desc(deployments.createdAt), desc(sql`rowid`))
        .limit(opts.limit ?? 50)
        .all();
    },

    /** The deployment whose commit the environment should run: the newest one not cancelled (nor in `skip`: failed builds). */
    desiredDeployment(environmentId: string, skip: string[] = []): Deployment | undefined {
      const conditions = [eq(deployments.environmentId, environmentId), ne(deployments.status, 'cancelled')];
      if (skip.length > 0) conditions.push(notInArray(deployments.id, skip));
      return db
        .select()
        .from(deployments)
        .where(and(...conditions))
        .orderBy(desc(deployments.createdAt), desc(sql`rowid`))
        .limit(1)
        .get();
    },

    /** Environment ids with at least one deployment: the ones the reconciler looks after. */
    deployedEnvironments(): string[] {
      return db
        .selectDistinct({ id: deployments.environmentId })
        .from(deployments)
        .all()
        .map((r) => r.id);
    },

    markRunning(id: string): void {
      db.update(deployments)
        .set({ status: 'running', startedAt: now() })
        .where(and(eq(deployments.id, id), eq(deployments.status, 'queued')))
        .run();
    },

    /** Ends a deployment that is still queued or running; false when it had ended already. */
    finish(id: string, status: 'succeeded' | 'failed' | 'cancelled', reason: string | null = null): boolean {
      const result = db
        .update(deployments)
        .set({ status, reason, finishedAt: now() })
        .where(and(eq(deployments.id, id), inArray(deployments.status, ACTIVE)))
        .run();
      return result.changes > 0;
    },

    /** The environment's queued and running deployments. */
    active(environmentId: string): Deployment[] {
      return db
        .select()
        .from(deployments)
        .where(and(eq(deployments.environmentId, environmentId), inArray(deployments.status, ACTIVE)))
        .all();
    },

    /** Active deployments of the environment other than `keep`: a newer one supersedes them. */
    activeExcept(environmentId: string, keep: string): Deployment[] {
      return db
        .select()
        .from(deployments)
        .where(and(eq(deployments.environmentId, environmentId), inArray(deployments.status, ACTIVE), ne(deployments.id, keep)))
        .all();
    },

    addEvent(event: {
      environmentId: string;
      deploymentId: string | null;
      serviceId?: string | null;
      type: string;
      message: string;
      details?: Record<string, unknown>;
    }): DeploymentEvent {
      return db
        .insert(deploymentEvents)
        .values({
          environmentId: event.environmentId,
          deploymentId: event.deploymentId,
          serviceId: event.serviceId ?? null,
          type: event.type,
          message: event.message,
          details: event.details ?? null,
          createdAt: now(),
        })
        .returning()
        .get();
    },

    events(deploymentId: string): DeploymentEvent[] {
      return db.select().from(deploymentEvents).where(eq(deploymentEvents.deploymentId, deploymentId)).orderBy(asc(deploymentEvents.id)).all();
    },

    /** Volumes any commit of the environment mounted, for teardown. */
    commitSpecs(environmentId: string): DeployableSpec[] {
      return db
        .select({ spec: commits.spec })
        .from(commits)
        .where(eq(commits.environmentId, environmentId))
        .all()
        .map((r) => r.spec);
    },
  };

  function newDeployment(
    environmentId: string,
    commitId: string,
    trigger: DeploymentTrigger,
    author: { id: string; email: string } | null,
  ): Deployment {
    return {
      id: newId(),
      environmentId,
      commitId,
      trigger,
      status: 'queued',
      reason: null,
      createdById: author?.id ?? null,
      createdByEmail: author?.email ?? null,
      createdAt: now(),
      startedAt: null,
      finishedAt: null,
    };
  }
}

export type DeployStore = ReturnType<typeof createDeployStore>;
