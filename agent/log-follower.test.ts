import { describe, expect, it } from 'vitest';
import { LineSequencer, LogDecoder, parseEngineTimestamp, sinceParam, startUs, STREAM_SKEW_US } from './log-follower';

const T = Date.parse('2026-05-01T10:00:00Z') * 1000;

function frame(type: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('engine timestamps', () => {
  it('reads RFC 3339 with any number of fraction digits, in microseconds', () => {
    expect(parseEngineTimestamp('2026-05-01T10:00:00.123456789Z')).toBe(T + 123_456);
    expect(parseEngineTimestamp('2026-05-01T10:00:00.1Z')).toBe(T + 100_000);
    expect(parseEngineTimestamp('2026-05-01T10:00:00Z')).toBe(T);
    expect(parseEngineTimestamp('2026-05-01T12:00:00.5+02:00')).toBe(T + 500_000);
    expect(parseEngineTimestamp('not a time at all')).toBeNull();
    expect(parseEngineTimestamp('2026-05-01T10:00:00.5 junk')).toBeNull();
  });

  it('asks the engine for the whole boundary microsecond, and a few seconds more with two streams', () => {
    expect(sinceParam(T + 42)).toBe(`${T / 1e6}.000042`);
    expect(startUs(null, 7)).toBe(7);
    expect(startUs({ stdout: { tsUs: T + 10, seq: 0 }, stderr: { tsUs: T + 5, seq: 2 } }, 7)).toBe(T + 5 - STREAM_SKEW_US);
  });
});

describe('naming and skipping lines', () => {
  it('numbers lines that share a timestamp, per stream', () => {
    const seq = new LineSequencer(null);
    const at = '2026-05-01T10:00:00.000001Z';
    expect(seq.next('stdout', `${at} a\n`)).toEqual({ stream: 'stdout', tsUs: T + 1, seq: 0, text: 'a' });
    expect(seq.next('stderr', `${at} b\n`)).toMatchObject({ stream: 'stderr', tsUs: T + 1, seq: 0 });
    expect(seq.next('stdout', `${at} c\r\n`)).toEqual({ stream: 'stdout', tsUs: T + 1, seq: 1, text: 'c' });
    expect(seq.next('stdout', '2026-05-01T10:00:00.000002Z d\n')).toMatchObject({ tsUs: T + 2, seq: 0 });
  });

  it('resumes after per-stream cursors, even when stderr was stamped before stdout lines it follows', () => {
    // The engine's file: out@5, out@9, err@7 (stamped earlier, written later), out@9, err@12.
    const file: [1 | 2, string][] = [
      [1, '2026-05-01T10:00:00.000005Z out 1'],
      [1, '2026-05-01T10:00:00.000009Z out 2'],
      [2, '2026-05-01T10:00:00.000007Z err 1'],
      [1, '2026-05-01T10:00:00.000009Z out 3'],
      [2, '2026-05-01T10:00:00.000012Z err 2'],
    ];
    const read = (after: ConstructorParameters<typeof LineSequencer>[0]) => {
      const seq = new LineSequencer(after);
      return file.map(([type, text]) => seq.next(type === 1 ? 'stdout' : 'stderr', text)).filter(Boolean);
    };
    const all = read(null);
    expect(all.map((l) => l?.text)).toEqual(['out 1', 'out 2', 'err 1', 'out 3', 'err 2']);
    // Acknowledged up to "err 1": stdout's cursor is out 2 (9, 0), stderr's is err 1 (7, 0).
    const rest = read({ stdout: { tsUs: T + 9, seq: 0 }, stderr: { tsUs: T + 7, seq: 0 } });
    expect(rest.map((l) => l?.text)).toEqual(['out 3', 'err 2']);
    // Only stdout acknowledged, up to out 1: err 1 is new although it is stamped after nothing we hold.
    expect(read({ stdout: { tsUs: T + 5, seq: 0 } }).map((l) => l?.text)).toEqual(['out 2', 'err 1', 'out 3', 'err 2']);
  });

  it('cuts very long lines', () => {
    const line = new LineSequencer(null).next('stdout', `2026-05-01T10:00:00Z ${'x'.repeat(20_000)}`);
    expect(line?.text.length).toBe(16_384);
  });
});

describe('the engine stream', () => {
  it('splits multiplexed frames however the chunks fall', () => {
    const bytes = Buffer.concat([frame(1, 'T1 one\n'), frame(2, 'T2 twö\n'), frame(1, 'T3 three\n')]);
    for (const cut of [1, 3, 8, 9, 15, bytes.length - 1]) {
      const decoder = new LogDecoder(false);
      const out: string[] = [];
      decoder.push(bytes.subarray(0, cut), (s, p) => out.push(`${s}:${p}`));
      decoder.push(bytes.subarray(cut), (s, p) => out.push(`${s}:${p}`));
      expect(out).toEqual(['stdout:T1 one\n', 'stderr:T2 twö\n', 'stdout:T3 three\n']);
    }
  });

  it('splits a TTY stream by line', () => {
    const decoder = new LogDecoder(true);
    const out: string[] = [];
    decoder.push(Buffer.from('T1 a\r\nT2 '), (_s, p) => out.push(p));
    decoder.push(Buffer.from('b\n'), (_s, p) => out.push(p));
    expect(out).toEqual(['T1 a\r\n', 'T2 b\n']);
  });
});
