import { describe, expect, it } from 'vitest';
import type { LogLine } from '../../../sync';
import { LogBuffer } from './log-buffer';

const line = (id: number, ts = id * 10, text = `line ${id}`): LogLine => ({
  id,
  serviceId: 's1',
  deploymentId: null,
  containerId: 'c1',
  stream: 'stdout',
  ts,
  text,
});
const ids = (buffer: LogBuffer) => buffer.lines.map((l) => l.id);

describe('LogBuffer', () => {
  it('merges history with live batches by id: each line once, in order', () => {
    const buffer = new LogBuffer(100);
    buffer.reset([line(1), line(2), line(3)]);
    // The live tail overlaps what the history answer already held.
    expect(buffer.append([line(3), line(4)])).toEqual({ added: 1, dropped: 0 });
    expect(buffer.append([line(4), line(5), line(6)])).toEqual({ added: 2, dropped: 0 });
    expect(ids(buffer)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('puts a late line in its place (time, then id)', () => {
    const buffer = new LogBuffer(100);
    buffer.reset([line(1, 10), line(3, 30)]);
    buffer.append([line(2, 20), line(5, 30), line(4, 30)]);
    expect(ids(buffer)).toEqual([1, 2, 3, 4, 5]);
  });

  it('drops the oldest lines past its capacity, from the view only', () => {
    const buffer = new LogBuffer(5);
    buffer.reset([line(1), line(2), line(3)]);
    expect(buffer.append([line(4), line(5), line(6), line(7)])).toEqual({ added: 4, dropped: 2 });
    expect(ids(buffer)).toEqual([3, 4, 5, 6, 7]);
    expect(buffer.droppedTotal).toBe(2);
    // A dropped line coming again (a retried batch) does not come back in front.
    expect(buffer.append([line(1)])).toEqual({ added: 0, dropped: 0 });
    expect(ids(buffer)).toEqual([3, 4, 5, 6, 7]);
  });

  it('holds a flood to its capacity and keeps the newest', () => {
    const buffer = new LogBuffer(5_000);
    for (let batch = 0; batch < 20; batch++) {
      buffer.append(Array.from({ length: 1_000 }, (_, i) => line(batch * 1_000 + i)));
    }
    expect(buffer.size).toBe(5_000);
    expect(buffer.lines[0].id).toBe(15_000);
    expect(buffer.lines.at(-1)?.id).toBe(19_999);
    expect(buffer.droppedTotal).toBe(15_000);
  });

  it('takes an older page in front only as far as there is room, never pushing newer lines out', () => {
    const buffer = new LogBuffer(6);
    buffer.reset([line(5), line(6), line(7), line(8)]);
    expect(buffer.prepend([line(1), line(2), line(3), line(4), line(5)])).toBe(2);
    expect(ids(buffer)).toEqual([3, 4, 5, 6, 7, 8]);
    expect(buffer.prepend([line(2)])).toBe(0);
  });

  it('tracks the longest line for the view width and starts over on reset', () => {
    const buffer = new LogBuffer(10);
    buffer.append([line(1, 1, 'short'), line(2, 2, 'a much longer line')]);
    expect(buffer.longest).toBe(18);
    buffer.reset([line(9)]);
    expect(ids(buffer)).toEqual([9]);
    expect(buffer.longest).toBe(6);
    expect(buffer.droppedTotal).toBe(0);
    expect(buffer.has(1)).toBe(false);
  });
});
