// The training-curves drawing: one panel per group, a path per series with two or more points, a dot for
// one point, a note for an empty panel, and the same SVG for the same records.
import { describe, expect, test } from 'vitest';
import { trainingCurvesSvg } from '../../src/viz/training.js';

const panels = [
  { title: 'loss', log: true, series: [{ name: 'total', points: [[10, 2], [20, 1], [30, 0.5]] as const }, { name: 'box', points: [[10, 0.02]] as const }] },
  { title: 'learning rate', series: [{ name: 'lr', points: [[10, 0.001], [20, 0.01], [30, 0.01]] as const }] },
  { title: 'COCO AP (val)', series: [{ name: 'AP', points: [] }] },
];

describe('trainingCurvesSvg', () => {
  test('draws every panel with its series and legend', () => {
    const svg = trainingCurvesSvg('curves', panels);
    expect(svg).toMatch(/^<svg [^>]*width="640" height="660"/);
    expect(svg.match(/<path /g)?.length).toBe(2); // total and lr
    expect(svg.match(/<circle /g)?.length).toBe(1); // box: one point
    expect(svg).toContain('nothing logged yet');
    for (const name of ['total', 'box', 'lr', 'step 10', 'step 30']) expect(svg).toContain(`>${name}<`);
    expect(trainingCurvesSvg('curves', panels)).toBe(svg);
  });
});
