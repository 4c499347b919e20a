// `nasfpn diff --draw` (src/viz/graph-diff.ts): B's Figure 7 graph with A overlaid. Goldens, and what the marks
// must add up to: every node and edge of B drawn once, added or not, and every one of A's drawn once, removed or not.
// After a deliberate change of the drawing: npx vitest run test/viz/graph-diff.test.ts -u (and review the SVGs).
import { describe, expect, it } from 'vitest';
import { countCells, diffPyramids } from '../../src/diff/pyramid.js';
import type { PyramidIR, PyramidNetworkIR } from '../../src/semantics/ir.js';
import { checkText } from '../../src/semantics/program.js';
import { layoutGraphDiff, renderGraphDiff } from '../../src/viz/graph-diff.js';
import { examplePyramids, loadExample } from '../helpers/examples.js';
import { cellPyramid } from '../helpers/ir.js';
import { checkLegibility, elementsWith } from './helpers.js';

const example = (file: string, name: string) => loadExample(file).pyramids.find((p) => p.name === name)!;
const nasfpn = () => cellPyramid(example('nasfpn', 'nasfpn'));

/** NAS-FPN with one edge moved: n8 reads n5 instead of n6. */
function oneEdge(): PyramidIR {
  const text = examplePyramids('nasfpn').replace('output n8 @P4 = sum(n6, n7)', 'output n8 @P4 = sum(n5, n7)');
  return cellPyramid(checkText(text, '/virtual/one-edge.fpn').program!.pyramids[0]);
}

const edgeCount = (p: PyramidIR) => p.cells.reduce((n, c) => n + 2 + c.danglingSums.length, 0);
const marked = (items: Record<string, string>[], mark: string) => items.filter((e) => e['data-diff'] === mark).length;

/** The overlay of two merging-cell pyramids draws each side's nodes and edges exactly once. */
function checkMarks(a: PyramidIR, b: PyramidIR) {
  const diff = diffPyramids(a, b);
  const svg = renderGraphDiff(a, b, diff);
  const dots = elementsWith(svg, 'data-node');
  const edges = elementsWith(svg, 'data-from');
  const counts = countCells(diff);
  // Nodes: B's in order (whatever their mark), then A's that B lacks.
  expect(dots.filter((d) => d['data-diff'] !== 'removed').map((d) => d['data-node'])).toEqual(b.nodes.map((n) => n.name));
  expect(dots.filter((d) => d['data-kind'] === 'cell' && d['data-diff'] === 'removed').map((d) => d['data-node']).sort())
    .toEqual(diff.removed.map((c) => c.name).sort());
  expect(marked(dots, 'added')).toBe(counts.added + diff.inputs.added.length);
  expect(marked(dots, 'changed')).toBe(counts.changed);
  expect(marked(dots, 'removed')).toBe(counts.removed + diff.inputs.removed.length);
  // Edges: B's are added or unchanged, A's are removed or unchanged.
  expect(marked(edges, 'added') + marked(edges, 'unchanged')).toBe(edgeCount(b));
  expect(marked(edges, 'removed') + marked(edges, 'unchanged')).toBe(edgeCount(a));
  expect(edges.every((e) => ['added', 'removed', 'unchanged'].includes(e['data-diff']))).toBe(true);
  checkLegibility(layoutGraphDiff(a, b, diff), { edgesMissDots: false });
  return { diff, svg, dots, edges };
}

describe('the diff overlay (nasfpn diff --draw)', () => {
  it('one edge moved: n8 changed, its old input dashed, its new one in the added colour, the rest grey', async () => {
    const { svg, dots, edges } = checkMarks(nasfpn(), oneEdge());
    expect(dots.filter((d) => d['data-diff'] === 'changed').map((d) => d['data-node'])).toEqual(['n8']);
    expect(edges.filter((e) => e['data-diff'] !== 'unchanged').map((e) => `${e['data-from']}->${e['data-to']}:${e['data-diff']}`))
      .toEqual(['n5->n8:added', 'n6->n8:removed']);
    expect(svg).toMatch(/data-from="n6" data-to="n8" data-kind="input" data-diff="removed"><path [^>]*stroke="#e07b00"[^>]*stroke-dasharray="2 3"/);
    await expect(svg).toMatchFileSnapshot('__snapshots__/graph-diff/nasfpn-one-edge.svg');
  });

  it('Figure 7(a) → 7(f): FPN as merging cells against NAS-FPN', async () => {
    const { svg } = checkMarks(cellPyramid(example('fpn', 'fpn_cells')), nasfpn());
    // A legend entry for each mark in the drawing.
    expect(elementsWith(svg, 'data-legend').map((l) => l['data-legend'])).toEqual(expect.arrayContaining(['added', 'removed', 'changed', 'unchanged']));
    await expect(svg).toMatchFileSnapshot('__snapshots__/graph-diff/fpn_cells-to-nasfpn.svg');
  });

  it('levels only one side has: NAS-FPN against the 15-cell Lite pyramid (no P7)', () => {
    const lite = cellPyramid(loadExample('nasfpn-lite').pyramids.find((p) => p.kind === 'cells'));
    const { dots, svg } = checkMarks(nasfpn(), lite);
    expect(dots.filter((d) => d['data-kind'] === 'input' && d['data-diff'] === 'removed').map((d) => d['data-node'])).toEqual(['P7']);
    expect(elementsWith(svg, 'data-row').map((r) => r['data-row'])).toEqual(['3', '4', '5', '6', '7']);
  });

  it('equal pyramids: everything grey, nothing added or removed', () => {
    const p = nasfpn();
    const svg = renderGraphDiff(p, p, diffPyramids(p, p));
    expect(new Set(elementsWith(svg, 'data-diff').map((e) => e['data-diff']))).toEqual(new Set(['unchanged']));
  });

  it('the fixed FPN (kind fpn) against NAS-FPN, dark: only the inputs correspond', async () => {
    const fpn: PyramidNetworkIR = example('fpn', 'fpn');
    const diff = diffPyramids(fpn, nasfpn());
    const svg = renderGraphDiff(fpn, nasfpn(), diff, { theme: 'dark' });
    const dots = elementsWith(svg, 'data-node');
    // C3..C5 are P3..P5; P6 and P7 are inputs only NAS-FPN has; every other node of either side is new or gone.
    expect(dots.filter((d) => d['data-diff'] === 'unchanged').map((d) => d['data-node'])).toEqual(['P3', 'P4', 'P5']);
    expect(marked(dots, 'added')).toBe(2 + 7);
    expect(marked(dots, 'removed')).toBe(2 + 5); // the top-down sums td3, td4 and the five output convs
    checkLegibility(layoutGraphDiff(fpn, nasfpn(), diff), { edgesMissDots: false });
    await expect(svg).toMatchFileSnapshot('__snapshots__/graph-diff/fpn-to-nasfpn-dark.svg');
  });

  it('is deterministic', () => {
    const a = cellPyramid(example('fpn', 'fpn_cells'));
    expect(renderGraphDiff(a, nasfpn(), diffPyramids(a, nasfpn()))).toBe(renderGraphDiff(a, nasfpn(), diffPyramids(a, nasfpn())));
  });
});
