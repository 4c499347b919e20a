// The structural diff of two pyramids (src/diff/pyramid.ts): matching by what cells compute, the changed fields,
// output order and dangling sums, on the examples and on small hand-made pyramids whose diff is known.
import { describe, expect, it } from 'vitest';
import { countCells, diffPyramids, type PyramidDiff } from '../../src/diff/pyramid.js';
import { pyramidHash } from '../../src/semantics/hash.js';
import type { PyramidNetworkIR } from '../../src/semantics/ir.js';
import { checkText } from '../../src/semantics/program.js';
import { examplePyramids, loadExample, withOneEdgeMoved } from '../helpers/examples.js';
import { generatedPyramid } from '../helpers/ir.js';

/** The first pyramid of `text` (no errors or warnings allowed). */
function pyramid(text: string): PyramidNetworkIR {
  const result = checkText(text, '/virtual/p.fpn');
  expect(result.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
  return result.program!.pyramids[0];
}

const example = (file: string, name: string) => loadExample(file).pyramids.find((p) => p.name === name)!;

/** The pyramid part of examples/nasfpn.fpn, as text to edit. */
const NASFPN = examplePyramids('nasfpn');

/** NAS-FPN with `from` (which must be there) replaced by `to`. */
function edited(from: string, to: string): PyramidNetworkIR {
  expect(NASFPN).toContain(from);
  return pyramid(NASFPN.replace(from, to));
}

/** The matched pairs as "A→B" (or just the name when it is kept), with their changed fields. */
const pairs = (diff: PyramidDiff) =>
  diff.matched.map((m) => `${m.a.name === m.b.name ? m.b.name : `${m.a.name}→${m.b.name}`}${m.changed.length ? `:${m.changed.join('+')}` : ''}`);

describe('diffPyramids: equal pyramids', () => {
  it('NAS-FPN against itself with every cell renamed and the inputs swapped: equal, all renamed, nothing changed', () => {
    const renamed = NASFPN.replace('pyramid nasfpn', 'pyramid other')
      .replace(/\bn(\d+)\b/g, 'cell_$1')
      .replace('sum(P4, cell_5)', 'sum(cell_5, P4)');
    expect(renamed).toContain('cell cell_6 @P4 = sum(cell_5, P4)');
    const diff = diffPyramids(pyramid(NASFPN), pyramid(renamed));
    expect(diff.equal).toBe(true);
    expect(countCells(diff)).toEqual({ added: 0, removed: 0, changed: 0, renamed: 7, unchanged: 0 });
    expect(pairs(diff)).toEqual(['n5→cell_5', 'n6→cell_6', 'n7→cell_7', 'n8→cell_8', 'n9→cell_9', 'n10→cell_10', 'n11→cell_11']);
    expect(diff.matched.every((m) => m.sameComputation)).toBe(true);
    expect(diff.outputOrder).toBeNull();
    expect(diff.dangling).toEqual([]);
  });

  it('independent cells listed in another order: equal, matched by what they compute, not by position', () => {
    const a = pyramid(`pyramid p {
  inputs P3..P5
  cell a @P4 = sum(P3, P4)
  cell b @P5 = global_pool(P4, P5)
  output o5 @P5 = sum(a, b)
  output o4 @P4 = sum(o5, a)
  output o3 @P3 = sum(o4, P3)
}`);
    const b = pyramid(`pyramid p {
  inputs P3..P5
  cell y @P5 = global_pool(P4, P5)
  cell x @P4 = sum(P4, P3)
  output o5 @P5 = sum(x, y)
  output o4 @P4 = sum(o5, x)
  output o3 @P3 = sum(o4, P3)
}`);
    const diff = diffPyramids(a, b);
    expect(diff.equal).toBe(true);
    expect(pairs(diff)).toEqual(['b→y', 'a→x', 'o5', 'o4', 'o3']);
  });

  it('outputs built in another order that computes the same: equal, the order reported', () => {
    const a = pyramid('pyramid p {\n  inputs P3..P4\n  output a @P3 = sum(P3, P4)\n  output b @P4 = sum(P3, P4)\n}');
    const b = pyramid('pyramid p {\n  inputs P3..P4\n  output b @P4 = sum(P3, P4)\n  output a @P3 = sum(P3, P4)\n}');
    const diff = diffPyramids(a, b);
    expect(diff.equal).toBe(true);
    expect(diff.outputOrder).toEqual({ a: [3, 4], b: [4, 3] });
    expect(countCells(diff)).toMatchObject({ changed: 0, unchanged: 2 });
  });
});

describe('diffPyramids: one change at a time', () => {
  it('one edge: n8 reads n5 instead of n6; the cells after it keep their fields but compute something else', () => {
    const diff = diffPyramids(pyramid(NASFPN), edited('n8 @P4 = sum(n6, n7)', 'n8 @P4 = sum(n5, n7)'));
    expect(diff.equal).toBe(false);
    expect(pairs(diff)).toEqual(['n5', 'n6', 'n7', 'n8:inputs', 'n9', 'n10', 'n11']);
    expect(countCells(diff)).toEqual({ added: 0, removed: 0, changed: 1, renamed: 0, unchanged: 6 });
    // n9 reads n8, n10 reads n9, n11 reads both: the same cells, different computations.
    expect(diff.matched.filter((m) => !m.sameComputation).map((m) => m.b.name)).toEqual(['n8', 'n9', 'n10', 'n11']);
    const n8 = diff.matched.find((m) => m.b.name === 'n8')!;
    expect([n8.a.source, n8.b.source]).toEqual(['output n8 @P4 = sum(n6, n7)', 'output n8 @P4 = sum(n5, n7)']);
  });

  it('a level, an op, the pooled input of a global pool', () => {
    const level = diffPyramids(pyramid(NASFPN), edited('cell n6 @P4 = sum(P4, n5)', 'cell n6 @P5 = sum(P4, n5)'));
    expect(pairs(level)).toContain('n6:level');
    const op = diffPyramids(pyramid(NASFPN), edited('n8 @P4 = sum(n6, n7)', 'n8 @P4 = global_pool(n6, n7)'));
    expect(pairs(op)).toContain('n8:op');
    expect(op.matched.find((m) => m.b.name === 'n8')!.b.op).toBe('global_pool:max');
    // Pooling the other input is a different computation, although the cell names the same two inputs.
    const pooled = diffPyramids(pyramid(NASFPN), edited('global_pool(P4, P6)', 'global_pool(P4, P6, pooled=P4)'));
    expect(pairs(pooled)[0]).toBe('n5:inputs');
    expect(pooled.matched[0].b.pooled).toBe('P4');
    // Swapping a sum's inputs is no change at all.
    expect(diffPyramids(pyramid(NASFPN), edited('sum(n6, n7)', 'sum(n7, n6)')).equal).toBe(true);
  });

  it('a cell that keeps neither input is another cell: removed and added, not changed', () => {
    const diff = diffPyramids(pyramid(NASFPN), edited('cell n6 @P4 = sum(P4, n5)', 'cell n6 @P4 = sum(P3, P5)'));
    expect(diff.removed.map((c) => c.source)).toEqual(['cell n6 @P4 = sum(P4, n5)']);
    expect(diff.added.map((c) => c.source)).toEqual(['cell n6 @P4 = sum(P3, P5)']);
  });

  it('a matched output whose dangling sums change: o5 now reads P5, so P5 is no longer summed into it', () => {
    const text = (input: string) => `pyramid p {
  inputs P3..P5
  output o5 @P5 = sum(${input}, P4)
  output o4 @P4 = sum(o5, P4)
  output o3 @P3 = sum(o4, P3)
}`;
    const diff = diffPyramids(pyramid(text('P3')), pyramid(text('P5')));
    expect(pairs(diff)).toEqual(['o5:inputs', 'o4', 'o3']);
    expect(diff.matched[0].a.danglingSums).toEqual(['P5']);
    expect(diff.dangling).toEqual([{ level: 5, outputs: { a: 'o5', b: 'o5' }, a: ['P5'], b: [] }]);
  });

  it('input levels added and removed', () => {
    const a = pyramid('pyramid p {\n  inputs P3..P4\n  output a @P3 = sum(P3, P4)\n  output b @P4 = sum(P4, a)\n}');
    const b = pyramid('pyramid p {\n  inputs P3..P5\n  output a @P3 = sum(P3, P4)\n  output b @P4 = sum(P4, a)\n  output c @P5 = sum(P5, b)\n}');
    const diff = diffPyramids(a, b);
    expect(diff.inputs).toEqual({ added: [5], removed: [] });
    expect(diff.added.map((c) => c.name)).toEqual(['c']);
    expect(diffPyramids(b, a).inputs).toEqual({ added: [], removed: [5] });
  });
});

describe('diffPyramids: the examples', () => {
  it('FPN as merging cells (Figure 7a) against NAS-FPN (7f)', () => {
    const diff = diffPyramids(example('fpn', 'fpn_cells'), example('nasfpn', 'nasfpn'));
    expect(diff.equal).toBe(false);
    // o4 = sum(P4, o5) and n6 = sum(P4, n5) keep P4 (n6 is no output); o3 = sum(P3, o4) is n7 = sum(P3, n6).
    expect(pairs(diff)).toEqual(['o4→n6:inputs+output', 'o3→n7']);
    expect(diff.matched[1].sameComputation).toBe(false);
    expect(diff.added.map((c) => c.name)).toEqual(['n5', 'n8', 'n9', 'n10', 'n11']);
    expect(diff.removed.map((c) => c.name)).toEqual(['o7', 'o6', 'o5']);
    expect(diff.outputOrder).toEqual({ a: [7, 6, 5, 4, 3], b: [3, 4, 5, 7, 6] });
  });

  it('the fixed FPN against NAS-FPN: the kinds differ, every cell of NAS-FPN is new', () => {
    const fpn = example('fpn', 'fpn');
    const nasfpn = example('nasfpn', 'nasfpn');
    const diff = diffPyramids(fpn, nasfpn);
    expect([diff.a.kind, diff.b.kind, diff.equal]).toEqual(['fpn', 'cells', false]);
    expect(diff.added).toHaveLength(7);
    expect(diff.matched).toEqual([]);
    expect(diff.a.hash).toBe(pyramidHash(fpn));
    expect(diffPyramids(nasfpn, fpn).removed).toHaveLength(7);
    expect(diffPyramids(fpn, { ...fpn, name: 'other' }).equal).toBe(true);
    expect(diffPyramids(fpn, { ...fpn, maxLevel: 6 }).inputs).toEqual({ added: [], removed: [7] });
  });

  it('200 generated cells with one edge moved: that cell changed, every other one matched unchanged', () => {
    const a = generatedPyramid(200);
    const diff = diffPyramids(a, withOneEdgeMoved(a));
    expect(countCells(diff)).toEqual({ added: 0, removed: 0, changed: 1, renamed: 0, unchanged: 199 });
    expect(diff.matched.find((m) => m.changed.length)).toMatchObject({ a: { name: a.cells[100].name }, changed: ['inputs'] });
    // Unrelated pyramids still pair every cell with at most one partner.
    const other = diffPyramids(a, generatedPyramid(200, 2));
    expect(other.matched.length + other.added.length).toBe(200);
    expect(other.matched.length + other.removed.length).toBe(200);
  });

  it('is equal exactly when the structural hashes are', () => {
    const pyramids = [...loadExample('nasfpn').pyramids, ...loadExample('fpn').pyramids, ...loadExample('nasfpn-lite').pyramids];
    for (const a of pyramids) {
      for (const b of pyramids) expect(diffPyramids(a, b).equal).toBe(pyramidHash(a) === pyramidHash(b));
    }
  });
});
