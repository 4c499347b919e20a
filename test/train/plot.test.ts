// The training-curves drawing: one plot per group, a path per series with two or more points, a dot for
// one point, a note for an empty plot, log ticks for the loss, and the same SVG for the same records.
import { describe, expect, test } from 'vitest';
import { logTicks } from '../../src/viz/plot.js';
import { trainingCurvesSvg } from '../../src/viz/training.js';

const panels = [
  { title: 'loss', log: true, series: [{ name: 'total', points: [[10, 2], [20, 1], [30, 0.5]] as const }, { name: 'box', points: [[10, 0.02]] as const }] },
  { title: 'learning rate', series: [{ name: 'lr', points: [[10, 0.001], [20, 0.01], [30, 0.01]] as const }] },
  { title: 'COCO AP (val)', series: [{ name: 'AP', points: [] }] },
];

describe('trainingCurvesSvg', () => {
  test('draws every panel with its series and legend', () => {
    const svg = trainingCurvesSvg('curves', panels);
    expect(svg).toMatch(/^<svg [^>]*width="640" height="1200"/); // three plots of 400 px
    expect(svg.match(/<path data-layer="[^"]*" d="M/g)?.length).toBe(2); // total and lr
    expect(svg.match(/<g data-layer="box"[^>]*>\s*<circle /g)?.length).toBe(1); // box: one point
    expect(svg).toContain('>nothing logged yet<');
    for (const name of ['loss', 'learning rate', 'COCO AP (val)', 'total', 'box', 'lr', 'step']) expect(svg).toContain(`>${name}<`);
    // The loss axis is logarithmic: 0.02 to 2 spans two decades, ticked at 1, 2, 5 × 10^k.
    for (const tick of ['0.01', '0.02', '0.05', '0.1', '1', '2']) expect(svg).toContain(`>${tick}</text>`);
    expect(trainingCurvesSvg('curves', panels)).toBe(svg);
  });

  test('log ticks: 1-2-5 over up to two decades, powers of ten beyond, covering the range', () => {
    expect(logTicks([0.02, 2])).toEqual([0.02, 0.05, 0.1, 0.2, 0.5, 1, 2]);
    expect(logTicks([0.03, 0.4])).toEqual([0.02, 0.05, 0.1, 0.2, 0.5]);
    expect(logTicks([0.003, 40])).toEqual([0.001, 0.01, 0.1, 1, 10, 100]);
    expect(logTicks([5, 5])).toEqual([5]);
  });
});
