// Follows one container's output: `logs?follow&timestamps&since=…`, split
// into lines with the engine's timestamps. Each line is named by (stream,
// tsUs, seq) — its timestamp in microseconds and its position among the
// stream's lines with the same timestamp. Within one stream the engine's
// timestamps never go back, so a per-stream cursor says exactly which lines
// were had; across stdout and stderr they may (each stream is timestamped by
// its own reader before the two are written to one file), so a follower
// started again asks the engine for a few seconds more than the cursors and
// skips, stream by stream, what it already had.
import type Docker from 'dockerode';
import { MAX_LOG_LINE, type LogStream } from '../sync/events';

/** The last line taken from one stream of a container: that stream's lines at or before it are skipped. */
export type Cursor = { tsUs: number; seq: number };
/** Per stream; a stream without a cursor has had no line taken. */
export type StreamCursors = Partial<Record<LogStream, Cursor>>;

/** How far the engine may write one stream's line after a later-stamped line of the other. */
export const STREAM_SKEW_US = 5_000_000;

export type FollowedLine = { stream: LogStream; tsUs: number; seq: number; text: string };

export function compareCursor(a: Cursor, b: Cursor): number {
  return a.tsUs - b.tsUs || a.seq - b.seq;
}

/** The engine's `since` for a cursor: seconds with six decimals (the whole boundary microsecond is sent again). */
export function sinceParam(tsUs: number): string {
  const seconds = Math.floor(tsUs / 1e6);
  return `${seconds}.${String(tsUs - seconds * 1e6).padStart(6, '0')}`;
}

let cachedPrefix = '';
let cachedSeconds = 0;

/**
 * RFC 3339 with up to nine fraction digits ("2024-05-01T10:00:00.123456789Z",
 * the engine's format) → epoch microseconds; null when it is not one.
 */
export function parseEngineTimestamp(text: string): number | null {
  // Lines of one second share the prefix: parse the date once per second.
  const prefix = text.slice(0, 19);
  if (prefix !== cachedPrefix) {
    const ms = Date.parse(`${prefix}Z`);
    if (Number.isNaN(ms)) return null;
    cachedPrefix = prefix;
    cachedSeconds = ms / 1000;
  }
  let micros = 0;
  let i = 19;
  if (text[i] === '.') {
    let digits = 0;
    for (i++; i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57; i++) {
      if (digits < 6) micros = micros * 10 + (text.charCodeAt(i) - 48);
      digits++;
    }
    for (; digits < 6; digits++) micros *= 10;
  }
  const zone = text.slice(i);
  let offsetS = 0;
  if (zone !== 'Z') {
    const match = /^([+-])(\d\d):(\d\d)$/.exec(zone);
    if (!match) return null;
    offsetS = (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 3600 + Number(match[3]) * 60);
  }
  return (cachedSeconds - offsetS) * 1e6 + micros;
}

/** Where the engine should start for these cursors (or `fromUs` when there are none). */
export function startUs(after: StreamCursors | null, fromUs: number): number {
  const times = Object.values(after ?? {}).map((c) => c.tsUs);
  return times.length > 0 ? Math.max(0, Math.min(...times) - STREAM_SKEW_US) : fromUs;
}

/**
 * Names lines (stream, tsUs, seq) in arrival order and drops those at or
 * before their stream's cursor. A line without a parsable timestamp gets its
 * stream's previous one.
 */
export class LineSequencer {
  private readonly last: Record<LogStream, { tsUs: number; seq: number }> = {
    stdout: { tsUs: -1, seq: 0 },
    stderr: { tsUs: -1, seq: 0 },
  };
  private readonly after: StreamCursors;

  constructor(after: StreamCursors | null) {
    this.after = { ...after };
  }

