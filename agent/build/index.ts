// Builds from git: the `build` and `cancel-build` executors over the node's Builds.
import type { BuildTask } from '../../sync/events';
import { TaskFailure, type ExecContext, type ExecOutcome } from '../exec-context';

export { Builds, DEFAULT_BUILD_OPTIONS, type BuildOptions } from './builds';

export async function runBuild(spec: BuildTask, ctx: ExecContext): Promise<ExecOutcome> {
  if (!ctx.builds) throw new TaskFailure('this agent does not build images');
  return { build: await ctx.builds.build(spec, ctx) };
}

export function cancelBuild(buildId: string, { builds, progress }: ExecContext): void {
  progress(builds?.cancel(buildId) ? `cancelling build ${buildId}` : `build ${buildId} is not running here`);
}
