// Commits and deployments as the API sees them: validate the canvas, store an
// immutable commit, queue its deployment, roll back, redeploy, cancel. Every
// mutation is audited; the reconciler hears about it through `onChange`.
import { emptySpec, diff as specDiff, isRunnable, resolveReferences, validate, type DeployableSpec, type Issue, type Source } from '../../sync';
import type { Actor, Audit } from '../audit/service';
import type { Action } from '../auth/permissions';
import { conflict, DomainError, invalid, notFound, type Issue as QuotaIssue } from '../errors';
import type { Projects } from '../projects/service';
import type { Secrets } from '../secrets/service';
import type { SpecReader } from './documents';
import type { Commit, Deployment, DeploymentEvent, DeployStore } from './store';

export type CommitView = Omit<Commit, 'spec' | 'authorId' | 'authorEmail'> & {
  author: { id: string; email: string } | null;
  spec?: DeployableSpec;
};
export type DeploymentView = Omit<Deployment, 'createdById' | 'createdByEmail'> & {
  createdBy: { id: string; email: string } | null;
  commitNumber: number | null;
  events?: EventView[];
};
export type EventView = Omit<DeploymentEvent, 'environmentId'>;

export type DeployChange =
  | { type: 'deployment'; environmentId: string; deploymentId: string }
  | { type: 'cancelled'; environmentId: string; deploymentId: string };

/** Problems that stop a spec from being committed (and deployed). */
export function checkSpec(spec: DeployableSpec, secretNames: Set<string>): Issue[] {
  const issues = validate(spec);
  for (const [id, node] of Object.entries(spec.services)) {
    if (!isRunnable(node)) continue;
    node.secretNames.forEach((name, i) => {
      if (!secretNames.has(name)) issues.push({ serviceId: id, path: `secretNames.${i}`, message: `no secret named ${name} in this environment` });
    });
    const credentials = node.source?.type === 'git' ? node.source.credentials : undefined;
    if (credentials && !secretNames.has(credentials)) {
      issues.push({ serviceId: id, path: 'source.credentials', message: `no secret named ${credentials} in this environment` });
    }
  }
  // What only resolving shows (a variable that refers back to itself); secrets resolve to placeholders.
  const extra = Object.fromEntries(
    Object.values(spec.services)
      .filter(isRunnable)
      .map((n) => [n.name, Object.fromEntries(n.secretNames.map((s) => [s, '']))]),
  );
  const seen = new Set(issues.map((i) => `${i.serviceId}\n${i.path}`));
  for (const issue of resolveReferences(spec, extra).issues) {
    if (!seen.has(`${issue.serviceId}\n${issue.path}`)) issues.push(issue);
  }
  return issues;
}