  next(stream: LogStream, raw: string): FollowedLine | null {
    const space = raw.indexOf(' ');
    const parsed = space > 0 ? parseEngineTimestamp(raw.slice(0, space)) : null;
    const text = parsed === null ? raw : raw.slice(space + 1);
    const last = this.last[stream];
    const tsUs = Math.max(parsed ?? last.tsUs, 0);
    if (tsUs === last.tsUs) last.seq++;
    else {
      last.tsUs = tsUs;
      last.seq = 0;
    }
    const line = { stream, tsUs, seq: last.seq, text: trimLine(text) };
    const cursor = this.after[stream];
    if (cursor) {
      if (compareCursor(line, cursor) <= 0) return null;
      delete this.after[stream]; // past this stream's boundary: its lines come in order
    }
    return line;
  }
}

function trimLine(text: string): string {
  const end = text.endsWith('\r\n') ? text.length - 2 : text.endsWith('\n') ? text.length - 1 : text.length;
  return end > MAX_LOG_LINE ? text.slice(0, MAX_LOG_LINE) : text.slice(0, end);
}

/**
 * Splits the engine's log stream into (stream, payload) messages. Without a TTY
 * it is multiplexed: frames of an 8-byte header (type 1 stdout, 2 stderr; size
 * in bytes 4–7) and one log message each. With a TTY it is raw text, one line per message.
 */
export class LogDecoder {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly tty: boolean) {}

  push(chunk: Buffer, emit: (stream: LogStream, payload: string) => void): void {
    let buffer = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    if (this.tty) {
      let start = 0;
      for (let nl = buffer.indexOf(10); nl >= 0; nl = buffer.indexOf(10, start)) {
        emit('stdout', buffer.toString('utf8', start, nl + 1));
        start = nl + 1;
      }
      buffer = buffer.subarray(start);
    } else {
      let offset = 0;
      while (offset + 8 <= buffer.length) {
        const size = buffer.readUInt32BE(offset + 4);
        if (offset + 8 + size > buffer.length) break;
        const type = buffer[offset];
        emit(type === 2 ? 'stderr' : 'stdout', buffer.toString('utf8', offset + 8, offset + 8 + size));
        offset += 8 + size;
      }
      buffer = buffer.subarray(offset);
    }
    // Copy what is left so the chunk it came from can be collected.
    this.pending = buffer.length > 0 ? Buffer.from(buffer) : Buffer.alloc(0);
  }
}

export type Follower = {
  pause(): void;
  resume(): void;
  stop(): void;
  /** Resolves when the engine ends the stream (the container stopped) or it is stopped. */
  readonly done: Promise<void>;
};

/**
 * Follows a container's stdout and stderr after the cursors (exclusive), or
 * from `fromUs` when there are none. Lines reach `onLine` in the engine's order.
 */
export async function followLogs(
  docker: Docker,
  containerId: string,
  opts: { tty: boolean; after: StreamCursors | null; fromUs: number },
  onLine: (line: FollowedLine) => void
): Promise<Follower> {
  const sinceUs = startUs(opts.after, opts.fromUs);
  const stream = (await docker.getContainer(containerId).logs({
    follow: true,
    stdout: true,
    stderr: true,
    timestamps: true,
    // The API takes fractional seconds; dockerode's type says number.
    since: sinceParam(sinceUs) as unknown as number,
  })) as unknown as NodeJS.ReadableStream & { destroy(): void };
  const decoder = new LogDecoder(opts.tty);
  const sequencer = new LineSequencer(opts.after);
  const emit = (kind: LogStream, payload: string) => {
    const line = sequencer.next(kind, payload);
    if (line) onLine(line);
  };
  const done = new Promise<void>((resolve) => {
    stream.on('data', (chunk: Buffer) => decoder.push(chunk, emit));
    stream.once('end', () => resolve());
    stream.once('close', () => resolve());
    stream.once('error', () => resolve());
  });
  return {
    pause: () => void stream.pause(),
    resume: () => void stream.resume(),
    stop: () => stream.destroy(),
    done,
  };
}
