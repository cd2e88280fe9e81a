// The build queue: at most one build per service (key) at a time, at most
// `perNode` builds at a time on one node, and a newer build of a service
// supersedes one still waiting. Pure scheduling: `start` does the work and the
// queue starts the next job when its promise settles.

export type QueueJob = { id: string; key: string; nodeId: string };

export type BuildQueueOptions = {
  /** Builds running at once on one node. */
  perNode: () => number;
  start: (job: QueueJob) => Promise<void>;
  /** A waiting job replaced by a newer one of the same key; it never starts. */
  superseded: (job: QueueJob, by: QueueJob) => void;
};

export class BuildQueue {
  private waiting: QueueJob[] = [];
  private running = new Map<string, QueueJob>();
  private settled: Promise<void>[] = [];

  constructor(private readonly options: BuildQueueOptions) {}

  /** Queues a job (replacing a waiting one of the same key) and starts what can start. */
  enqueue(job: QueueJob): void {
    const older = this.waiting.filter((j) => j.key === job.key);
    this.waiting = this.waiting.filter((j) => j.key !== job.key);
    this.waiting.push(job);
    for (const j of older) this.options.superseded(j, job);
    this.pump();
  }

  /** Takes a waiting job out; false when it is not waiting (running, or done). */
  dequeue(id: string): boolean {
    const before = this.waiting.length;
    this.waiting = this.waiting.filter((j) => j.id !== id);
    return this.waiting.length < before;
  }

  isRunning(id: string): boolean {
    return this.running.has(id);
  }

  /** Jobs waiting, in the order they will be considered. */
  queued(): QueueJob[] {
    return [...this.waiting];
  }

  /** Builds running on a node now. */
  load(nodeId: string): number {
    let n = 0;
    for (const job of this.running.values()) if (job.nodeId === nodeId) n++;
    return n;
  }

  /** Waiting and running builds on a node (what a new build is placed by). */
  pressure(nodeId: string): number {
    return this.load(nodeId) + this.waiting.filter((j) => j.nodeId === nodeId).length;
  }

  /** Resolves when every started job has settled (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.settled.length > 0) await Promise.all(this.settled.splice(0));
  }

  private pump(): void {
    for (const job of [...this.waiting]) {
      const busyKey = [...this.running.values()].some((r) => r.key === job.key);
      if (busyKey || this.load(job.nodeId) >= Math.max(1, this.options.perNode())) continue;
      this.waiting = this.waiting.filter((j) => j !== job);
      this.running.set(job.id, job);
      // Started synchronously (an async function runs until its first await), so callers see it running at once.
      const done = (async () => {
        try {
          await this.options.start(job);
        } catch {
          // `start` records its own failures; the queue only needs to know the slot is free.
        }
      })().finally(() => {
        this.running.delete(job.id);
        this.settled = this.settled.filter((p) => p !== done);
        this.pump();
      });
      this.settled.push(done);
    }
  }
}
