// Test helpers for the diagram views: a small reader for the data-* structure of an SVG, and the legibility check
// of a graph layout. (Checked examples and generated pyramids are in test/helpers.)
import { expect } from 'vitest';
import { circleBox, distanceToSegment } from '../../src/viz/geometry.js';
import type { GraphLayout } from '../../src/viz/graph.js';
import { boxesOverlap } from '../../src/viz/text.js';

/** Every element carrying `attribute`, with all its attributes (a regex reader: the writer's output is regular). */
export function elementsWith(svg: string, attribute: string): Record<string, string>[] {
  const found: Record<string, string>[] = [];
  for (const match of svg.matchAll(/<[a-z]+((?:\s+[a-zA-Z-]+="[^"]*")*)\s*\/?>/g)) {
    const attrs: Record<string, string> = {};
    for (const a of match[1].matchAll(/([a-zA-Z-]+)="([^"]*)"/g)) attrs[a[1]] = a[2];
    if (attribute in attrs) found.push(attrs);
  }
  return found;
}

/** No two dots, no two labels, no label and dot intersect; no edge passes through a dot it does not touch. */
export function checkLegibility(layout: GraphLayout, options: { edgesMissDots: boolean }) {
  const { dots, labels } = layout;
  const problems: string[] = [];
  for (let i = 0; i < dots.length; i++) {
    for (let j = i + 1; j < dots.length; j++) {
      if (Math.hypot(dots[i].x - dots[j].x, dots[i].y - dots[j].y) <= dots[i].radius + dots[j].radius) problems.push(`dot ${dots[i].name} overlaps dot ${dots[j].name}`);
    }
  }
  for (let i = 0; i < labels.length; i++) {
    for (let j = i + 1; j < labels.length; j++) {
      if (boxesOverlap(labels[i].box, labels[j].box)) problems.push(`label '${labels[i].text}' overlaps label '${labels[j].text}'`);
    }
    for (const dot of dots) {
      if (boxesOverlap(labels[i].box, circleBox(dot.x, dot.y, dot.radius))) problems.push(`label '${labels[i].text}' overlaps dot ${dot.name}`);
    }
  }
  if (options.edgesMissDots) {
    for (const edge of layout.edges) {
      for (const dot of dots) {
        if (dot.node === edge.from || dot.node === edge.to) continue;
        for (let k = 1; k < edge.points.length; k++) {
          if (distanceToSegment([dot.x, dot.y], edge.points[k - 1], edge.points[k]) <= dot.radius) problems.push(`edge ${edge.from}→${edge.to} crosses dot ${dot.name}`);
        }
      }
    }
  }
  expect(problems).toEqual([]);
  // Every node has its name on the drawing.
  expect(labels.filter((l) => l.role === 'node').map((l) => l.text).sort()).toEqual(dots.map((d) => d.name).sort());
}
