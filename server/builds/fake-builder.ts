// The reconciler's in-memory hub plus build tasks, for tests of the build
// queue and the build-then-run flow without Docker: a build prints its log
// lines as progress, then succeeds, fails, or waits until the test lets it go.
import type { BuildResult, Task } from '../../sync/events';
import { deferred, FakeHub } from '../reconciler/fake-hub';
import type { DispatchResult } from '../reconciler/ports';

type BuildSpec = Extract<Task['spec'], { kind: 'build' }>;
type Outcome = { ok: true; build?: Partial<BuildResult> } | { ok: false; error: string };

export type FakeBuild = { nodeId: string; task: Task; spec: BuildSpec; finish: (outcome: Outcome) => void };

export class BuildingHub extends FakeHub {
  readonly builds: FakeBuild[] = [];
  readonly cancels: string[] = [];
  /** Lines every build prints before it ends. */
  lines = ['Step 1/2 : FROM containr/node', 'Step 2/2 : COPY . /app', 'Successfully built'];
  /** Builds end at once with this outcome; null: they wait for `finish`. */
  auto: Outcome | null = { ok: true };
  private pending = new Map<string, (outcome: Outcome) => void>();

  override async dispatch(nodeId: string, task: Task, onProgress?: (message: string) => void): Promise<DispatchResult> {
    const spec = task.spec;
    if (spec.kind === 'cancel-build') {
      this.cancels.push(spec.buildId);
      this.pending.get(spec.buildId)?.({ ok: false, error: 'build cancelled' });
      return { id: task.id, ok: true, ts: Date.now() };
    }
    if (spec.kind !== 'build') return super.dispatch(nodeId, task);
    const done = deferred<Outcome>();
    this.pending.set(spec.buildId, done.resolve);
    this.builds.push({ nodeId, task, spec, finish: done.resolve });
    for (const line of this.lines) onProgress?.(line);
    if (this.auto) done.resolve(this.auto);
    const outcome = await done.promise;
    this.pending.delete(spec.buildId);
    const ts = Date.now();
    if (!outcome.ok) return { id: task.id, ok: false, error: outcome.error, ts };
    const commit = spec.source.commit?.padEnd(40, '0') ?? 'c'.repeat(40);
    const build: BuildResult = { image: `${spec.tag}:${commit}`, commit, cached: false, runtime: 'dockerfile', ...outcome.build };
    return { id: task.id, ok: true, build, ts };
  }
}
