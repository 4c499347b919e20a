import { describe, expect, it } from 'vitest';
import { layoutGraph, renderCompare, renderGraph } from '../../src/viz/graph.js';
import type { PyramidIR } from '../../src/semantics/ir.js';
import { loadExample } from '../helpers/examples.js';
import { fpnReference, fpnPyramid, generatedPyramid, nasfpnPyramid } from '../helpers/ir.js';
import { checkLegibility, elementsWith } from './helpers.js';

const danglingCount = (p: PyramidIR) => p.cells.reduce((n, c) => n + c.danglingSums.length, 0);

function checkStructure(p: PyramidIR, svg: string) {
  const dots = elementsWith(svg, 'data-node');
  const edges = elementsWith(svg, 'data-from');
  const rows = elementsWith(svg, 'data-row');
  expect(dots).toHaveLength(p.nodes.length);
  expect(dots.map((d) => d['data-node'])).toEqual(p.nodes.map((n) => n.name));
  expect(dots.map((d) => Number(d['data-level']))).toEqual(p.nodes.map((n) => n.level));
  expect(edges).toHaveLength(2 * p.cells.length + danglingCount(p));
  expect(edges.filter((e) => e['data-kind'] === 'dangling')).toHaveLength(danglingCount(p));
  expect(rows.map((r) => Number(r['data-row']))).toEqual(Array.from({ length: p.maxLevel - p.minLevel + 1 }, (_, i) => p.minLevel + i));
}

describe('graph view (Figure 7)', () => {
  it('has one dot per node, two edges per cell plus the dangling sums, one row per level', () => {
    for (const p of [nasfpnPyramid(), fpnPyramid(), generatedPyramid(40)]) checkStructure(p, renderGraph(p));
  });

  it('draws the reference dangling sums of Figure 7(f) dashed: P5 into n9, P7 into n10', () => {
    const svg = renderGraph(nasfpnPyramid());
    const edges = elementsWith(svg, 'data-from').filter((e) => e['data-kind'] === 'dangling');
    expect(edges.map((e) => `${e['data-from']}->${e['data-to']}`)).toEqual(['P5->n9', 'P7->n10']);
    for (const [from, to] of [['P5', 'n9'], ['P7', 'n10']]) {
      expect(svg).toMatch(new RegExp(`<g data-from="${from}" data-to="${to}" data-kind="dangling"><path [^>]*stroke-dasharray="5 3"`));
    }
    // Ordinary inputs are solid.
    expect(svg).not.toMatch(/data-kind="input"><path [^>]*stroke-dasharray/);
  });

  it('puts P3 at the top, inputs on the left, cells in creation order', () => {
    const layout = layoutGraph(nasfpnPyramid());
    expect(layout.rows.map((r) => r.level)).toEqual([3, 4, 5, 6, 7]);
    expect(layout.rows[0].y).toBeLessThan(layout.rows[4].y);
    const inputs = layout.dots.filter((d) => d.kind === 'input');
    const cells = layout.dots.filter((d) => d.kind === 'cell');
    expect(new Set(inputs.map((d) => d.x)).size).toBe(1);
    expect(Math.max(...inputs.map((d) => d.x))).toBeLessThan(Math.min(...cells.map((d) => d.x)));
    for (let i = 1; i < cells.length; i++) expect(cells[i].x).toBeGreaterThan(cells[i - 1].x);
  });

  it('marks ops, inputs and outputs distinguishably', () => {
    const dots = elementsWith(renderGraph(nasfpnPyramid()), 'data-node');
    expect(dots.filter((d) => d['data-op'] === 'global_pool').map((d) => d['data-node'])).toEqual(['n5', 'n9', 'n10', 'n11']);
    expect(dots.filter((d) => d['data-output'] === 'true').map((d) => d['data-node'])).toEqual(['n7', 'n8', 'n9', 'n10', 'n11']);
    // The TF rule: the coarser input is pooled (P6 for n5, n8 for n9, n9 for n10, n10 for n11).
    expect(dots.filter((d) => d['data-pooled']).map((d) => `${d['data-node']}:${d['data-pooled']}`)).toEqual(['n5:P6', 'n9:n8', 'n10:n9', 'n11:n10']);
  });

  it('keeps dots, labels and edges apart (overlap test)', () => {
    for (const p of [nasfpnPyramid(), fpnPyramid()]) checkLegibility(layoutGraph(p), { edgesMissDots: true });
  });

  it('keeps a 200-cell pyramid legible and draws it in well under 2 s', () => {
    const p = generatedPyramid(200);
    const start = performance.now();
    const svg = renderGraph(p);
    const elapsed = performance.now() - start;
    checkStructure(p, svg);
    checkLegibility(layoutGraph(p), { edgesMissDots: true });
    expect(elapsed).toBeLessThan(2000);
  });

  it('is deterministic', () => {
    expect(renderGraph(generatedPyramid(30, 7))).toBe(renderGraph(generatedPyramid(30, 7)));
  });

  it('is accessible and self-contained', () => {
    const svg = renderGraph(nasfpnPyramid(), { theme: 'dark' });
    expect(svg).toMatch(/<title id="title">nasfpn: architecture graph<\/title>/);
    expect(svg).toMatch(/<desc id="desc">[^<]*7 merging cells/);
    expect(svg).not.toMatch(/<style|href=|@import|url\((?!#)/);
  });

  it('compares two pyramids on the same row scale', () => {
    const svg = renderCompare([fpnPyramid(), nasfpnPyramid()]);
    const rows = elementsWith(svg, 'data-row');
    expect(rows).toHaveLength(10);
    expect(elementsWith(svg, 'data-pyramid').map((g) => g['data-pyramid'])).toEqual(['fpn_cells', 'nasfpn']);
    const a = layoutGraph(fpnPyramid(), { levels: [3, 7] });
    const b = layoutGraph(nasfpnPyramid(), { levels: [3, 7] });
    expect(a.rows).toEqual(b.rows);
  });

  it('draws every example pyramid legibly', () => {
    for (const name of ['nasfpn', 'fpn', 'nasfpn-lite']) {
      for (const p of loadExample(name).pyramids) {
        if (p.kind === 'cells') checkStructure(p, renderGraph(p));
        checkLegibility(layoutGraph(p), { edgesMissDots: true });
      }
    }
  });

  it('draws kind fpn as the TF reference builds it: C3–C5, top-down sums, a 3×3 conv per level, P6/P7 from convs', () => {
    const svg = renderGraph(fpnReference());
    const dots = elementsWith(svg, 'data-node');
    expect(dots.map((d) => `${d['data-node']}:${d['data-op'] ?? 'input'}`)).toEqual(
      ['C3:input', 'C4:input', 'C5:input', 'td4:sum', 'td3:sum', 'P3:conv', 'P4:conv', 'P5:conv', 'P6:conv', 'P7:conv']);
    const edges = elementsWith(svg, 'data-from').map((e) => `${e['data-from']}→${e['data-to']}`);
    expect(edges).toEqual(['C4→td4', 'C5→td4', 'C3→td3', 'td4→td3', 'td3→P3', 'td4→P4', 'C5→P5', 'P5→P6', 'P6→P7']);
    expect(dots.filter((d) => d['data-output'] === 'true').map((d) => d['data-node'])).toEqual(['P3', 'P4', 'P5', 'P6', 'P7']);
    checkLegibility(layoutGraph(fpnReference()), { edgesMissDots: true });
  });
});
