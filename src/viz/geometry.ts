// Small plane-geometry helpers the layouts use to keep edges off dots and labels off everything.
import { num } from './svg.js';
import type { Box } from './text.js';

export type Point = [x: number, y: number];

/** Distance from point p to the segment a–b. */
export function distanceToSegment(p: Point, a: Point, b: Point): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const lengthSquared = dx * dx + dy * dy;
  const t = lengthSquared === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / lengthSquared));
  return Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy));
}

/** Whether the segment a–b passes through the box (Liang–Barsky clipping). */
export function segmentIntersectsBox(a: Point, b: Point, box: Box): boolean {
  let t0 = 0;
  let t1 = 1;
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const edges: [number, number][] = [
    [-dx, a[0] - box.x],
    [dx, box.x + box.width - a[0]],
    [-dy, a[1] - box.y],
    [dy, box.y + box.height - a[1]],
  ];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return false;
    } else {
      const r = q / p;
      if (p < 0) t0 = Math.max(t0, r);
      else t1 = Math.min(t1, r);
      if (t0 > t1) return false;
    }
  }
  return true;
}

export function polylineLength(points: Point[]): number {
  let total = 0;
  for (let i = 1; i < points.length; i++) total += Math.hypot(points[i][0] - points[i - 1][0], points[i][1] - points[i - 1][1]);
  return total;
}

/** Moves `from` towards `to` by `distance` (used to start and end edges on a dot's rim, not its centre). */
export function stepTowards(from: Point, to: Point, distance: number): Point {
  const length = Math.hypot(to[0] - from[0], to[1] - from[1]);
  if (length === 0) return from;
  const t = Math.min(distance / length, 0.45);
  return [from[0] + (to[0] - from[0]) * t, from[1] + (to[1] - from[1]) * t];
}

export function circleBox(cx: number, cy: number, r: number): Box {
  return { x: cx - r, y: cy - r, width: 2 * r, height: 2 * r };
}

/**
 * An arrowhead as a filled triangle path, tip at `tip`, pointing away from `behind` (a point on the tangent
 * behind the tip). Drawn as plain geometry instead of an SVG <marker>: resvg 2.6 aborts the whole process
 * (a Rust panic) when a marker falls outside the canvas, and a plain path also keeps the SVG simpler.
 */
export function arrowHeadPath(tip: Point, behind: Point, length = 8, halfWidth = 3.6): string {
  const dx = tip[0] - behind[0];
  const dy = tip[1] - behind[1];
  const norm = Math.hypot(dx, dy) || 1;
  const ux = dx / norm;
  const uy = dy / norm;
  const baseX = tip[0] - ux * length;
  const baseY = tip[1] - uy * length;
  return `M${num(tip[0])},${num(tip[1])}L${num(baseX - uy * halfWidth)},${num(baseY + ux * halfWidth)}L${num(baseX + uy * halfWidth)},${num(baseY - ux * halfWidth)}Z`;
}

/** The point an SVG path's last segment arrives from: the second control point of a final cubic, else the previous point. */
export function lastTangentPoint(d: string, fallback: Point): Point {
  const last = /C([^A-Za-z]*)$/.exec(d);
  if (!last) return fallback;
  const numbers = last[1].split(/[ ,]+/).filter(Boolean).map(Number);
  return numbers.length >= 6 ? [numbers[2], numbers[3]] : fallback;
}
