/**
 * The lines the Logs tab shows: history and live batches merged by line id (each once),
 * ordered as the server orders them (time, then id), and bounded: past `capacity` the
 * oldest leave the view. Storage keeps every line; the history API brings them back.
 * Mutable on purpose: a flood appends thousands of lines a second, and the view renders
 * only the rows on screen from `lines` once per frame.
 */
import type { LogLine } from '../../../sync';

export const VIEW_CAPACITY = 5_000;

/** The history API's order: oldest first by time, then by id. */
export function compareLines(a: LogLine, b: LogLine): number {
  return a.ts - b.ts || a.id - b.id;
}

export interface AppendResult {
  /** Lines new to the buffer (duplicates and lines older than the view's start are not). */
  added: number;
  /** Oldest lines that left the view to stay within capacity. */
  dropped: number;
}

export class LogBuffer {
  private items: LogLine[] = [];
  private ids = new Set<number>();
  /** Lines dropped from the view since the last reset. */
  droppedTotal = 0;
  /** The longest line's length in characters (the view's width in a monospace font). */
  longest = 0;

  constructor(readonly capacity = VIEW_CAPACITY) {}

  get lines(): readonly LogLine[] {
    return this.items;
  }

  get size(): number {
    return this.items.length;
  }

  has(id: number): boolean {
    return this.ids.has(id);
  }

  /** Starts over with `lines` (a history answer, oldest first). */
  reset(lines: readonly LogLine[] = []): AppendResult {
    this.items = [];
    this.ids.clear();
    this.droppedTotal = 0;
    this.longest = 0;
    return this.append(lines);
  }

  /**
   * Adds lines (a live batch or a page of history), skipping ids already held. Lines usually
   * arrive in order and are pushed; a late one is put in its place. Then the oldest go.
   */
  append(lines: readonly LogLine[]): AppendResult {
    let added = 0;
    let ordered = true;
    for (const line of lines) {
      if (this.ids.has(line.id)) continue;
      // A line older than what the full view starts with was dropped before, or never belonged.
      if (this.droppedTotal > 0 && this.items.length > 0 && compareLines(line, this.items[0]) < 0) continue;
      const last = this.items[this.items.length - 1];
      if (last && compareLines(line, last) < 0) ordered = false;
      this.items.push(line);
      this.ids.add(line.id);
      if (line.text.length > this.longest) this.longest = line.text.length;
      added++;
    }
    if (!ordered) this.items.sort(compareLines);
    return { added, dropped: this.trim() };
  }

  /**
   * Adds an older page in front (Load older). It never pushes newer lines out: it takes only
   * as many of the page's newest lines as there is room for, and reports how many it took.
   */
  prepend(older: readonly LogLine[]): number {
    const room = this.capacity - this.items.length;
    const fresh = older.filter((line) => !this.ids.has(line.id)).sort(compareLines);
    const taken = room > 0 ? fresh.slice(Math.max(0, fresh.length - room)) : [];
    if (taken.length === 0) return 0;
    for (const line of taken) {
      this.ids.add(line.id);
      if (line.text.length > this.longest) this.longest = line.text.length;
    }
    this.items = [...taken, ...this.items];
    this.items.sort(compareLines);
    return taken.length;
  }

  private trim(): number {
    const over = this.items.length - this.capacity;
    if (over <= 0) return 0;
    for (const line of this.items.splice(0, over)) this.ids.delete(line.id);
    this.droppedTotal += over;
    return over;
  }
}
