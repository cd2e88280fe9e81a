import { describe, expect, it } from 'vitest';
import { formatRemaining } from './countdown';

describe('formatRemaining', () => {
  it('shows the two largest units, seconds only near the end', () => {
    expect(formatRemaining(0)).toBe('expired');
    expect(formatRemaining(-5)).toBe('expired');
    expect(formatRemaining(42_000)).toBe('42 s');
    expect(formatRemaining(4 * 60_000 + 10_000)).toBe('4 min 10 s');
    expect(formatRemaining(25 * 60_000)).toBe('25 min');
    expect(formatRemaining(3 * 3_600_000 + 12 * 60_000)).toBe('3 h 12 min');
    expect(formatRemaining(72 * 3_600_000)).toBe('3 d 0 h');
  });
});
