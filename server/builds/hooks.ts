// What a verified webhook delivery does. A push to a service's tracked branch
// pins that commit in the canvas (a staged change) and, with auto-deploy,
// commits and deploys it; a pull/merge request gets a preview environment
// `pr-<n>` forked from the environment tracking its base branch, built and
// deployed at the request's head commit, and torn down when it closes.
// Webhooks act as the member who set the project's webhook secret, with that
// member's permissions at the time of the delivery.
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { environments, type WebhookProvider } from '../../db/schema';
import { getServices, isRunnable, updateService, type Source } from '../../sync';
import type { Actor } from '../audit/service';
import { DomainError } from '../errors';
import type { Environments } from '../environments/service';
import type { Logger } from '../logger';
import type { Projects } from '../projects/service';
import type { Deploy } from '../reconciler';
import type { ShareLinks } from '../share/service';
import type { LiveDocuments } from '../reconciler/documents';
import { eventName, parseEvent, type ForgeEvent, type RepoRef } from './events';
import type { Forge } from './forge';
import { sameRepo } from './git-url';
import { verifySignature, type Webhooks } from './webhooks';

type GitSource = Extract<Source, { type: 'git' }>;
export type HookResult = { status: number; body: Record<string, unknown> };

/** Deliveries bigger than this are refused before they are read as JSON. */
export const MAX_WEBHOOK_BYTES = 5 * 1024 * 1024;
const ORIGIN = 'webhook';
const utcMinute = (at: Date) => at.toISOString().slice(0, 16).replace('T', ' ');

