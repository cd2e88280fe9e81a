// Coalesces what is relayed to a /live room: the first item waits `delayMs`
// for company, a room gets at most one message per `minIntervalMs`, and at most
// `maxItems` wait per room (the oldest beyond that are skipped and counted), so
// a flood in one environment costs bounded memory and one message per tick.
/** Sends `event` to the /live room of an environment. */
export type Publish = (environmentId: string, event: string, payload: unknown) => void;

export type RoomFlush<T> = (room: string, items: T[], skipped: number) => void;

type Pending<T> = { items: T[]; skipped: number; timer: NodeJS.Timeout | null; lastFlushAt: number };

export class RoomBatcher<T> {
  private readonly rooms = new Map<string, Pending<T>>();
  private closed = false;

  constructor(
    private readonly o: { delayMs: number; minIntervalMs: number; maxItems: number; flush: RoomFlush<T> },
    private readonly now: () => number = () => performance.now(),
  ) {}

  add(room: string, items: readonly T[]): void {
    if (this.closed || items.length === 0) return;
    let pending = this.rooms.get(room);
    if (!pending) this.rooms.set(room, (pending = { items: [], skipped: 0, timer: null, lastFlushAt: -Infinity }));
    for (const item of items) pending.items.push(item);
    const over = pending.items.length - this.o.maxItems;
    if (over > 0) {
      pending.items.splice(0, over);
      pending.skipped += over;
    }
    if (pending.timer) return;
    const wait = Math.max(this.o.delayMs, pending.lastFlushAt + this.o.minIntervalMs - this.now());
    pending.timer = setTimeout(() => this.flush(room), wait);
    pending.timer.unref();
  }

  /** Sends what waits for every room now (shutdown, tests). */
  flushAll(): void {
    for (const room of [...this.rooms.keys()]) this.flush(room);
  }

  close(): void {
    this.closed = true;
    for (const pending of this.rooms.values()) if (pending.timer) clearTimeout(pending.timer);
    this.rooms.clear();
  }

  private flush(room: string): void {
    const pending = this.rooms.get(room);
    if (!pending) return;
    if (pending.timer) clearTimeout(pending.timer);
    pending.timer = null;
    const { items, skipped } = pending;
    if (items.length === 0 && skipped === 0) {
      // Idle since its last message: forget the room.
      this.rooms.delete(room);
      return;
    }
    pending.items = [];
    pending.skipped = 0;
    pending.lastFlushAt = this.now();
    this.o.flush(room, items, skipped);
    // Come back once more, so an idle room is forgotten and a busy one keeps its pace.
    pending.timer = setTimeout(() => this.flush(room), this.o.minIntervalMs);
    pending.timer.unref();
  }
}
