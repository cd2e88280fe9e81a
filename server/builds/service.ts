// Builds of git-sourced services: the reconciler asks `prepare` for the images
// of a deployment before it plans containers; this module queues one build
// per service (./queue.ts), sends it to an agent as a `build` task, streams its
// log lines as deployment events, and records the outcome. The image stays on
// the node that built it, so the deployment's containers of that service run
// there (`images` says where).
import { EventEmitter } from 'node:events';
import { isRunnable, type DeployableSpec, type RunnableSpec } from '../../sync';
import { buildResultSchema, LABELS, type BuildCredentials, type BuildTask } from '../../sync/events';
import type { BuildTrigger } from '../../db/schema';
import type { Clock } from '../clock';
import { newId } from '../ids';
import type { Logger } from '../logger';
import type { HubPort, NodeInfo } from '../reconciler/ports';
import type { DeploymentMessage } from '../reconciler/reconciler';
import { eventView } from '../reconciler/commits';
import type { DeployStore } from '../reconciler/store';
import type { Timers } from '../reconciler/timers';
import { BuildQueue, type QueueJob } from './queue';
import type { Build, BuildStore } from './store';

export type BuildOptions = {
  /** Builds at once on one node. */
  perNode: number;
  /** A build (clone, context, image) fails after this long. */
  timeoutS: number;
  baseImages: { node: string; static: string; python: string; go: string };
};

export const DEFAULT_BUILD_OPTIONS: BuildOptions = {
  perNode: 2,
  timeoutS: 15 * 60,
  baseImages: {
    node: 'containr/node',
    static: 'containr/busybox',
    python: 'python:3-slim',
    go: 'golang:1-alpine',
  },
};

/** Log lines kept per build (the stored log and the API); the rest are counted, not kept. */
const MAX_LOG_LINES = 10_000;
const MAX_LOG_BYTES = 1024 * 1024;
/** Log lines sent live (and stored as deployment events) per build. */
const MAX_LIVE_LINES = 5_000;
/** How long a cancelled build's agent gets to report before its node slot is freed anyway. */
const CANCEL_GRACE_MS = 30_000;

export type BuildOutcome = { ok: true; build: Build } | { ok: false; build: Build | undefined; reason: string };

export type PrepareInput = {
  environmentId: string;
  project: { id: string; slug: string; teamId: string };
  deploymentId: string;
  spec: DeployableSpec;
  signal: AbortSignal;
  /** Which services are building right now (for their status). */
  onBuilding?: (serviceIds: string[]) => void;
};

type Active = {
  build: Build;
  teamId: string;
  task: BuildTask;
  /** Values never to show in a log line or error (credentials). */
  redact: string[];
  lines: string[];
  bytes: number;
  dropped: number;
  live: number;
  controller: AbortController;
  /** Why it ended early: cancelled (with who/why) or timed out. */
  stop: { status: 'cancelled' | 'failed'; reason: string } | null;
  outcome: Promise<BuildOutcome>;
  resolve: (outcome: BuildOutcome) => void;
};

/** A git source as the build task takes it; null for other sources. */
export function buildSourceOf(node: RunnableSpec): BuildTask['source'] | null {
  const source = node.source;
  if (source?.type !== 'git') return null;
  const rootDir = (source.path ?? '').replace(/^\.\/+/, '').replace(/\/+$/, '') || '.';
  return {
    repo: source.repo,
    ref: source.branch,
    ...(source.commit ? { commit: source.commit } : {}),
    rootDir,
    ...(source.dockerfile ? { dockerfilePath: source.dockerfile.replace(/^\.\/+/, '') } : {}),
  };
}

/** An SSH private key by its armour; anything else is an HTTPS token. */
export function credentialsOf(value: string): BuildCredentials {
  return /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value) ? { kind: 'ssh-key', privateKey: value } : { kind: 'token', token: value };
}

