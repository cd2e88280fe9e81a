// Builds from git: the `build` and `cancel-build` executors.
import type { BuildTask } from '../../sync/events';
import { TaskFailure, type ExecContext, type ExecOutcome } from '../exec-context';

export async function runBuild(_spec: BuildTask, _ctx: ExecContext): Promise<ExecOutcome> {
  throw new TaskFailure('this agent cannot build from git yet');
}

export function cancelBuild(_buildId: string, _ctx: ExecContext): void {}
