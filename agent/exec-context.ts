import type Docker from 'dockerode';
import type { BuildResult } from '../sync/events';
import type { Builds } from './build/builds';

/** What every executor gets: the engine, who we are, a progress reporter and a stop signal. */
export type ExecContext = {
  docker: Docker;
  nodeId: string;
  progress(message: string): void;
  signal: AbortSignal;
  /** The node's builds (git → image); absent on an agent that does not build. */
  builds?: Builds;
};

/** What a successful executor returns; failures throw. */
export type ExecOutcome = { containerId?: string; build?: BuildResult };

/** A failure whose message is meant for the user as it is (no stack, no engine wrapping). */
export class TaskFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TaskFailure';
  }
}

/** Resolves after `ms`, or rejects as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new TaskFailure('the agent is stopping'));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new TaskFailure('the agent is stopping'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
