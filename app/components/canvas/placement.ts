/** Where a new node goes: as near the centre of the view as possible without covering another. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const DEFAULT_NODE_SIZE = { width: 260, height: 96 };
/** Room around a new node, wide enough for a connection between neighbours to show. */
const GAP = { x: 64, y: 48 };

/** Top-left corner for a node of `size` centred on `center`, moved outward on a grid until it overlaps nothing. */
export function findFreeSpot(center: { x: number; y: number }, size: { width: number; height: number }, taken: Rect[]): {
  x: number;
  y: number;
} {
  const origin = { x: Math.round(center.x - size.width / 2), y: Math.round(center.y - size.height / 2) };
  const stepX = size.width + GAP.x;
  const stepY = size.height + GAP.y;
  const free = (x: number, y: number) =>
    !taken.some(
      (r) => x < r.x + r.width + GAP.x / 2 && x + size.width + GAP.x / 2 > r.x && y < r.y + r.height + GAP.y / 2 && y + size.height + GAP.y / 2 > r.y,
    );
  for (let ring = 0; ring <= 12; ring++) {
    const candidates: Array<{ x: number; y: number; d: number }> = [];
    for (let i = -ring; i <= ring; i++) {
      for (let j = -ring; j <= ring; j++) {
        if (Math.max(Math.abs(i), Math.abs(j)) !== ring) continue;
        const x = origin.x + i * stepX;
        const y = origin.y + j * stepY;
        candidates.push({ x, y, d: Math.hypot(i * stepX, j * stepY) });
      }
    }
    candidates.sort((a, b) => a.d - b.d);
    const spot = candidates.find((c) => free(c.x, c.y));
    if (spot) return { x: spot.x, y: spot.y };
  }
  // A very crowded view: below everything rather than on top of something.
  const bottom = Math.max(...taken.map((r) => r.y + r.height));
  return { x: origin.x, y: bottom + GAP.y };
}
