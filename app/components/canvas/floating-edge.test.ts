import { Position } from '@xyflow/react';
import { describe, expect, it } from 'vitest';
import { borderPoint } from './floating-edge';

const box = (x: number, y: number) => ({ x, y, w: 200, h: 100 });

describe('borderPoint', () => {
  it('leaves on the side that faces the other node', () => {
    expect(borderPoint(box(0, 0), box(400, 0))).toEqual({ x: 200, y: 50, position: Position.Right });
    expect(borderPoint(box(400, 0), box(0, 0))).toEqual({ x: 400, y: 50, position: Position.Left });
    expect(borderPoint(box(0, 0), box(0, 300))).toEqual({ x: 100, y: 100, position: Position.Bottom });
    expect(borderPoint(box(0, 300), box(0, 0))).toEqual({ x: 100, y: 300, position: Position.Top });
  });

  it('crosses the border on the line between centres', () => {
    const p = borderPoint(box(0, 0), box(300, 300));
    expect(p.position).toBe(Position.Bottom);
    expect(p.y).toBe(100);
    expect(p.x).toBeCloseTo(150);
  });
});
