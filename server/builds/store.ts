// Build records in the database. No access checks here: callers have done them.
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { builds, deployments, type BuildStatus } from '../../db/schema';
import type { Clock } from '../clock';

export type Build = typeof builds.$inferSelect;
export const BUILD_ACTIVE: BuildStatus[] = ['queued', 'running'];

export function createBuildStore(db: Db, clock: Clock) {
  const now = () => new Date(clock.now());

  return {
    insert(
      build: Omit<
        Build,
        'createdAt' | 'startedAt' | 'finishedAt' | 'log' | 'cached' | 'commit' | 'image' | 'runtime' | 'dockerfile' | 'error'
      >,
    ): Build {
      return db
        .insert(builds)
        .values({ ...build, createdAt: now() })
        .returning()
        .get();
    },

    get(id: string): Build | undefined {
      return db.select().from(builds).where(eq(builds.id, id)).get();
    },

    markRunning(id: string, nodeId: string): boolean {
      return (
        db
          .update(builds)
          .set({ status: 'running', nodeId, startedAt: now() })
          .where(and(eq(builds.id, id), eq(builds.status, 'queued')))
          .run().changes > 0
      );
    },

    /** Ends a queued or running build; false when it had ended already. */
    finish(
      id: string,
      status: 'succeeded' | 'failed' | 'cancelled',
      fields: Partial<Pick<Build, 'image' | 'commit' | 'runtime' | 'cached' | 'dockerfile' | 'error' | 'log'>>,
    ): boolean {
      return (
        db
          .update(builds)
          .set({ ...fields, status, finishedAt: now() })
          .where(and(eq(builds.id, id), inArray(builds.status, BUILD_ACTIVE)))
          .run().changes > 0
      );
    },

    ofDeployment(deploymentId: string): Build[] {
      return db
        .select()
        .from(builds)
        .where(eq(builds.deploymentId, deploymentId))
        .orderBy(desc(builds.createdAt), desc(sql`rowid`))
        .all();
    },

    list(filter: { environmentId: string; serviceId?: string; limit?: number; before?: Date }): Build[] {
      const conditions = [eq(builds.environmentId, filter.environmentId)];
      if (filter.serviceId) conditions.push(eq(builds.serviceId, filter.serviceId));
      if (filter.before) conditions.push(sql`${builds.createdAt} < ${filter.before.getTime()}`);
      return db
        .select()
        .from(builds)
        .where(and(...conditions))
        .orderBy(desc(builds.createdAt), desc(sql`rowid`))
        .limit(filter.limit ?? 50)
        .all();
    },

    /** The newest build of a service that produced an image (for the generated Dockerfile). */
    latestSucceeded(environmentId: string, serviceId: string): Build | undefined {
      return db
        .select()
        .from(builds)
        .where(and(eq(builds.environmentId, environmentId), eq(builds.serviceId, serviceId), eq(builds.status, 'succeeded')))
        .orderBy(desc(builds.createdAt), desc(sql`rowid`))
        .limit(1)
        .get();
    },

    /** Builds left queued or running by a process that stopped. */
    active(): Build[] {
      return db.select().from(builds).where(inArray(builds.status, BUILD_ACTIVE)).all();
    },

    /** Failed deployments of the environment that never got past building. */
    buildFailedDeployments(environmentId: string): string[] {
      return db
        .selectDistinct({ id: deployments.id })
        .from(deployments)
        .innerJoin(builds, eq(builds.deploymentId, deployments.id))
        .where(and(eq(deployments.environmentId, environmentId), eq(deployments.status, 'failed'), eq(builds.status, 'failed')))
        .all()
        .map((r) => r.id);
    },
  };
}

export type BuildStore = ReturnType<typeof createBuildStore>;
