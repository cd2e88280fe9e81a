// Builds as the API sees them: who may read or cancel which build, and the
// shapes returned. Reading needs `environment:read`; cancelling needs `deploy`.
import type { Actor, Audit } from '../audit/service';
import { conflict, DomainError, notFound } from '../errors';
import type { Projects } from '../projects/service';
import type { Commits } from '../reconciler/commits';
import { ACTIVE } from '../reconciler/store';
import type { DeployStore } from '../reconciler/store';
import type { Builds } from './service';
import type { Build } from './store';

export type BuildView = Omit<Build, 'log'> & { durationMs: number | null };

export function buildView(build: Build): BuildView {
  const { log: _log, ...rest } = build;
  const end = build.finishedAt?.getTime() ?? null;
  const start = build.startedAt?.getTime() ?? null;
  return { ...rest, durationMs: end !== null && start !== null ? end - start : null };
}

export function createBuildAccess(deps: { builds: Builds; projects: Projects; commits: Commits; deployStore: DeployStore; audit: Audit }) {
  const { builds, projects, commits, audit } = deps;

  function access(actor: Actor, buildId: string, action: 'environment:read' | 'deploy') {
    const build = builds.store.get(buildId);
    if (!build) throw notFound('build');
    try {
      return { build, ...projects.environmentAccess(actor, build.environmentId, action) };
    } catch (error) {
      if (error instanceof DomainError && error.code === 'NOT_FOUND') throw notFound('build');
      throw error;
    }
  }

  return {
    list(actor: Actor, environmentId: string, opts: { serviceId?: string; limit?: number; before?: Date }): BuildView[] {
      projects.environmentAccess(actor, environmentId, 'environment:read');
      return builds.store.list({ environmentId, ...opts }).map(buildView);
    },

    get(actor: Actor, buildId: string): BuildView & { log: string } {
      const { build } = access(actor, buildId, 'environment:read');
      return { ...buildView(build), log: builds.log(build) };
    },

    /**
     * Cancels a queued or running build. A build belongs to a deployment, and a
     * deployment cannot go on without its images: the deployment is cancelled
     * too, and the environment stays on what it ran before.
     */
    cancel(actor: Actor, buildId: string): BuildView {
      const { build, project } = access(actor, buildId, 'deploy');
      if (!builds.isActive(build.id)) throw conflict(`the build has already ${build.status === 'succeeded' ? 'succeeded' : build.status}`);
      const deployment = build.deploymentId ? deps.deployStore.getDeployment(build.deploymentId) : undefined;
      builds.cancel(build.id, `cancelled by ${actor.email}`);
      if (deployment && ACTIVE.includes(deployment.status)) commits.cancel(actor, deployment.id);
      audit.record({
        actor,
        action: 'build.cancel',
        target: { type: 'build', id: build.id },
        teamId: project.teamId,
        projectId: project.id,
        details: { environmentId: build.environmentId, serviceId: build.serviceId, deploymentId: build.deploymentId },
      });
      return buildView(builds.store.get(build.id)!);
    },

    /**
     * The Dockerfile the newest successful build of a service used: generated
     * for a detected runtime (to read, or eject into the repository), or null
     * when the repository has its own.
     */
    dockerfile(actor: Actor, environmentId: string, serviceId: string) {
      projects.environmentAccess(actor, environmentId, 'environment:read');
      const build = builds.store.latestSucceeded(environmentId, serviceId);
      if (!build) throw notFound('build of this service (deploy it once to see its Dockerfile)');
      return {
        buildId: build.id,
        commit: build.commit,
        runtime: build.runtime,
        generated: build.dockerfile !== null,
        dockerfile: build.dockerfile,
        dockerfilePath: build.dockerfile === null ? build.dockerfilePath ?? 'Dockerfile' : null,
        createdAt: build.createdAt,
      };
    },
  };
}

export type BuildAccess = ReturnType<typeof createBuildAccess>;