export function createCommits(deps: {
  store: DeployStore;
  projects: Projects;
  secrets: Secrets;
  audit: Audit;
  readSpec: SpecReader;
  /** Team quota problems of committing `spec` to this environment (empty when it fits). */
  checkQuota: (teamId: string, environmentId: string, spec: DeployableSpec) => QuotaIssue[];
  onChange: (change: DeployChange) => void;
}) {
  const { store, projects, secrets, audit, readSpec, checkQuota, onChange } = deps;
  const author = (actor: Actor) => ({ id: actor.userId, email: actor.email });

  function commitAccess(actor: Actor, commitId: string, action: Action) {
    const commit = store.getCommit(commitId);
    if (!commit) throw notFound('commit');
    try {
      return { commit, ...projects.environmentAccess(actor, commit.environmentId, action) };
    } catch (error) {
      if (error instanceof DomainError && error.code === 'NOT_FOUND') throw notFound('commit');
      throw error;
    }
  }

  function deploymentAccess(actor: Actor, deploymentId: string, action: Action) {
    const deployment = store.getDeployment(deploymentId);
    if (!deployment) throw notFound('deployment');
    try {
      return { deployment, ...projects.environmentAccess(actor, deployment.environmentId, action) };
    } catch (error) {
      if (error instanceof DomainError && error.code === 'NOT_FOUND') throw notFound('deployment');
      throw error;
    }
  }

  function ensureValid(teamId: string, environmentId: string, spec: DeployableSpec, extra: Issue[] = []): void {
    const issues: QuotaIssue[] = [...extra, ...checkSpec(spec, new Set(secrets.names(environmentId)))];
    // Quota issues name the quota (`quota.maxCpu`), not a service.
    if (issues.length === 0) issues.push(...checkQuota(teamId, environmentId, spec));
    if (issues.length > 0) {
      const services = new Set(issues.map((i) => i.serviceId)).size;
      throw invalid(`the canvas has ${issues.length} problem${issues.length > 1 ? 's' : ''} in ${services} service${services > 1 ? 's' : ''}`, issues);
    }
  }

  function record(actor: Actor, action: string, target: { type: string; id: string }, scope: { teamId: string; projectId: string }, details: Record<string, unknown>) {
    audit.record({ actor, action, target, teamId: scope.teamId, projectId: scope.projectId, details });
  }

  return {
    async commit(actor: Actor, environmentId: string, input: { message?: string; deploy?: boolean }) {
      const { project } = projects.environmentAccess(actor, environmentId, 'deploy');
      const { spec, issues } = await readSpec(environmentId);
      ensureValid(project.teamId, environmentId, spec, issues);
      const previous = store.latestCommit(environmentId);
      const diff = specDiff(previous?.spec ?? emptySpec(), spec);
      const deploy = input.deploy ?? true;
      const { commit, deployment } = store.createCommit({
        environmentId,
        spec,
        diff,
        message: input.message?.trim() ?? '',
        author: author(actor),
        deploy: deploy ? { trigger: 'commit' } : undefined,
      });
      const scope = { teamId: project.teamId, projectId: project.id };
      record(actor, 'commit.create', { type: 'commit', id: commit.id }, scope, { environmentId, number: commit.number, deploy });
      if (deployment) {
        record(actor, 'deployment.create', { type: 'deployment', id: deployment.id }, scope, { environmentId, commitId: commit.id, trigger: 'commit' });
        onChange({ type: 'deployment', environmentId, deploymentId: deployment.id });
      }
      return { commit: commitView(commit), diff, deployment: deployment && deploymentView(deployment, commit.number) };
    },

    /**
     * A new commit of the environment's latest commit with some services' sources
     * replaced, deployed: what a push webhook deploys (the canvas's other staged
     * changes stay staged). Null when the environment has no commit yet.
     */
    commitSources(actor: Actor, environmentId: string, sources: Record<string, Source>, input: { message: string; via: string }) {
      const { project } = projects.environmentAccess(actor, environmentId, 'deploy');
      const previous = store.latestCommit(environmentId);
      if (!previous) return null;
      const spec: DeployableSpec = structuredClone(previous.spec);
      for (const [serviceId, source] of Object.entries(sources)) {
        const node = spec.services[serviceId];
        if (node && isRunnable(node)) node.source = source;
      }
      ensureValid(project.teamId, environmentId, spec);
      const diff = specDiff(previous.spec, spec);
      const { commit, deployment } = store.createCommit({
        environmentId,
        spec,
        diff,
        message: input.message,
        author: author(actor),
        deploy: { trigger: 'commit' },
      });
      const scope = { teamId: project.teamId, projectId: project.id };
      record(actor, 'commit.create', { type: 'commit', id: commit.id }, scope, { environmentId, number: commit.number, deploy: true, via: input.via });
      record(actor, 'deployment.create', { type: 'deployment', id: deployment!.id }, scope, { environmentId, commitId: commit.id, trigger: 'commit', via: input.via });
      onChange({ type: 'deployment', environmentId, deploymentId: deployment!.id });
      return { commit: commitView(commit), diff, deployment: deploymentView(deployment!, commit.number) };
    },

    listCommits(actor: Actor, environmentId: string, opts: { before?: number; limit?: number }) {
      projects.environmentAccess(actor, environmentId, 'environment:read');
      return store.listCommits(environmentId, opts).map((c) => commitView(c));
    },

    getCommit(actor: Actor, commitId: string) {
      const { commit } = commitAccess(actor, commitId, 'environment:read');
      return commitView(commit, true);
    },

    /** A new commit carrying an earlier commit's spec, deployed. */
    rollback(actor: Actor, commitId: string, input: { message?: string }) {
      const { commit: target, project } = commitAccess(actor, commitId, 'deploy');
      const environmentId = target.environmentId;
      ensureValid(project.teamId, environmentId, target.spec);
      const previous = store.latestCommit(environmentId);
      const diff = specDiff(previous?.spec ?? emptySpec(), target.spec);
      const { commit, deployment } = store.createCommit({
        environmentId,
        spec: target.spec,
        diff,
        message: input.message?.trim() || `Roll back to #${target.number}`,
        author: author(actor),
        rollbackOf: target.id,
        deploy: { trigger: 'rollback' },
      });
      const scope = { teamId: project.teamId, projectId: project.id };
      record(actor, 'commit.rollback', { type: 'commit', id: commit.id }, scope, { environmentId, to: target.id, number: commit.number });
      record(actor, 'deployment.create', { type: 'deployment', id: deployment!.id }, scope, { environmentId, commitId: commit.id, trigger: 'rollback' });
      onChange({ type: 'deployment', environmentId, deploymentId: deployment!.id });
      return { commit: commitView(commit), diff, deployment: deploymentView(deployment!, commit.number) };
    },

    /** Deploys a commit again as it is: the environment converges on it. */
    redeploy(actor: Actor, commitId: string) {
      const { commit, project } = commitAccess(actor, commitId, 'deploy');
      ensureValid(project.teamId, commit.environmentId, commit.spec);
      const deployment = store.createDeployment(commit.environmentId, commit.id, 'redeploy', author(actor));
      record(actor, 'deployment.create', { type: 'deployment', id: deployment.id }, { teamId: project.teamId, projectId: project.id }, {
        environmentId: commit.environmentId,
        commitId: commit.id,
        trigger: 'redeploy',
      });
      onChange({ type: 'deployment', environmentId: commit.environmentId, deploymentId: deployment.id });
      return { deployment: deploymentView(deployment, commit.number) };
    },

    listDeployments(actor: Actor, environmentId: string, opts: { limit?: number }) {
      projects.environmentAccess(actor, environmentId, 'environment:read');
      return store.listDeployments(environmentId, opts).map((d) => deploymentView(d, store.getCommit(d.commitId)?.number ?? null));
    },

    getDeployment(actor: Actor, deploymentId: string) {
      const { deployment } = deploymentAccess(actor, deploymentId, 'environment:read');
      return {
        ...deploymentView(deployment, store.getCommit(deployment.commitId)?.number ?? null),
        events: store.events(deployment.id).map(eventView),
      };
    },

    /**
     * Stops a queued or running deployment: no further steps are taken for it, and
     * the environment goes back to the deployment before it (a cancelled
     * deployment is no longer what the environment should run).
     */
    cancel(actor: Actor, deploymentId: string) {
      const { deployment, project } = deploymentAccess(actor, deploymentId, 'deploy');
      if (!store.finish(deployment.id, 'cancelled', `cancelled by ${actor.email}`)) {
        throw conflict(`the deployment has already ${store.getDeployment(deployment.id)?.status ?? 'ended'}`);
      }
      store.addEvent({ environmentId: deployment.environmentId, deploymentId, type: 'status', message: `cancelled by ${actor.email}`, details: { status: 'cancelled' } });
      record(actor, 'deployment.cancel', { type: 'deployment', id: deploymentId }, { teamId: project.teamId, projectId: project.id }, {
        environmentId: deployment.environmentId,
      });
      onChange({ type: 'cancelled', environmentId: deployment.environmentId, deploymentId });
      const after = store.getDeployment(deploymentId)!;
      return { deployment: deploymentView(after, store.getCommit(after.commitId)?.number ?? null) };
    },

    /** Service names in the environment's deployed commit that list the secret. */
    secretUsers(environmentId: string, name: string): string[] {
      const deployment = store.desiredDeployment(environmentId);
      const commit = deployment && store.getCommit(deployment.commitId);
      if (!commit) return [];
      return Object.values(commit.spec.services)
        .filter(isRunnable)
        .filter((n) => n.secretNames.includes(name))
        .map((n) => n.name);
    },
  };
}

export type Commits = ReturnType<typeof createCommits>;

export function commitView(commit: Commit, withSpec = false): CommitView {
  const { spec, authorId, authorEmail, ...rest } = commit;
  return { ...rest, author: authorId ? { id: authorId, email: authorEmail ?? '' } : null, ...(withSpec ? { spec } : {}) };
}

export function deploymentView(deployment: Deployment, commitNumber: number | null): DeploymentView {
  const { createdById, createdByEmail, ...rest } = deployment;
  return { ...rest, commitNumber, createdBy: createdById ? { id: createdById, email: createdByEmail ?? '' } : null };
}

export function eventView(event: DeploymentEvent): EventView {
  const { environmentId: _environmentId, ...rest } = event;
  return rest;
}
