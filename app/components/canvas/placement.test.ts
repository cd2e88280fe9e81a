import { describe, expect, it } from 'vitest';
import { findFreeSpot } from './placement';

const size = { width: 200, height: 100 };

describe('findFreeSpot', () => {
  it('centres the node on an empty canvas', () => {
    expect(findFreeSpot({ x: 0, y: 0 }, size, [])).toEqual({ x: -100, y: -50 });
  });

  it('moves next to a node that covers the centre, never overlapping it', () => {
    const taken = [{ x: -100, y: -50, ...size }];
    const spot = findFreeSpot({ x: 0, y: 0 }, size, taken);
    const overlaps = spot.x < -100 + 200 && spot.x + 200 > -100 && spot.y < -50 + 100 && spot.y + 100 > -50;
    expect(overlaps).toBe(false);
    expect(Math.hypot(spot.x + 100, spot.y + 50)).toBeLessThan(300);
  });

  it('finds room among many nodes', () => {
    const taken = [];
    for (let i = -2; i <= 2; i++) for (let j = -2; j <= 2; j++) taken.push({ x: i * 232 - 100, y: j * 132 - 50, ...size });
    const spot = findFreeSpot({ x: 0, y: 0 }, size, taken);
    for (const r of taken) {
      expect(spot.x < r.x + r.width && spot.x + size.width > r.x && spot.y < r.y + r.height && spot.y + size.height > r.y).toBe(false);
    }
  });
});
