// The preview TTL job: once at start and then every `intervalMs`, expire the
// previews whose time is up. State lives in the database (`expires_at`), so a
// restart loses nothing: the first sweep after it catches up. One sweep at a
// time; previews are expired one after another.
import type { Logger } from '../logger';
import type { Timers } from '../reconciler/timers';

export type Sweeper = {
  /** Runs a sweep now (or joins the running one); resolves when it is done. */
  sweep(): Promise<void>;
  close(): Promise<void>;
};

export function startSweeper(deps: {
  timers: Timers;
  intervalMs: number;
  logger: Logger;
  /** Ids of the previews to expire now. */
  due: () => string[];
  /** Expires one; false when it must be tried again later. `signal` aborts when the server closes. */
  expire: (environmentId: string, signal: AbortSignal) => Promise<boolean>;
}): Sweeper {
  let running: Promise<void> | null = null;
  let closed = false;
  const closing = new AbortController();

  function sweep(): Promise<void> {
    if (closed) return Promise.resolve();
    running ??= (async () => {
      for (const id of deps.due()) {
        if (closed) return;
        try {
          await deps.expire(id, closing.signal);
        } catch (error) {
          // One failing preview must not hold up the others; the next sweep tries it again.
          deps.logger.error({ err: error, environmentId: id }, 'expiring a preview failed');
        }
      }
    })().finally(() => {
      running = null;
    });
    return running;
  }

  const stop = deps.timers.every(deps.intervalMs, () => void sweep());
  void sweep();

  return {
    sweep,
    async close() {
      closed = true;
      closing.abort();
      stop();
      await running;
    },
  };
}
