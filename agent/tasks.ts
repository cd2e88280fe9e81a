// Runs tasks exactly once per task id: a task that is running or finished is
// not started again (its result is remembered and returned), and tasks on the
// same container, network or volume run one at a time.
import { taskResultSchema, type Task, type TaskResult } from '../sync/events';
import { engineMessage } from './docker';
import { TaskFailure, type ExecContext } from './exec-context';
import { execute, lockKey } from './execute';
import type { AgentLogger } from './log';

const MAX_ERROR = 4000;

export class TaskRunner {
  private readonly results = new Map<string, TaskResult>();
  private readonly running = new Map<string, Promise<TaskResult>>();
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(
    private readonly ctx: Omit<ExecContext, 'progress'>,
    private readonly onProgress: (taskId: string, message: string) => void,
    private readonly logger: AgentLogger,
    /** How many finished results to remember for re-sent tasks. */
    private readonly remember = 1000
  ) {}

  /** Starts the task, or returns the run already under way or finished for this id. */
  run(task: Task): Promise<TaskResult> {
    const done = this.results.get(task.id);
    if (done) return Promise.resolve(done);
    const running = this.running.get(task.id);
    if (running) return running;

    const promise = this.serialized(lockKey(task.spec), () => this.execute(task)).then((result) => {
      this.running.delete(task.id);
      this.results.set(task.id, result);
      if (this.results.size > this.remember) this.results.delete(this.results.keys().next().value as string);
      return result;
    });
    this.running.set(task.id, promise);
    return promise;
  }

  private async execute(task: Task): Promise<TaskResult> {
    const progress = (message: string) => this.onProgress(task.id, message.slice(0, MAX_ERROR));
    try {
      const outcome = await execute(task.spec, { ...this.ctx, progress });
      return taskResultSchema.parse({ id: task.id, ok: true, ...outcome, ts: Date.now() });
    } catch (error) {
      const message = error instanceof TaskFailure ? error.message : engineMessage(error);
      if (!(error instanceof TaskFailure)) this.logger.warn({ err: error, taskId: task.id, kind: task.spec.kind }, 'task failed');
      return { id: task.id, ok: false, error: message.slice(0, MAX_ERROR), ts: Date.now() };
    }
  }

  private serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(fn);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}