/** Git-sourced services of a spec that need an image (running ones). */
export function gitServices(spec: DeployableSpec): [string, RunnableSpec][] {
  return Object.entries(spec.services).filter(
    (entry): entry is [string, RunnableSpec] => isRunnable(entry[1]) && entry[1].source?.type === 'git' && entry[1].replicas > 0,
  );
}

export function createBuilds(deps: {
  store: BuildStore;
  deployStore: DeployStore;
  hub: HubPort;
  clock: Clock;
  timers: Timers;
  logger: Logger;
  /** Secret values of an environment (credentials). */
  secretValues: (environmentId: string) => Record<string, string>;
  options: () => BuildOptions;
}) {
  const { store, deployStore, hub, timers } = deps;
  const logger = deps.logger.child({ component: 'builds' });
  const emitter = new EventEmitter<{ deployment: [DeploymentMessage] }>();
  const active = new Map<string, Active>();
  /** Deployments started by a webhook: their builds say so (in memory: after a restart they read `manual`). */
  const triggers = new Map<string, BuildTrigger>();
  let closed = false;

  const queue = new BuildQueue({
    perNode: () => deps.options().perNode,
    start: (job) => run(job),
    superseded(job, by) {
      const entry = active.get(job.id);
      if (entry) end(entry, 'cancelled', { error: `superseded by build ${by.id}` });
    },
  });

  // A build a stopped process left behind never reports: its deployment builds again.
  for (const build of store.active()) {
    store.finish(build.id, 'cancelled', {
      error: 'interrupted: the server restarted',
    });
  }

  // ── recording ────────────────────────────────────────────────────────────

  function record(build: Build, type: string, message: string, details: Record<string, unknown> = {}) {
    if (!build.deploymentId) return;
    let row;
    try {
      row = deployStore.addEvent({
        environmentId: build.environmentId,
        deploymentId: build.deploymentId,
        serviceId: build.serviceId,
        type,
        message,
        details: { buildId: build.id, ...details },
      });
    } catch (error) {
      // The environment (and with it the deployment) was deleted while its build ran.
      logger.debug({ err: error, buildId: build.id }, 'build event not recorded');
      return;
    }
    emitter.emit('deployment', {
      environmentId: build.environmentId,
      deploymentId: build.deploymentId,
      event: eventView(row),
    });
  }

  function scrub(entry: Active, text: string): string {
    let out = text;
    for (const secret of entry.redact) if (secret.length >= 4) out = out.split(secret).join('***');
    return out;
  }

  function logLine(entry: Active, raw: string): void {
    for (const line of scrub(entry, raw).replace(/\r/g, '').split('\n')) {
      if (line === '') continue;
      if (entry.lines.length < MAX_LOG_LINES && entry.bytes + line.length < MAX_LOG_BYTES) {
        entry.lines.push(line);
        entry.bytes += line.length + 1;
      } else entry.dropped++;
      if (entry.live < MAX_LIVE_LINES) record(entry.build, 'build.log', line);
      else if (entry.live === MAX_LIVE_LINES)
        record(entry.build, 'build.log', `… more lines are not shown live; the build's log has up to ${MAX_LOG_LINES}`);
      entry.live++;
    }
  }

  function logText(entry: Active): string {
    const text = entry.lines.join('\n');
    return entry.dropped > 0 ? `${text}\n… ${entry.dropped} more lines not kept` : text;
  }

  /** Ends a build once (the first caller wins) and settles whoever waits on it. */
  function end(entry: Active, status: 'succeeded' | 'failed' | 'cancelled', fields: Partial<Build>): void {
    const error = fields.error ? scrub(entry, fields.error) : null;
    if (
      !store.finish(entry.build.id, status, {
        ...fields,
        error,
        log: logText(entry),
      })
    )
      return;
    const build = store.get(entry.build.id)!;
    active.delete(build.id);
    entry.controller.abort();
    if (status === 'succeeded') {
      const what = build.cached ? `reused image ${build.image} (commit unchanged)` : `built ${build.image}`;
      record(build, 'build.succeeded', `${build.serviceName}: ${what}`, {
        status,
        image: build.image,
        commit: build.commit,
        cached: build.cached,
        runtime: build.runtime,
      });
      entry.resolve({ ok: true, build });
    } else {
      record(build, `build.${status}`, `${build.serviceName}: build ${status}${error ? `: ${error}` : ''}`, { status, error });
      entry.resolve({ ok: false, build, reason: error ?? `build ${status}` });
    }
  }

  // ── running one build on its node ─────────────────────────────────────────

  async function run(job: QueueJob): Promise<void> {
    const entry = active.get(job.id);
    if (!entry || entry.stop) return;
    if (!store.markRunning(job.id, job.nodeId)) return;
    entry.build = store.get(job.id)!;
    const { source } = entry.task;
    const at = source.commit ? source.commit.slice(0, 12) : `${source.ref} (head)`;
    record(entry.build, 'build.started', `${entry.build.serviceName}: building ${source.repo} at ${at} on node ${job.nodeId}`, {
      status: 'running',
      node: job.nodeId,
      repo: source.repo,
      ref: source.ref,
      commit: source.commit ?? null,
    });
    const { signal } = entry.controller;
    const dispatched = hub.dispatch(job.nodeId, { id: `build-${job.id}`, spec: entry.task }, (message) => {
      if (active.has(job.id)) logLine(entry, message);
    });
    const timeoutMs = entry.task.timeoutS * 1000;
    // The agent enforces the timeout itself; this is the backstop when it does not answer.
    void timers.sleep(timeoutMs + 10_000, signal).then(() => {
      if (!signal.aborted)
        stopBuild(entry, {
          status: 'failed',
          reason: `build timed out after ${entry.task.timeoutS} s`,
        });
    });
    const result = await Promise.race([dispatched, stopped(signal).then(() => null)]);
    if (result === null) {
      // Cancelled or timed out: tell the agent, and hold the node slot until it has let go (or a grace period).
      // Set by stopBuild while we awaited (TypeScript narrowed it to null above).
      const stop = entry.stop as Active['stop'];
      if (stop) end(entry, stop.status, { error: stop.reason });
      const cancel = hub.dispatch(job.nodeId, {
        id: newId(),
        spec: { kind: 'cancel-build', buildId: job.id },
      });
      const grace = new AbortController();
      await Promise.race([Promise.all([cancel, dispatched]), timers.sleep(CANCEL_GRACE_MS, grace.signal)]);
      grace.abort();
      return;
    }
    if (!result.ok) {
      end(entry, 'failed', { error: result.error });
      return;
    }
    const parsed = buildResultSchema.safeParse((result as { build?: unknown }).build);
    if (!parsed.success) {
      end(entry, 'failed', {
        error: 'the agent reported a build without an image',
      });
      return;
    }
    const { image, commit, cached, runtime, dockerfile } = parsed.data;
    end(entry, 'succeeded', {
      image,
      commit,
      cached,
      runtime,
      dockerfile: dockerfile ?? null,
    });
  }

  function stopBuild(entry: Active, stop: NonNullable<Active['stop']>): void {
    if (entry.stop) return;
    entry.stop = stop;
    if (queue.dequeue(entry.build.id) || !queue.isRunning(entry.build.id)) {
      end(entry, stop.status, { error: stop.reason });
    } else {
      // `run` sees the abort, ends the record and tells the agent.
      entry.controller.abort();
    }
  }

  // ── placing and requesting ───────────────────────────────────────────────

  /** A ready node the team may use: one already running the service (its image cache is there), else the least busy. */
  function chooseNode(teamId: string, environmentId: string, serviceId: string): NodeInfo | null {
    const usable = hub.nodes().filter((n) => n.status === 'ready' && n.connected !== false && (n.teamId === null || n.teamId === teamId));
    if (usable.length === 0) return null;
    const runsIt = (n: NodeInfo) =>
      n.containers.some((c) => c.labels[LABELS.environment] === environmentId && c.labels[LABELS.service] === serviceId);
    return [...usable].sort(
      (a, b) => Number(runsIt(b)) - Number(runsIt(a)) || queue.pressure(a.id) - queue.pressure(b.id) || (a.id < b.id ? -1 : 1),
    )[0];
  }

  function request(input: {
    environmentId: string;
    deploymentId: string;
    project: PrepareInput['project'];
    serviceId: string;
    node: RunnableSpec;
  }): Active {
    const source = buildSourceOf(input.node)!;
    const base = {
      id: newId(),
      environmentId: input.environmentId,
      deploymentId: input.deploymentId,
      serviceId: input.serviceId,
      serviceName: input.node.name,
      trigger: triggers.get(input.deploymentId) ?? ('manual' as const),
      repo: source.repo,
      ref: source.ref,
      requestedCommit: source.commit ?? null,
      rootDir: source.rootDir,
      dockerfilePath: source.dockerfilePath ?? null,
    };
    const node = chooseNode(input.project.teamId, input.environmentId, input.serviceId);
    const build = store.insert({
      ...base,
      nodeId: node?.id ?? null,
      status: 'queued',
    });
    let resolve!: (outcome: BuildOutcome) => void;
    const outcome = new Promise<BuildOutcome>((r) => (resolve = r));
    const options = deps.options();
    const entry: Active = {
      build,
      teamId: input.project.teamId,
      task: {
        kind: 'build',
        buildId: build.id,
        source,
        tag: `containr/${input.project.slug}/${input.node.name}`,
        baseImages: options.baseImages,
        timeoutS: options.timeoutS,
      },
      redact: [],
      lines: [],
      bytes: 0,
      dropped: 0,
      live: 0,
      controller: new AbortController(),
      stop: null,
      outcome,
      resolve,
    };
    active.set(build.id, entry);
    record(
      build,
      'build.queued',
      `${build.serviceName}: build queued (${source.repo} ${source.commit ? source.commit.slice(0, 12) : source.ref})`,
      {
        status: 'queued',
      },
    );

    const secretName = input.node.source?.type === 'git' ? input.node.source.credentials : undefined;
    if (secretName) {
      let value: string | undefined;
      try {
        value = deps.secretValues(input.environmentId)[secretName];
      } catch (error) {
        end(entry, 'failed', {
          error: `cannot read the deploy credentials: ${error instanceof Error ? error.message : String(error)}`,
        });
        return entry;
      }
      if (value === undefined) {
        end(entry, 'failed', {
          error: `missing secret ${secretName} (the deploy credentials)`,
        });
        return entry;
      }
      entry.task.credentials = credentialsOf(value);
      entry.redact.push(value, ...value.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----')));
    }
    if (!node) {
      end(entry, 'failed', { error: 'no ready node can build it' });
      return entry;
    }
    queue.enqueue({
      id: build.id,
      key: `${input.environmentId}/${input.serviceId}`,
      nodeId: node.id,
    });
    return entry;
  }

  /**
   * Builds what a deployment still needs: one build per git-sourced service
   * without a succeeded build for this deployment. Resolves once all are built,
   * or at the first failure (the others are cancelled), or when `signal` aborts
   * (a cancelled or superseded deployment: its builds are cancelled).
   */
  async function prepare(input: PrepareInput): Promise<{ ok: true } | { ok: false; reason: string }> {
    const done = new Set(
      store
        .ofDeployment(input.deploymentId)
        .filter((b) => b.status === 'succeeded')
        .map((b) => b.serviceId),
    );
    const waiting: Active[] = [];
    for (const [serviceId, node] of gitServices(input.spec)) {
      if (done.has(serviceId)) continue;
      const running = [...active.values()].find((a) => a.build.deploymentId === input.deploymentId && a.build.serviceId === serviceId);
      waiting.push(running ?? request({ ...input, serviceId, node }));
    }
    if (waiting.length === 0) return { ok: true };
    const pending = new Set(waiting.map((w) => w.build.serviceId));
    input.onBuilding?.([...pending]);

    const cancelAll = (reason: string) => {
      for (const w of waiting) if (active.has(w.build.id)) stopBuild(w, { status: 'cancelled', reason });
    };
    const onAbort = () => cancelAll(typeof input.signal.reason === 'string' ? input.signal.reason : 'the deployment was cancelled');
    if (input.signal.aborted) onAbort();
    input.signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await new Promise((resolve) => {
        let left = waiting.length;
        for (const w of waiting) {
          void w.outcome.then((outcome) => {
            if (!outcome.ok) {
              cancelAll(`build of ${outcome.build?.serviceName ?? 'another service'} failed`);
              resolve({
                ok: false,
                reason: `build of ${outcome.build?.serviceName ?? w.build.serviceName} ${
                  outcome.build?.status === 'cancelled' ? 'cancelled' : 'failed'
                }: ${outcome.reason}`,
              });
              return;
            }
            pending.delete(w.build.serviceId);
            input.onBuilding?.([...pending]);
            if (--left === 0) resolve({ ok: true });
          });
        }
      });
    } finally {
      input.signal.removeEventListener('abort', onAbort);
    }
  }

  return {
    store,
    prepare,
    /** Git services of the spec that have no image for this deployment yet. */
    pending(deploymentId: string, spec: DeployableSpec): string[] {
      const done = new Set(
        store
          .ofDeployment(deploymentId)
          .filter((b) => b.status === 'succeeded')
          .map((b) => b.serviceId),
      );
      return gitServices(spec)
        .map(([id]) => id)
        .filter((id) => !done.has(id));
    },
    /** The images a deployment's builds made, by service id, with the node that has each. */
    images(deploymentId: string): Record<string, { image: string; nodeId: string }> {
      const out: Record<string, { image: string; nodeId: string }> = {};
      // Newest first: the first succeeded build of a service wins.
      for (const b of store.ofDeployment(deploymentId)) {
        if (b.status === 'succeeded' && b.image && b.nodeId && !out[b.serviceId]) out[b.serviceId] = { image: b.image, nodeId: b.nodeId };
      }
      return out;
    },
    /** Failed deployments that failed while building: the environment stays on the deployment before them. */
    buildFailed: (environmentId: string) => store.buildFailedDeployments(environmentId),
    /** Adds a line to a deployment's log (a preview's URLs), stored and sent live like the build's. */
    note(environmentId: string, deploymentId: string, type: string, message: string, details: Record<string, unknown> = {}): void {
      const row = deployStore.addEvent({ environmentId, deploymentId, type, message, details });
      emitter.emit('deployment', { environmentId, deploymentId, event: eventView(row) });
    },
    /** Marks a deployment as started by a webhook, so its builds say `push` or `pr`. */
    tagTrigger(deploymentId: string, trigger: BuildTrigger): void {
      triggers.set(deploymentId, trigger);
    },
    /** Cancels a queued or running build; false when it had ended. */
    cancel(buildId: string, reason: string): boolean {
      const entry = active.get(buildId);
      if (!entry) return false;
      stopBuild(entry, { status: 'cancelled', reason });
      return true;
    },
    /** The log of a build: live lines while it runs, the stored log after. */
    log(build: Build): string {
      const entry = active.get(build.id);
      return entry ? logText(entry) : build.log;
    },
    isActive: (buildId: string) => active.has(buildId),
    queued: () => queue.queued(),
    on: emitter.on.bind(emitter),
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      for (const entry of [...active.values()])
        stopBuild(entry, {
          status: 'cancelled',
          reason: 'the server is shutting down',
        });
      await Promise.race([queue.idle(), timers.sleep(2_000)]);
    },
  };
}

export type Builds = ReturnType<typeof createBuilds>;

function stopped(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
