// Serialized work per key (one reconcile pass at a time per environment), as
// Dokploy's in-memory queue. `request` coalesces: asking while a run for the
// key is waiting to start joins that run instead of queueing another.

type Slot = { promise: Promise<void>; started: boolean };

export class KeyedQueue {
  private tails = new Map<string, Promise<void>>();
  private waiting = new Map<string, Slot>();

  /** Runs `fn` after every earlier run for `key` has settled. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(fn);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /**
   * Runs `fn` for `key` unless a run for it is already queued and not yet
   * started, in which case the caller shares that one. Level-triggered work
   * needs one run after the latest request, not one per request.
   */
  request(key: string, fn: () => Promise<void>): Promise<void> {
    const queued = this.waiting.get(key);
    if (queued && !queued.started) return queued.promise;
    const slot: Slot = { promise: Promise.resolve(), started: false };
    slot.promise = this.run(key, async () => {
      slot.started = true;
      if (this.waiting.get(key) === slot) this.waiting.delete(key);
      await fn();
    });
    this.waiting.set(key, slot);
    return slot.promise;
  }

  /** Whether anything is running or queued for `key`. */
  busy(key: string): boolean {
    return this.tails.has(key);
  }

  /** Resolves when everything queued so far has settled. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }
}
