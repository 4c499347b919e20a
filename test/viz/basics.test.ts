import { describe, expect, it } from 'vitest';
import { arrowHeadPath, distanceToSegment, lastTangentPoint, segmentIntersectsBox } from '../../src/viz/geometry.js';
import { el, num, textEl } from '../../src/viz/svg.js';
import { escapeXml } from '../../src/util/escape.js';
import { boxesOverlap, textBox, textWidth } from '../../src/viz/text.js';

describe('svg writer', () => {
  it('formats numbers one way: ≤ 2 decimals, no exponent, no -0', () => {
    expect([num(1), num(1.005), num(2.499999), num(-0.001), num(1e-9), num(12345.678)]).toEqual(['1', '1', '2.5', '0', '0', '12345.68']);
    expect(() => num(Number.NaN)).toThrow();
  });

  it('escapes text and attributes, skips absent attributes', () => {
    expect(escapeXml('a<b & "c">')).toBe('a&lt;b &amp; &quot;c&quot;&gt;');
    expect(el('rect', { x: 1.234, y: undefined, hidden: false, 'data-node': 'n<5>' })).toBe('<rect x="1.23" data-node="n&lt;5&gt;"/>');
    expect(textEl('text', { x: 0 }, 'P3 & P4')).toBe('<text x="0">P3 &amp; P4</text>');
  });
});

describe('text metrics and geometry', () => {
  it('measures DejaVu Sans advances', () => {
    // "P3": P = 603, 3 = 636 thousandths of an em.
    expect(textWidth('P3', 10)).toBeCloseTo(12.39, 2);
    expect(textWidth('P3', 10, true)).toBeGreaterThan(textWidth('P3', 10));
    const box = textBox('n5', 100, 50, 10, 'middle');
    expect(box.x + box.width / 2).toBeCloseTo(100);
    expect(box.y).toBeLessThan(50);
  });

  it('tests boxes and segments', () => {
    const a = { x: 0, y: 0, width: 10, height: 10 };
    expect(boxesOverlap(a, { x: 9, y: 9, width: 5, height: 5 })).toBe(true);
    expect(boxesOverlap(a, { x: 11, y: 0, width: 5, height: 5 })).toBe(false);
    expect(segmentIntersectsBox([-5, 5], [15, 5], a)).toBe(true);
    expect(segmentIntersectsBox([-5, 15], [15, 15], a)).toBe(false);
    expect(distanceToSegment([5, 5], [0, 0], [10, 0])).toBe(5);
    expect(distanceToSegment([15, 0], [0, 0], [10, 0])).toBe(5);
  });

  it('points arrowheads along the end of the path', () => {
    expect(arrowHeadPath([10, 0], [0, 0], 8, 4)).toBe('M10,0L2,4L2,-4Z');
    expect(lastTangentPoint('M0,0C1,2,3,4,5,6', [9, 9])).toEqual([3, 4]);
    expect(lastTangentPoint('M0,0L5,6', [9, 9])).toEqual([9, 9]);
  });
});
