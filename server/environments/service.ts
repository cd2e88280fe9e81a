// Environments beyond create/delete (server/projects): forking one from
// another (its canvas, and its secrets when asked), previews that expire,
// renaming, extending a preview and per-service image overrides. Expired
// previews are removed by the sweeper (./sweeper.ts) through `expire`.
import { and, asc, eq, lte } from 'drizzle-orm';
import * as Y from 'yjs';
import type { Db } from '../../db/client';
import { environments, projects as projectsTable, users, type EnvironmentKind } from '../../db/schema';
import { getMeta, initDoc } from '../../sync';
import { LABELS } from '../../sync/events';
import type { Actor, Audit } from '../audit/service';
import type { Clock } from '../clock';
import type { Env } from '../env';
import { conflict, invalid } from '../errors';
import { newId } from '../ids';
import type { Logger } from '../logger';
import { previewExpiredMail } from '../mail/templates';
import type { Mailer } from '../mail/mailer';
import type { Environment, Projects } from '../projects/service';
import type { NodeInfo } from '../reconciler/ports';
import { systemTimers, type Timers } from '../reconciler/timers';
import { secretWriteAction, type Secrets } from '../secrets/service';
import type { Documents } from '../sync';
import { startSweeper, type Sweeper } from './sweeper';

export const PRODUCTION = 'production';
const HOUR_MS = 3_600_000;

export type CreateEnvironmentInput = {
  name: string;
  /** Fork this environment of the same project: its canvas as it is now. */
  from?: string;
  /** Makes it a preview that is deleted this long from now (default CONTAINR_PREVIEW_TTL_HOURS when `preview`). */
  ttlHours?: number;
  preview?: boolean;
  /** With `from`: copy its secrets too (values are re-encrypted for the new environment). */
  copySecrets?: boolean;
};

export type EnvironmentPatch = {
  name?: string;
  /** A preview only: expires this long from now. */
  ttlHours?: number;
  /** Image per service name; null or {} removes them. */
  imageOverrides?: Record<string, string> | null;
};

/** What the environments service needs from deploying. */
export type DeployPort = {
  teardown(environmentId: string): Promise<void>;
  trigger(environmentId: string): void;
  whenStarted(): Promise<void>;
  nodes(): NodeInfo[];
};

