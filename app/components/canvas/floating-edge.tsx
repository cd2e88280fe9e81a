/**
 * Edges that leave and enter nodes on the sides facing each other, wherever the nodes are,
 * so a connection never loops around a card (as fixed left/right handles would make it).
 */
import { BaseEdge, getBezierPath, Position, useInternalNode, type EdgeProps, type InternalNode } from '@xyflow/react';
import { memo } from 'react';

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

function boxOf(node: InternalNode): Box {
  const { x, y } = node.internals.positionAbsolute;
  return { x, y, w: node.measured.width ?? 0, h: node.measured.height ?? 0 };
}

/** Where the line from `from`'s centre towards `to`'s centre crosses `from`'s border, and on which side. */
export function borderPoint(from: Box, to: Box): { x: number; y: number; position: Position } {
  const cx = from.x + from.w / 2;
  const cy = from.y + from.h / 2;
  const dx = to.x + to.w / 2 - cx;
  const dy = to.y + to.h / 2 - cy;
  if (dx === 0 && dy === 0) return { x: from.x + from.w, y: cy, position: Position.Right };
  const sx = dx === 0 ? Infinity : from.w / 2 / Math.abs(dx);
  const sy = dy === 0 ? Infinity : from.h / 2 / Math.abs(dy);
  if (sx <= sy) return { x: cx + dx * sx, y: cy + dy * sx, position: dx > 0 ? Position.Right : Position.Left };
  return { x: cx + dx * sy, y: cy + dy * sy, position: dy > 0 ? Position.Bottom : Position.Top };
}

function FloatingEdgeView({ id, source, target, markerEnd, style, interactionWidth }: EdgeProps) {
  const from = useInternalNode(source);
  const to = useInternalNode(target);
  if (!from || !to) return null;
  const a = boxOf(from);
  const b = boxOf(to);
  const s = borderPoint(a, b);
  const t = borderPoint(b, a);
  const [path] = getBezierPath({
    sourceX: s.x,
    sourceY: s.y,
    sourcePosition: s.position,
    targetX: t.x,
    targetY: t.y,
    targetPosition: t.position,
  });
  return <BaseEdge id={id} path={path} markerEnd={markerEnd} style={style} interactionWidth={interactionWidth} />;
}

export const FloatingEdge = memo(FloatingEdgeView);