export function createHooks(deps: {
  db: Db;
  webhooks: Webhooks;
  projects: Projects;
  environments: Pick<Environments, 'create'>;
  deploy: Pick<Deploy, 'commits' | 'builds' | 'reconciler' | 'documents'>;
  forge: Forge;
  /** Makes the read-only link posted with a preview's URLs. */
  share: Pick<ShareLinks, 'create'>;
  logger: Logger;
}) {
  const { db, webhooks, deploy } = deps;
  const logger = deps.logger.child({ component: 'hooks' });
  const docs = (): LiveDocuments => deploy.documents();

  function environmentsOf(projectId: string) {
    return db.select().from(environments).where(eq(environments.projectId, projectId)).all();
  }

  /** Git services of an environment's canvas whose repo is the event's and whose branch is `branch`. */
  async function tracking(
    environmentId: string,
    repo: RepoRef,
    branch: string,
  ): Promise<{ id: string; name: string; source: GitSource }[]> {
    return docs().withDocument(environmentId, (doc) =>
      getServices(doc).flatMap((entry) => {
        if (!entry.ok || (entry.value.kind !== 'service' && entry.value.kind !== 'database')) return [];
        const source = entry.value.source;
        if (source?.type !== 'git' || source.branch !== branch || !sameRepo(source.repo, repo.urls)) return [];
        return [{ id: entry.id, name: entry.value.name, source }];
      }),
    );
  }

  async function setSources(environmentId: string, sources: Record<string, GitSource>): Promise<void> {
    await docs().withDocument(environmentId, (doc) => {
      doc.transact(() => {
        for (const [id, source] of Object.entries(sources)) updateService(doc, id, { source }, ORIGIN);
      }, ORIGIN);
    });
  }

  // ── push ─────────────────────────────────────────────────────────────────

  async function push(actor: Actor, projectId: string, event: Extract<ForgeEvent, { kind: 'push' }>, via: string) {
    const results: Record<string, unknown>[] = [];
    for (const environment of environmentsOf(projectId)) {
      // A preview follows its pull request, not the branch.
      if (environment.kind === 'preview') continue;
      const matched = await tracking(environment.id, event.repo, event.branch);
      if (matched.length === 0) continue;
      const pinned = Object.fromEntries(matched.map((s) => [s.id, { ...s.source, commit: event.commit }]));
      await setSources(environment.id, pinned);
      const auto = matched.filter((s) => s.source.autoDeploy !== false);
      const staged = matched.filter((s) => s.source.autoDeploy === false).map((s) => s.name);
      let deployment: { id: string } | null = null;
      let deployed: string[] = [];
      if (auto.length > 0) {
        // Only services deployed with this repo and branch already: the push changes their commit, nothing else.
        const latest = deploy.commits.listCommits(actor, environment.id, { limit: 1 })[0];
        const spec = latest ? deploy.commits.getCommit(actor, latest.id).spec : undefined;
        const sources: Record<string, GitSource> = {};
        for (const s of auto) {
          const committed = spec?.services[s.id];
          const source = committed && isRunnable(committed) ? committed.source : undefined;
          if (source?.type === 'git' && source.branch === event.branch && sameRepo(source.repo, event.repo.urls)) {
            sources[s.id] = { ...source, commit: event.commit };
          } else staged.push(s.name);
        }
        if (Object.keys(sources).length > 0) {
          const result = deploy.commits.commitSources(actor, environment.id, sources, {
            message: `push ${event.commit.slice(0, 7)} to ${event.branch}`,
            via,
          });
          if (result?.deployment) {
            deployment = { id: result.deployment.id };
            deploy.builds.tagTrigger(result.deployment.id, 'push');
            deployed = auto.filter((s) => sources[s.id]).map((s) => s.name);
          }
        }
      }
      results.push({
        environmentId: environment.id,
        environment: environment.name,
        deployed,
        staged,
        deploymentId: deployment?.id ?? null,
      });
    }
    return results;
  }

  // ── pull / merge requests ────────────────────────────────────────────────

  async function previewOpen(
    actor: Actor,
    projectId: string,
    event: Extract<ForgeEvent, { kind: 'pr-open' }>,
    via: string,
    provider: WebhookProvider,
  ) {
    const all = environmentsOf(projectId);
    const name = `pr-${event.number}`;
    // The base: the environment whose services track the base branch, production first.
    const candidates = all
      .filter((e) => e.kind !== 'preview')
      .sort((a, b) => Number(b.name === 'production') - Number(a.name === 'production'));
    let base: { id: string; name: string } | null = null;
    for (const candidate of candidates) {
      if ((await tracking(candidate.id, event.repo, event.baseBranch)).length > 0) {
        base = candidate;
        break;
      }
    }
    if (!base) return { ignored: `no environment has a service tracking ${event.baseBranch}` };

    let preview = all.find((e) => e.name === name);
    let created = false;
    if (preview && preview.kind !== 'preview') return { ignored: `an environment named ${name} exists and is not a preview` };
    if (!preview) {
      try {
        preview = await deps.environments.create(actor, projectId, { name, from: base.id, preview: true, copySecrets: true });
      } catch (error) {
        // Without the right to copy secrets, fork without them (a service that needs one then says so).
        if (!(error instanceof DomainError && error.code === 'FORBIDDEN')) throw error;
        preview = await deps.environments.create(actor, projectId, { name, from: base.id, preview: true });
      }
      created = true;
    }
    // In the preview, the services that follow the base branch build the request's head instead.
    const matched = await tracking(preview.id, event.repo, created ? event.baseBranch : event.headBranch);
    const headUrl = event.headRepo && !event.headRepo.urls.some((u) => event.repo.urls.includes(u)) ? event.headRepo.urls[0] : undefined;
    await setSources(
      preview.id,
      Object.fromEntries(
        matched.map((s) => [
          s.id,
          { ...s.source, ...(headUrl ? { repo: headUrl } : {}), branch: event.headBranch, commit: event.headCommit, autoDeploy: true },
        ]),
      ),
    );
    const { deployment } = await deploy.commits.commit(actor, preview.id, {
      message: `PR #${event.number}${event.title ? `: ${event.title}` : ''} (${event.headCommit.slice(0, 7)})`,
    });
    let urls: { service: string; url: string }[] = [];
    if (deployment) {
      deploy.builds.tagTrigger(deployment.id, 'pr');
      urls = (deploy.reconciler.status(preview.id)?.services ?? []).flatMap((s) => (s.url ? [{ service: s.name, url: s.url }] : []));
      const listed = urls.map((u) => `${u.service} → ${u.url}`).join(', ');
      const share = shareLink(actor, preview);
      deploy.builds.note(
        preview.id,
        deployment.id,
        'preview',
        `preview ${name} of PR #${event.number}${listed ? `: ${listed}` : ' (no public URLs)'}` +
          (share ? `; share link (read-only, no sign-in, until ${utcMinute(share.expiresAt)} UTC): ${share.url}` : ''),
        {
          pr: event.number,
          urls,
          shareUrl: share?.url ?? null,
          via,
        },
      );
      await deps.forge.comment(
        provider,
        event,
        `Containr preview \`${name}\` is deploying ${event.headCommit.slice(0, 7)}.\n\n${urls
          .map((u) => `- ${u.service}: ${u.url}`)
          .join('\n')}`,
      );
    }
    return {
      environmentId: preview.id,
      environment: name,
      created,
      base: base.name,
      services: matched.map((s) => s.name),
      deploymentId: deployment?.id ?? null,
      urls,
    };
  }

  /**
   * A share link to the preview's canvas, for the deployment log (the token is shown only
   * when made, so each deployment of the preview gets its own). It lasts as long as the
   * preview; it is not put in the forge comment, which may be public. Null when the member
   * the webhooks act as may not share.
   */
  function shareLink(actor: Actor, preview: { id: string; expiresAt?: Date | null }): { url: string; expiresAt: Date } | null {
    const hoursLeft = preview.expiresAt ? Math.ceil((preview.expiresAt.getTime() - Date.now()) / 3_600_000) : undefined;
    try {
      return deps.share.create(actor, preview.id, hoursLeft !== undefined && hoursLeft > 0 ? { ttlHours: hoursLeft } : {});
    } catch (error) {
      if (error instanceof DomainError && error.code === 'FORBIDDEN') return null;
      throw error;
    }
  }

  function previewClose(actor: Actor, projectId: string, event: Extract<ForgeEvent, { kind: 'pr-close' }>) {
    const preview = db
      .select()
      .from(environments)
      .where(and(eq(environments.projectId, projectId), eq(environments.name, `pr-${event.number}`)))
      .get();
    if (!preview || preview.kind !== 'preview') return { ignored: `no preview pr-${event.number}` };
    deps.projects.removeEnvironment(actor, preview.id);
    return { removed: preview.id, environment: preview.name, merged: event.merged };
  }

  // ── a delivery ───────────────────────────────────────────────────────────

  /**
   * Verifies and handles one delivery, and logs it. 401: bad or missing
   * signature; 409: a delivery id seen before; 202: handled (see `summary`).
   */
  async function handle(
    provider: WebhookProvider,
    input: { projectId: string | undefined; headers: Record<string, string | undefined>; body: Buffer },
  ): Promise<HookResult> {
    const event = eventName(provider, input.headers);
    const deliveryId = (provider === 'github' ? input.headers['x-github-delivery'] : input.headers['x-gitlab-event-uuid']) ?? null;
    const reject = (status: number, code: string, message: string, projectId: string | null = null): HookResult => {
      webhooks.record({ projectId, provider, deliveryId, event, outcome: 'rejected', httpStatus: status, reason: message });
      return { status, body: { error: { code, message } } };
    };
    if (!input.projectId) return reject(400, 'BAD_REQUEST', 'add ?project=<project id> to the webhook URL');
    const configured = webhooks.secretOf(input.projectId);
    if (!configured) return reject(404, 'NOT_FOUND', 'no webhook secret is set for this project');
    if (!verifySignature(provider, configured.secret, input.headers, input.body)) {
      const what = provider === 'github' ? 'X-Hub-Signature-256' : 'X-Gitlab-Token';
      return reject(401, 'NOT_AUTHENTICATED', `missing or invalid ${what}`, input.projectId);
    }
    if (!deliveryId) {
      return reject(400, 'BAD_REQUEST', `missing ${provider === 'github' ? 'X-GitHub-Delivery' : 'X-Gitlab-Event-UUID'}`, input.projectId);
    }
    const delivery = webhooks.record({
      projectId: input.projectId,
      provider,
      deliveryId,
      seen: true,
      event,
      outcome: 'accepted',
      httpStatus: 202,
    });
    if (!delivery) return reject(409, 'CONFLICT', `delivery ${deliveryId} was received before (replay refused)`, input.projectId);

    const done = (
      outcome: 'accepted' | 'ignored' | 'rejected',
      status: number,
      summary: Record<string, unknown>,
      reason: string | null = null,
    ): HookResult => {
      webhooks.finish(delivery.id, { outcome, httpStatus: status, reason, summary });
      return { status, body: { delivery: delivery.id, outcome, ...(reason ? { reason } : {}), ...summary } };
    };
    let payload: unknown;
    try {
      payload = JSON.parse(input.body.toString('utf8'));
    } catch {
      return done('rejected', 400, {}, 'the body is not JSON (set the content type to application/json)');
    }
    const parsed = parseEvent(provider, event, payload);
    const via = `${provider} webhook ${deliveryId}`;
    try {
      switch (parsed.kind) {
        case 'ignored':
          return done('ignored', 202, {}, parsed.reason);
        case 'push': {
          const environments = await push(configured.actor, input.projectId, parsed, via);
          if (environments.length === 0)
            return done('ignored', 202, { environments }, `no service tracks ${parsed.branch} of this repository`);
          return done('accepted', 202, { environments });
        }
        case 'pr-open': {
          const preview = await previewOpen(configured.actor, input.projectId, parsed, via, provider);
          if ('ignored' in preview) return done('ignored', 202, {}, String(preview.ignored));
          return done('accepted', 202, { preview });
        }
        case 'pr-close': {
          const preview = previewClose(configured.actor, input.projectId, parsed);
          if ('ignored' in preview) return done('ignored', 202, {}, String(preview.ignored));
          return done('accepted', 202, { preview });
        }
      }
    } catch (error) {
      if (error instanceof DomainError) {
        // Deploying what the push pins failed (an invalid canvas, no permission): logged with the reason.
        const status = error.code === 'FORBIDDEN' ? 403 : error.code === 'VALIDATION' ? 422 : 409;
        return done('rejected', status, error.issues ? { issues: error.issues } : {}, error.message);
      }
      logger.error({ err: error, provider, deliveryId }, 'webhook delivery failed');
      return done('rejected', 500, {}, 'internal error');
    }
  }

  return { handle };
}

export type Hooks = ReturnType<typeof createHooks>;