export function createEnvironments(deps: {
  db: Db;
  env: Pick<Env, 'previews'>;
  clock: Clock;
  audit: Audit;
  projects: Projects;
  secrets: Secrets;
  mailer: Mailer;
  projectUrl: (projectId: string) => string;
  logger: Logger;
  deploy: DeployPort;
  /** Closes the share-link sockets of an environment about to be deleted. */
  closeShares: (environmentId: string) => void;
  /** The sweeper's clock and interval (tests inject them). */
  timers?: Timers;
}) {
  const { db, clock, audit, projects, secrets, deploy } = deps;
  const logger = deps.logger.child({ module: 'environments' });
  let documents: Pick<Documents, 'withDocument' | 'seed'> | null = null;
  let sweeper: Sweeper | null = null;

  function docs() {
    if (!documents) throw new Error('environments: the live documents are not attached yet');
    return documents;
  }

  function get(environmentId: string): Environment | undefined {
    return db.select().from(environments).where(eq(environments.id, environmentId)).get();
  }

  function nameTaken(projectId: string, name: string): boolean {
    return !!db
      .select({ id: environments.id })
      .from(environments)
      .where(and(eq(environments.projectId, projectId), eq(environments.name, name)))
      .get();
  }

  /** The document's own copy of the environment name (meta), when the document was initialised. */
  async function renameDocument(environmentId: string, name: string): Promise<void> {
    await docs().withDocument(environmentId, (doc) => {
      if (getMeta(doc).schemaVersion !== undefined) initDoc(doc, { environmentName: name });
    });
  }

  function remainingContainers(environmentId: string): number {
    return deploy
      .nodes()
      .filter((n) => n.status === 'ready')
      .reduce((sum, n) => sum + n.containers.filter((c) => c.labels[LABELS.environment] === environmentId).length, 0);
  }

  async function create(actor: Actor, projectId: string, input: CreateEnvironmentInput): Promise<Environment> {
    const { project } = projects.access(actor, projectId, 'environment:create');
    if (nameTaken(projectId, input.name)) throw conflict(`an environment named "${input.name}" already exists`, 'name');
    let source: Environment | undefined;
    if (input.from !== undefined) {
      source = projects.environmentAccess(actor, input.from, 'environment:read').environment;
      if (source.projectId !== projectId) throw invalid('cannot fork', [{ path: 'from', message: 'fork an environment of this project' }]);
      if (input.copySecrets) projects.environmentAccess(actor, source.id, 'secret:read');
    } else if (input.copySecrets) {
      throw invalid('nothing to copy secrets from', [{ path: 'copySecrets', message: 'copying secrets needs `from`' }]);
    }
    // Refuse before creating anything, rather than half way through the copy.
    if (input.copySecrets) projects.access(actor, projectId, secretWriteAction(input.name));

    const preview = input.preview === true || input.ttlHours !== undefined;
    const now = clock.now();
    const kind: EnvironmentKind = preview ? 'preview' : 'standard';
    const environment: Environment = {
      id: newId(),
      projectId,
      name: input.name,
      createdAt: new Date(now),
      kind,
      expiresAt: preview ? new Date(now + (input.ttlHours ?? deps.env.previews.ttlHours) * HOUR_MS) : null,
      forkedFrom: source?.id ?? null,
      imageOverrides: null,
      ownerId: actor.userId,
    };
    db.insert(environments).values(environment).run();
    try {
      if (source) {
        const from = source.id;
        const state = await docs().withDocument(from, (doc) => Y.encodeStateAsUpdate(doc));
        await docs().seed(environment.id, state);
        await renameDocument(environment.id, environment.name);
        if (input.copySecrets) {
          // Decrypted here and sealed again: a value is bound to its environment (AES-GCM associated data).
          for (const [name, value] of Object.entries(secrets.values(from))) secrets.put(actor, environment.id, name, value);
        }
      }
    } catch (error) {
      // Nothing half-made stays behind (its document rows and secrets go with the row).
      db.delete(environments).where(eq(environments.id, environment.id)).run();
      throw error;
    }
    audit.record({
      actor,
      action: 'environment.create',
      target: { type: 'environment', id: environment.id },
      teamId: project.teamId,
      projectId,
      details: {
        name: environment.name,
        kind,
        ...(source ? { from: source.id, fromName: source.name, copySecrets: input.copySecrets === true } : {}),
        ...(environment.expiresAt ? { expiresAt: environment.expiresAt.toISOString() } : {}),
      },
    });
    return environment;
  }

  async function update(actor: Actor, environmentId: string, patch: EnvironmentPatch): Promise<Environment> {
    const { environment, project } = projects.environmentAccess(actor, environmentId, 'environment:update');
    const changes: Partial<Environment> = {};
    if (patch.name !== undefined && patch.name !== environment.name) {
      // Production's secrets are the admins' (secret:write-production goes by the name): only they move that name.
      if (environment.name === PRODUCTION || patch.name === PRODUCTION) projects.environmentAccess(actor, environmentId, 'secret:write-production');
      if (nameTaken(environment.projectId, patch.name)) throw conflict(`an environment named "${patch.name}" already exists`, 'name');
      changes.name = patch.name;
    }
    if (patch.ttlHours !== undefined) {
      if (environment.kind !== 'preview') {
        throw invalid('not a preview', [{ path: 'ttlHours', message: 'only a preview environment expires' }]);
      }
      changes.expiresAt = new Date(clock.now() + patch.ttlHours * HOUR_MS);
    }
    if (patch.imageOverrides !== undefined) {
      const overrides = patch.imageOverrides && Object.keys(patch.imageOverrides).length > 0 ? patch.imageOverrides : null;
      changes.imageOverrides = overrides;
    }
    if (Object.keys(changes).length === 0) return environment;
    db.update(environments).set(changes).where(eq(environments.id, environmentId)).run();
    const updated = { ...environment, ...changes };
    audit.record({
      actor,
      action: 'environment.update',
      target: { type: 'environment', id: environmentId },
      teamId: project.teamId,
      projectId: project.id,
      details: {
        ...(changes.name ? { name: { before: environment.name, after: changes.name } } : {}),
        ...(changes.expiresAt ? { expiresAt: changes.expiresAt.toISOString() } : {}),
        ...('imageOverrides' in changes ? { imageOverrides: changes.imageOverrides } : {}),
      },
    });
    if (changes.name) await renameDocument(environmentId, changes.name);
    // A new name moves the public URLs; overrides change what runs.
    if (changes.name || 'imageOverrides' in changes) deploy.trigger(environmentId);
    return updated;
  }

  /** Previews whose time is up, oldest expiry first. */
  function due(): string[] {
    return db
      .select({ id: environments.id })
      .from(environments)
      .where(and(eq(environments.kind, 'preview'), lte(environments.expiresAt, new Date(clock.now()))))
      .orderBy(asc(environments.expiresAt))
      .all()
      .map((r) => r.id);
  }

  /**
   * Deletes an expired preview: containers, network and volumes first (while its
   * commits still say which volumes it had), then the row, then tells its owner.
   * Returns false, leaving everything for the next sweep, when containers
   * remain (a node did not answer).
   */
  async function expire(environmentId: string, signal?: AbortSignal): Promise<boolean> {
    const environment = get(environmentId);
    if (!environment || environment.kind !== 'preview' || !environment.expiresAt || environment.expiresAt.getTime() > clock.now()) return false;
    // After a restart the agents must have reported, or their containers would be invisible to the teardown.
    await Promise.race([deploy.whenStarted(), aborted(signal)]);
    if (signal?.aborted) return false;
    await deploy.teardown(environmentId);
    const left = remainingContainers(environmentId);
    if (left > 0) {
      logger.warn({ environmentId, containers: left }, 'expired preview: containers remain after teardown; trying again on the next sweep');
      return false;
    }
    const project = db.select().from(projectsTable).where(eq(projectsTable.id, environment.projectId)).get();
    deps.closeShares(environmentId);
    db.delete(environments).where(eq(environments.id, environmentId)).run();
    audit.record({
      actor: null,
      action: 'environment.expire',
      target: { type: 'environment', id: environmentId },
      teamId: project?.teamId ?? null,
      projectId: environment.projectId,
      details: { name: environment.name, expiresAt: environment.expiresAt.toISOString() },
    });
    const owner = environment.ownerId
      ? db.select({ email: users.email, name: users.name }).from(users).where(eq(users.id, environment.ownerId)).get()
      : undefined;
    if (owner && project) {
      const mail = previewExpiredMail({
        name: owner.name,
        environmentName: environment.name,
        projectName: project.name,
        expiredAt: environment.expiresAt,
        url: deps.projectUrl(project.id),
      });
      deps.mailer.queue({ to: owner.email, ...mail }, 'preview-expired');
    }
    logger.info({ environmentId, name: environment.name }, 'expired preview deleted');
    return true;
  }

  return {
    /** What exists only once the server does. */
    attach(parts: { documents: Pick<Documents, 'withDocument' | 'seed'> }) {
      documents = parts.documents;
    },
    get(actor: Actor, environmentId: string): Environment {
      return projects.environmentAccess(actor, environmentId, 'environment:read').environment;
    },
    create,
    update,
    due,
    expire,
    /** Starts the preview TTL job (a sweep now, then every CONTAINR_PREVIEW_SWEEP_S). */
    start(): Sweeper {
      sweeper ??= startSweeper({ timers: deps.timers ?? systemTimers, intervalMs: deps.env.previews.sweepMs, logger, due, expire });
      return sweeper;
    },
    /** Runs a sweep now (tests); resolves when it is done. */
    sweep: () => sweeper?.sweep() ?? Promise.resolve(),
    close: () => sweeper?.close() ?? Promise.resolve(),
  };
}

export type Environments = ReturnType<typeof createEnvironments>;

function aborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!signal) return;
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
