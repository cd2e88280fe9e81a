// The builds of one node: a limited number at a time, each with a timeout and
// cancellable by its buildId. A build fetches one commit, reuses the image when
// this commit was already built with the same settings, and otherwise builds it
// from the repository's Dockerfile or a generated one.
import type Docker from 'dockerode';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { BUILD_ERRORS, BUILD_RUNTIMES, LABELS, type BuildResult, type BuildRuntime, type BuildTask } from '../../sync/events';
import { engineMessage } from '../docker';
import { TaskFailure } from '../exec-context';
import { packContext } from './context';
import { detectRuntime, type Detection } from './detect';
import { GitCheckout } from './git';
import { buildImage } from './image';
import { displayUrl, scrubber, urlPassword, type Scrubber } from './scrub';
import { Slots } from './slots';

export type BuildOptions = {
  /** Builds running at once on this node; more wait for a slot. */
  concurrency: number;
  /** Parent of the per-build checkout directories (each removed when its build ends). */
  workDir: string;
  /** A repository whose fetched objects or checkout exceed this is refused. */
  maxRepoBytes: number;
};

export const DEFAULT_BUILD_OPTIONS: BuildOptions = {
  concurrency: 2,
  workDir: join(tmpdir(), 'containr-builds'),
  maxRepoBytes: 512 * 1024 * 1024,
};

/** On every image a build makes (besides containr.managed): a JSON BuildLabel. */
export const BUILD_LABEL = 'containr.build';
type BuildLabel = {
  build: string;
  commit: string;
  /** The repository, user info masked. */
  source: string;
  runtime: BuildRuntime;
  /** Hash of what else decides the image (root dir, Dockerfile path, base images): same commit, other settings → rebuild. */
  config: string;
};

/** Bumped when generated Dockerfiles change, so images made by older rules are rebuilt. */
const GENERATOR_VERSION = 1;
/** How many cancelled build ids are remembered, so a build task arriving after its cancel does not start. */
const CANCELLED_MEMORY = 1000;

type Reporter = { progress(message: string): void; signal: AbortSignal };

export class Builds {
  readonly options: BuildOptions;
  private readonly slots: Slots;
  private readonly running = new Map<string, AbortController>();
  private readonly cancelled = new Set<string>();

  constructor(private readonly docker: Docker, options: Partial<BuildOptions> = {}) {
    this.options = { ...DEFAULT_BUILD_OPTIONS, ...options };
    this.slots = new Slots(this.options.concurrency);
  }

  /** Builds running or waiting for a slot. */
  get active(): number {
    return this.running.size;
  }

  /** Aborts the build (running, or waiting for a slot); false when there is none by that id. */
  cancel(buildId: string): boolean {
    this.cancelled.add(buildId);
    if (this.cancelled.size > CANCELLED_MEMORY) this.cancelled.delete(this.cancelled.values().next().value as string);
    const controller = this.running.get(buildId);
    controller?.abort(new TaskFailure(`${BUILD_ERRORS.cancelled}`));
    return controller !== undefined;
  }

  async build(spec: BuildTask, { progress, signal: agentSignal }: Reporter): Promise<BuildResult> {
    const scrub = scrubber([
      spec.credentials?.kind === 'token' ? spec.credentials.token : undefined,
      spec.credentials?.kind === 'ssh-key' ? spec.credentials.privateKey : undefined,
      urlPassword(spec.source.repo),
    ]);
    const log = (line: string) => progress(scrub(line));
    if (this.cancelled.has(spec.buildId)) throw new TaskFailure(BUILD_ERRORS.cancelled);
    if (this.running.has(spec.buildId)) throw new TaskFailure(`build ${spec.buildId} is already running on this node`);

    const controller = new AbortController();
    const onAgentStop = () => controller.abort(new TaskFailure('the agent is stopping'));
    agentSignal.addEventListener('abort', onAgentStop, { once: true });
    if (agentSignal.aborted) onAgentStop();
    this.running.set(spec.buildId, controller);
    let release: (() => void) | null = null;
    let timer: NodeJS.Timeout | null = null;
    try {
      if (this.slots.free === 0) log(`waiting for a build slot (${this.options.concurrency} builds run at once on this node)`);
      release = await this.slots.acquire(controller.signal);
      timer = setTimeout(
        () => controller.abort(new TaskFailure(`${BUILD_ERRORS.timeout} after ${spec.timeoutS}s`)),
        spec.timeoutS * 1000
      );
      // Raced with the signal too: an engine call that hangs (a stuck daemon) must not outlive the timeout.
      return await untilAborted(this.buildOnce(spec, controller.signal, log, scrub), controller.signal);
    } catch (error) {
      // An abort's reason is the TaskFailure saying why (cancelled, timed out, agent stopping).
      const reason = controller.signal.aborted ? controller.signal.reason : error;
      if (reason instanceof TaskFailure) throw new TaskFailure(scrub(reason.message));
      throw new Error(scrub(engineMessage(reason)), { cause: error });
    } finally {
      if (timer) clearTimeout(timer);
      release?.();
      agentSignal.removeEventListener('abort', onAgentStop);
      this.running.delete(spec.buildId);
    }
  }

