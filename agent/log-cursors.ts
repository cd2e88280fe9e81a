// Where each container's log streams resume: the last line of each stream the
// server acknowledged, per container, kept in the agent's state dir so a restarted
// agent neither sends lines twice nor skips any. Written atomically, at most
// once per `saveEveryMs`, and on close.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { AgentLogger } from './log';
import type { LogStream } from '../sync/events';
import { compareCursor, type Cursor, type StreamCursors } from './log-follower';

const FILE = 'log-cursors.json';
const cursorSchema = z.object({ tsUs: z.number().int().nonnegative(), seq: z.number().int().nonnegative() });
const fileSchema = z.record(z.string(), z.object({ stdout: cursorSchema.optional(), stderr: cursorSchema.optional() }));

export class LogCursors {
  private readonly cursors = new Map<string, StreamCursors>();
  private timer: NodeJS.Timeout | null = null;
  private dirty = false;

  constructor(
    private readonly dir: string | null,
    private readonly logger: AgentLogger,
    private readonly saveEveryMs = 1_000
  ) {
    if (dir) this.load(dir);
  }

  get(containerId: string): StreamCursors | null {
    return this.cursors.get(containerId) ?? null;
  }

  /** Moves a container's cursor of one stream forward (never back). */
  advance(containerId: string, stream: LogStream, cursor: Cursor): void {
    const cursors = this.cursors.get(containerId) ?? {};
    const current = cursors[stream];
    if (current && compareCursor(cursor, current) <= 0) return;
    this.cursors.set(containerId, { ...cursors, [stream]: { tsUs: cursor.tsUs, seq: cursor.seq } });
    this.changed();
  }

  /** Forgets containers that no longer exist. */
  retain(containerIds: Set<string>): void {
    for (const id of this.cursors.keys()) {
      if (!containerIds.has(id)) {
        this.cursors.delete(id);
        this.changed();
      }
    }
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.dirty || !this.dir) return;
    this.dirty = false;
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      const file = join(this.dir, FILE);
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.cursors)));
      renameSync(tmp, file);
    } catch (error) {
      // The server drops what it already has, so a lost save costs re-sent lines, not wrong ones.
      this.dirty = true;
      this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'cannot save log cursors');
    }
  }

  private changed(): void {
    this.dirty = true;
    if (this.dir && !this.timer) {
      this.timer = setTimeout(() => this.flush(), this.saveEveryMs);
      this.timer.unref();
    }
  }

  private load(dir: string): void {
    let text: string;
    try {
      text = readFileSync(join(dir, FILE), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      // falls through to the warning below
    }
    const result = fileSchema.safeParse(parsed);
    if (!result.success) {
      this.logger.warn({ file: join(dir, FILE) }, 'log cursors unreadable; following logs from the start again');
      return;
    }
    for (const [id, cursor] of Object.entries(result.data)) this.cursors.set(id, cursor);
  }
}
