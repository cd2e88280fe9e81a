// Follows one container's output: `logs?follow&timestamps&since=<cursor>`,
// split into lines with the engine's timestamps. Each line is named by
// (tsUs, seq) — its timestamp in microseconds and its position among the
// container's lines with the same timestamp — so a follower started again from
// a cursor skips exactly the lines it already had: the engine's `since` is
// inclusive, and lines sharing the boundary microsecond come back in the same order.
import type Docker from 'dockerode';
import { MAX_LOG_LINE, type LogStream } from '../sync/events';

/** The last line taken from a container: everything at or before it is skipped. */
export type Cursor = { tsUs: number; seq: number };

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

/**
 * Names lines (tsUs, seq) in arrival order and drops those at or before `after`.
 * Lines without a parsable timestamp get their predecessor's.
 */
export class LineSequencer {
  private lastTsUs = -1;
  private seq = 0;

  constructor(private after: Cursor | null) {}

  next(stream: LogStream, raw: string): FollowedLine | null {
    const space = raw.indexOf(' ');
    const parsed = space > 0 ? parseEngineTimestamp(raw.slice(0, space)) : null;
    const text = parsed === null ? raw : raw.slice(space + 1);
    const tsUs = Math.max(parsed ?? this.lastTsUs, 0);
    if (tsUs === this.lastTsUs) this.seq++;
    else {
      this.lastTsUs = tsUs;
      this.seq = 0;
    }
    const line = { stream, tsUs, seq: this.seq, text: trimLine(text) };
    if (this.after) {
      if (compareCursor(line, this.after) <= 0) return null;
      this.after = null; // past the boundary: the engine sends in order
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
 * Follows a container's stdout and stderr from `after` (exclusive), or from
 * `fromUs` when there is no cursor. Lines reach `onLine` in the engine's order.
 */
export async function followLogs(
  docker: Docker,
  containerId: string,
  opts: { tty: boolean; after: Cursor | null; fromUs: number },
  onLine: (line: FollowedLine) => void
): Promise<Follower> {
  const sinceUs = opts.after ? opts.after.tsUs : opts.fromUs;
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