  private async buildOnce(
    spec: BuildTask,
    signal: AbortSignal,
    log: (line: string) => void,
    scrub: Scrubber
  ): Promise<BuildResult> {
    const { source } = spec;
    const config = configHash(spec);
    const started = Date.now();

    // The exact commit was named: an image for it may make the fetch unnecessary.
    if (source.commit && /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(source.commit)) {
      const cached = await this.cachedImage(spec.tag, source.commit, config);
      if (cached) return this.reuse(cached, log);
    }

    await mkdir(this.options.workDir, { recursive: true });
    const workDir = await mkdtemp(join(this.options.workDir, `${spec.buildId.replace(/[^\w.-]/g, '_').slice(0, 40)}-`));
    try {
      log(`fetching ${displayUrl(source.repo)} ${source.ref}${source.commit ? ` at ${source.commit}` : ''}`);
      const git = await GitCheckout.open({
        workDir,
        source,
        credentials: spec.credentials,
        maxRepoBytes: this.options.maxRepoBytes,
        signal,
        scrub,
        log,
      });
      const sha = await git.fetch();
      log(`commit ${sha}`);
      const cached = await this.cachedImage(spec.tag, sha, config);
      if (cached) return this.reuse(cached, log);

      await git.checkout(sha);
      const contextDir = await contextDirectory(git.dir, source.rootDir);
      const detection = await detectRuntime(contextDir, {
        rootDir: source.rootDir,
        dockerfilePath: source.dockerfilePath,
        baseImages: spec.baseImages,
      });
      describe(detection, source.rootDir, log);

      const image = `${spec.tag}:${sha}`;
      const generated = detection.runtime === 'dockerfile' ? undefined : detection.dockerfile;
      const context = await packContext(contextDir, {
        dockerfile: generated,
        dockerfilePath: detection.runtime === 'dockerfile' ? detection.dockerfilePath : undefined,
      });
      log(`sending the build context: ${context.files} files, ${formatBytes(context.bytes)}`);
      const imageId = await buildImage({
        docker: this.docker,
        context: context.stream,
        tag: image,
        dockerfile: detection.runtime === 'dockerfile' ? detection.dockerfilePath : 'Dockerfile',
        // The classic builder adds one step per label: two labels, two steps.
        labels: {
          [LABELS.managed]: 'true',
          [BUILD_LABEL]: JSON.stringify({
            build: spec.buildId,
            commit: sha,
            source: displayUrl(source.repo),
            runtime: detection.runtime,
            config,
          } satisfies BuildLabel),
        },
        signal,
        log,
      });
      log(`built ${image} (${imageId.replace(/^sha256:/, '').slice(0, 12)}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return {
        image,
        commit: sha,
        cached: false,
        runtime: detection.runtime,
        ...(generated ? { dockerfile: generated } : {}),
      };
    } finally {
      await rm(workDir, { recursive: true, force: true, maxRetries: 3 });
    }
  }

  /** The image of this commit, when it exists and was built with the same settings. */
  private async cachedImage(tag: string, sha: string, config: string): Promise<BuildResult | null> {
    const image = `${tag}:${sha}`;
    const info = await this.docker
      .getImage(image)
      .inspect()
      .catch(() => null);
    const label = parseBuildLabel(info?.Config?.Labels?.[BUILD_LABEL]);
    if (!label || label.config !== config) return null;
    return { image, commit: sha, cached: true, runtime: label.runtime };
  }

  private reuse(result: BuildResult, log: (line: string) => void): BuildResult {
    log(`${result.image} was already built from this commit: reusing it`);
    return result;
  }
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function parseBuildLabel(text: string | undefined): BuildLabel | null {
  if (!text) return null;
  try {
    const label = JSON.parse(text) as Partial<BuildLabel>;
    return typeof label.config === 'string' && (BUILD_RUNTIMES as readonly unknown[]).includes(label.runtime)
      ? (label as BuildLabel)
      : null;
  } catch {
    return null;
  }
}

function configHash(spec: BuildTask): string {
  const { rootDir, dockerfilePath } = spec.source;
  return createHash('sha256')
    .update(
      JSON.stringify({
        v: GENERATOR_VERSION,
        rootDir,
        dockerfilePath: dockerfilePath ?? null,
        baseImages: spec.baseImages,
      })
    )
    .digest('hex')
    .slice(0, 32);
}

/** The root directory inside the checkout; a symbolic link may not lead out of it. */
async function contextDirectory(repo: string, rootDir: string): Promise<string> {
  const root = await realpath(repo);
  const dir = await realpath(join(repo, rootDir)).catch(() => null);
  const isDir = dir ? await stat(dir).then((s) => s.isDirectory()) : false;
  if (!dir || !isDir || (dir !== root && !dir.startsWith(root + sep))) {
    throw new TaskFailure(`root directory ${rootDir} is not a directory of the repository`);
  }
  return dir;
}

function describe(detection: Detection, rootDir: string, log: (line: string) => void): void {
  if (detection.runtime === 'dockerfile') {
    log(`building with ${rootDir === '.' ? '' : `${rootDir}/`}${detection.dockerfilePath}`);
    return;
  }
  log(`no Dockerfile in ${rootDir}: detected ${detection.summary}; generated Dockerfile:`);
  for (const line of detection.dockerfile.trimEnd().split('\n')) log(`  ${line}`);
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}
