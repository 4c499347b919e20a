import { describe, expect, it } from 'vitest';
import { layoutCells, renderCells, resampleText } from '../../src/viz/cells.js';
import { boxesOverlap } from '../../src/viz/text.js';
import { fpnPyramid, nasfpnPyramid } from '../helpers/ir.js';
import { elementsWith } from './helpers.js';

describe('cells view (Figure 6)', () => {
  it('names the resampling as in the paper', () => {
    expect(resampleText(6, 4)).toBe('up ×4');
    expect(resampleText(3, 5)).toBe('max-pool ÷4');
    expect(resampleText(4, 4)).toBeNull();
  });

  it('has one box per cell and one layer per node; inputs yellow, outputs blue', async () => {
    const p = nasfpnPyramid();
    const svg = await renderCells(p);
    expect(elementsWith(svg, 'data-cell').filter((g) => !g['data-block']).map((g) => g['data-cell'])).toEqual(p.cells.map((c) => c.name));
    const layers = elementsWith(svg, 'data-node');
    expect(layers.map((l) => l['data-node']).sort()).toEqual(p.nodes.map((n) => n.name).sort());
    const layout = await layoutCells(p);
    const fill = (name: string) => layout.blocks.find((b) => b.kind === 'layer' && p.nodes[b.node].name === name)!.fill;
    expect(fill('P3')).toBe('input');
    expect(fill('n7')).toBe('output');
    expect(fill('n5')).toBe('inner');
  });

  it('shows GP with its gating input, R-C-B, and the dangling sums dashed', async () => {
    const svg = await renderCells(nasfpnPyramid());
    expect(svg).toContain('max gate: P6');
    expect(svg).toContain('R-C-B');
    const dangling = elementsWith(svg, 'data-from').filter((e) => e['data-kind'] === 'dangling');
    expect(dangling.map((e) => `${e['data-from']}->${e['data-to']}`)).toEqual(['P5->n9', 'P7->n10']);
  });

  it('uses separable convs for Lite', async () => {
    expect(await renderCells(fpnPyramid(), { separable: true, width: 64 })).toContain('R-SC-B');
  });

  it('lays out without overlaps, inside each cell box, deterministically', async () => {
    const p = nasfpnPyramid();
    const layout = await layoutCells(p);
    const leaves = layout.blocks;
    for (let i = 0; i < leaves.length; i++) for (let j = i + 1; j < leaves.length; j++) expect(boxesOverlap(leaves[i], leaves[j]), `${leaves[i].id} vs ${leaves[j].id}`).toBe(false);
    for (const cluster of layout.clusters) {
      const members = leaves.filter((b) => b.kind !== 'layer' && p.nodes[b.node].name === cluster.name);
      for (const m of members) {
        expect(m.x).toBeGreaterThanOrEqual(cluster.x);
        expect(m.x + m.width).toBeLessThanOrEqual(cluster.x + cluster.width);
      }
    }
    expect(await renderCells(p)).toBe(await renderCells(p));
  });
});

describe('cells view of a large pyramid (cards)', () => {
  it('switches to one card per cell past the whole-graph limit, with every layer once', async () => {
    const { generatedPyramid } = await import('../helpers/ir.js');
    const { GRAPH_LAYOUT_MAX_CELLS } = await import('../../src/viz/cells.js');
    const p = generatedPyramid(200);
    const start = performance.now();
    const svg = await renderCells(p);
    expect(performance.now() - start).toBeLessThan(2000);
    expect(p.cells.length).toBeGreaterThan(GRAPH_LAYOUT_MAX_CELLS);
    expect(elementsWith(svg, 'data-node').map((n) => n['data-node']).sort()).toEqual(p.nodes.map((n) => n.name).sort());
    expect(elementsWith(svg, 'data-ref')).toHaveLength(2 * p.cells.length);
    const layout = await layoutCells(p);
    const cards = layout.clusters;
    for (let i = 1; i < cards.length; i++) expect(boxesOverlap(cards[i - 1], cards[i])).toBe(false);
    const dangling = p.cells.reduce((n, c) => n + (c.danglingSums.length ? 1 : 0), 0);
    expect(elementsWith(svg, 'data-block').filter((b) => b['data-block'] === 'dangling_sum')).toHaveLength(dangling);
  });
});
