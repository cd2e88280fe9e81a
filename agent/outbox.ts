// A queue of telemetry items sent to the server in acknowledged batches: one
// batch in flight at a time, items leave the queue only when the server has
// acknowledged them, and a backlog is sent batch after batch without waiting
// for the next tick. While the server is unreachable the queue keeps up to
// `capacity` items and then drops the oldest, counting them; while connected
// it never drops.
import type { Ack } from '../sync/events';
import type { AgentLogger } from './log';

export type Transport = {
  /** Connected and greeted: the server accepts telemetry. */
  ready(): boolean;
  request(event: string, payload: unknown, timeoutMs: number): Promise<unknown>;
};

export type OutboxOptions<T> = {
  event: string;
  transport: Transport;
  /** The first item waits this long for company before a batch goes. */
  delayMs: number;
  maxItems: number;
  /** Approximate characters per batch, as counted by `sizeOf`. */
  maxChars: number;
  sizeOf(item: T): number;
  toPayload(items: T[], dropped: number): unknown;
  /** Items kept while the server is unreachable; Infinity when the producer applies backpressure itself. */
  capacity: number;
  onAcked?(items: T[]): void;
  /** The oldest items were dropped (unreachable and over capacity). */
  onDropped?(items: T[]): void;
  ackTimeoutMs: number;
  retryMs: number;
  logger: AgentLogger;
};

/** socket.io on the server refuses messages over 1 MB (maxHttpBufferSize); stay well under it. */
const MAX_MESSAGE_BYTES = 900_000;

export class Outbox<T> {
  private items: T[] = [];
  private start = 0;
  private inFlight = false;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private droppedUnreported = 0;
  private chars = 0;
  /** Items dropped over the outbox's life. */
  dropped = 0;
  sent = 0;

  constructor(private readonly o: OutboxOptions<T>) {}

  get size(): number {
    return this.items.length - this.start;
  }

  push(item: T): void {
    if (this.closed) return;
    this.items.push(item);
    this.chars += this.o.sizeOf(item);
    if (this.size > this.o.capacity && !this.inFlight && !this.o.transport.ready()) this.dropOldest(this.size - this.o.capacity);
    this.schedule(this.o.delayMs);
  }

  /** Sends now if anything waits (e.g. the connection is ready again). */
  kick(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.flush();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(ms: number): void {
    if (this.timer || this.inFlight || this.closed || this.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, ms);
  }

  private dropOldest(count: number): void {
    const dropped = this.items.slice(this.start, this.start + count);
    for (const item of dropped) this.chars -= this.o.sizeOf(item);
    this.start += count;
    this.dropped += count;
    this.droppedUnreported += count;
    this.compact();
    this.o.onDropped?.(dropped);
  }

  private compact(): void {
    if (this.start > 1024 && this.start * 2 > this.items.length) {
      this.items = this.items.slice(this.start);
      this.start = 0;
    }
  }

  private batch(): T[] {
    const end = Math.min(this.items.length, this.start + this.o.maxItems);
    let chars = 0;
    let i = this.start;
    for (; i < end; i++) {
      chars += this.o.sizeOf(this.items[i]);
      if (chars > this.o.maxChars && i > this.start) break;
    }
    return this.items.slice(this.start, i);
  }

  private flush(): void {
    if (this.inFlight || this.closed || this.size === 0) return;
    if (!this.o.transport.ready()) {
      if (this.size > this.o.capacity) this.dropOldest(this.size - this.o.capacity);
      return this.schedule(this.o.retryMs);
    }
    let batch = this.batch();
    const reported = this.droppedUnreported;
    let payload = this.o.toPayload(batch, reported);
    // Escaped control characters (6 bytes each) or multibyte text can make a batch larger than its
    // count says; measure only when that could pass the limit.
    const counted = batch.reduce((n, item) => n + this.o.sizeOf(item), 0);
    if (counted * 6 > MAX_MESSAGE_BYTES) {
      while (batch.length > 1 && Buffer.byteLength(JSON.stringify(payload)) > MAX_MESSAGE_BYTES) {
        batch = batch.slice(0, Math.ceil(batch.length / 2));
        payload = this.o.toPayload(batch, reported);
      }
    }
    this.inFlight = true;
    this.o.transport.request(this.o.event, payload, this.o.ackTimeoutMs).then(
      (answer) => {
        this.inFlight = false;
        const ack = answer as Ack | undefined;
        if (ack?.ok || ack?.reason === 'INVALID_MESSAGE') {
          // A batch the server calls invalid would be refused forever: log it and move on.
          if (!ack.ok) this.o.logger.error({ event: this.o.event, items: batch.length }, 'the server refused a telemetry batch as invalid');
          this.start += batch.length;
          this.sent += batch.length;
          for (const item of batch) this.chars -= this.o.sizeOf(item);
          this.droppedUnreported -= reported;
          this.compact();
          this.o.onAcked?.(batch);
          // A backlog goes batch after batch; a trickle waits for company.
          if (this.size >= this.o.maxItems / 2 || this.chars >= this.o.maxChars / 2) setImmediate(() => this.flush());
          else this.schedule(this.o.delayMs);
        } else {
          this.o.logger.debug({ event: this.o.event, reason: ack?.reason }, 'telemetry batch not accepted; retrying');
          this.schedule(this.o.retryMs);
        }
      },
      (error: unknown) => {
        // A timeout or a lost connection: the same items go again (the server drops repeats).
        this.inFlight = false;
        this.o.logger.debug({ event: this.o.event, err: error instanceof Error ? error.message : String(error) }, 'telemetry batch unacknowledged');
        this.schedule(this.o.retryMs);
      }
    );
  }
}
