// The structural pyramid hash (src/semantics/hash.ts) and the checked IR of the paper's pyramid.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { exportTfSpec, importTfSpec } from '../../src/interop/tfspec.js';
import { pyramidHash } from '../../src/semantics/hash.js';
import type { PyramidIR } from '../../src/semantics/ir.js';
import { checkText } from '../../src/semantics/program.js';
import { cellPyramid, fpnPyramid, fpnReference, nasfpnPyramid } from '../helpers/ir.js';

function pyramid(text: string): PyramidIR {
  const result = checkText(text, '/virtual/p.fpn');
  expect(result.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
  return cellPyramid(result.program!.pyramids[0]);
}
const hashOf = (text: string): string => pyramidHash(pyramid(text));

const NASFPN = `pyramid nasfpn {
  inputs P3..P7
  cell n5 @P4 = global_pool(P4, P6)
  cell n6 @P4 = sum(P4, n5)
  output n7 @P3 = sum(P3, n6)
  output n8 @P4 = sum(n6, n7)
  output n9 @P5 = global_pool(n7, n8)
  output n10 @P7 = global_pool(n6, n9)
  output n11 @P6 = global_pool(n9, n10)
}
`;

/** Two intermediate cells that do not depend on each other (a and b). */
const INDEPENDENT = `pyramid p {
  inputs P3..P5
  cell a @P4 = sum(P3, P4)
  cell b @P5 = global_pool(P4, P5)
  output o5 @P5 = sum(a, b)
  output o4 @P4 = sum(o5, a)
  output o3 @P3 = sum(o4, P3)
}
`;

describe('same graph, same hash', () => {
  const base = hashOf(NASFPN);

  test('the hash is a sha-256 hex string and is deterministic', () => {
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(hashOf(NASFPN)).toBe(base);
  });

  test('renaming the pyramid and its cells', () => {
    const renamed = NASFPN.replace('pyramid nasfpn', 'pyramid other')
      .replace(/\bn5\b/g, 'gate').replace(/\bn6\b/g, 'mix').replace(/\bn7\b/g, 'out3').replace(/\bn11\b/g, 'six');
    expect(renamed).not.toBe(NASFPN);
    expect(hashOf(renamed)).toBe(base);
  });

  test("swapping a sum's inputs", () => {
    expect(hashOf(NASFPN.replace('sum(P4, n5)', 'sum(n5, P4)').replace('sum(n6, n7)', 'sum(n7, n6)'))).toBe(base);
  });

  test("swapping a wsum's inputs (each input brings its own weight, both start at 1)", () => {
    const weighted = NASFPN.replace('sum(P4, n5)', 'wsum(P4, n5)');
    expect(hashOf(weighted.replace('wsum(P4, n5)', 'wsum(n5, P4)'))).toBe(hashOf(weighted));
  });

  test("swapping a global_pool's inputs when the pooled input stays the same (the coarser one by default)", () => {
    expect(hashOf(NASFPN.replace('global_pool(P4, P6)', 'global_pool(P6, P4)'))).toBe(base);
    expect(hashOf(NASFPN.replace('global_pool(P4, P6)', 'global_pool(P4, P6, pool=max, pooled=P6)'))).toBe(base);
  });

  test('reordering independent intermediate cells', () => {
    const swapped = INDEPENDENT.replace('  cell a @P4 = sum(P3, P4)\n  cell b @P5 = global_pool(P4, P5)\n', '  cell b @P5 = global_pool(P4, P5)\n  cell a @P4 = sum(P3, P4)\n');
    expect(swapped).not.toBe(INDEPENDENT);
    expect(hashOf(swapped)).toBe(hashOf(INDEPENDENT));
  });

  test('the layout of the file (comments, blank lines, semicolons)', () => {
    const relaid = `# a comment\n${NASFPN.replace(/\n  /g, '; ').replace('{;', '{')}`;
    expect(hashOf(relaid)).toBe(base);
  });

  test('importing the exported TF spec of examples/nasfpn.fpn', () => {
    const example = checkText(readFileSync('examples/nasfpn.fpn', 'utf8'), resolve('examples/nasfpn.fpn')).program!.pyramids[0];
    const spec = exportTfSpec(example);
    if (!('text' in spec)) throw new Error('not exportable');
    const imported = importTfSpec(spec.text, '/specs/nasfpn.json', 'imported').pyramid!;
    expect(pyramidHash(imported)).toBe(pyramidHash(example));
    expect(pyramidHash(example)).toBe(base);
  });
});

describe('different graph, different hash', () => {
  const base = hashOf(NASFPN);
  const variants: [string, string][] = [
    ['an op (sum → global_pool)', NASFPN.replace('cell n6 @P4 = sum(P4, n5)', 'cell n6 @P4 = global_pool(P4, n5)')],
    ['an op (global_pool → sum)', NASFPN.replace('output n11 @P6 = global_pool(n9, n10)', 'output n11 @P6 = sum(n9, n10)')],
    ['an op (sum → wsum)', NASFPN.replace('cell n6 @P4 = sum(P4, n5)', 'cell n6 @P4 = wsum(P4, n5)')],
    ['an input', NASFPN.replace('output n8 @P4 = sum(n6, n7)', 'output n8 @P4 = sum(n5, n7)')],
    ['a level', NASFPN.replace('cell n6 @P4', 'cell n6 @P5')],
    ['the pool flavour', NASFPN.replace('global_pool(P4, P6)', 'global_pool(P4, P6, pool=avg)')],
    ['which input is pooled', NASFPN.replace('global_pool(P4, P6)', 'global_pool(P4, P6, pooled=finer)')],
    ['an input that also changes the dangling sums (P5 is consumed, so nothing is summed into n9)', NASFPN.replace('cell n6 @P4 = sum(P4, n5)', 'cell n6 @P4 = sum(P5, n5)')],
  ];

  test.each(variants)('changing %s', (_, text) => {
    expect(text).not.toBe(NASFPN);
    expect(hashOf(text)).not.toBe(base);
  });

  test('all variants differ from each other as well', () => {
    const hashes = variants.map(([, text]) => hashOf(text));
    expect(new Set(hashes).size).toBe(hashes.length);
  });

  test('FPN and NAS-FPN differ; the level range counts', () => {
    expect(pyramidHash(fpnPyramid())).not.toBe(base);
    const small = 'pyramid p {\n  inputs P3..P4\n  output a @P4 = sum(P3, P4)\n  output b @P3 = sum(a, P3)\n}\n';
    expect(hashOf(small)).not.toBe(hashOf(small.replace(/P4/g, 'P5').replace(/P3/g, 'P4')));
  });
});

describe('the checked IR of examples/nasfpn.fpn', () => {
  const result = checkText(readFileSync('examples/nasfpn.fpn', 'utf8'), resolve('examples/nasfpn.fpn'));
  const ir = cellPyramid(result.program!.pyramids[0]);

  test('equals nasfpnPyramid() of test/helpers/ir.ts (cells, inputs, ops, dangling sums)', () => {
    expect(ir).toEqual(nasfpnPyramid());
  });

  test('P5 is summed into the P5 output and P7 into the P7 output, nothing else dangles', () => {
    const dangling = ir.cells.flatMap((c) => c.danglingSums.map((n) => `${ir.nodes[n].name}→${c.name}@P${c.level}`));
    expect(dangling).toEqual(['P5→n9@P5', 'P7→n10@P7']);
  });

  test('global_pool pools the coarser input with max, as the TF reference does', () => {
    const pools = ir.cells.filter((c) => c.op.kind === 'global_pool').map((c) => {
      const op = c.op as { pool: string; pooled: 0 | 1 };
      return `${c.name}:${op.pool}:${ir.nodes[c.inputs[op.pooled]].name}`;
    });
    expect(pools).toEqual(['n5:max:P6', 'n9:max:n8', 'n10:max:n9', 'n11:max:n10']);
  });

  test('examples/fpn.fpn: fpn_cells equals fpnPyramid() except for the cell names; fpn is the kind fpn pyramid', () => {
    const pyramids = checkText(readFileSync('examples/fpn.fpn', 'utf8'), resolve('examples/fpn.fpn')).program!.pyramids;
    expect(pyramids.find((p) => p.name === 'fpn')).toEqual(fpnReference());
    const fpn = cellPyramid(pyramids.find((p) => p.name === 'fpn_cells'));
    const expected = fpnPyramid();
    const strip = (p: PyramidIR) => ({ ...p, nodes: p.nodes.map((n) => ({ ...n, name: '' })), cells: p.cells.map((c) => ({ ...c, name: '' })) });
    expect(strip(fpn)).toEqual(strip(expected));
    expect(pyramidHash(fpn)).toBe(pyramidHash(expected));
  });

  test('every detector of the example stacks a copy of that pyramid', () => {
    for (const d of result.program!.detectors) expect(d.pyramid).toEqual(nasfpnPyramid());
  });
});
