// The paper's rules as predicates (src/semantics/rules.ts): the checker and the search use the same ones.
import { describe, expect, test } from 'vitest';
import {
  areValidCellInputs, backboneFeedProblem, computeDanglingSums, mayBeIntermediate, requiredOutputLevels,
} from '../../src/semantics/rules.js';
import { checkText } from '../../src/semantics/program.js';
import { NASFPN_BLOCK_SPECS, nasfpnPyramid } from '../helpers/ir.js';

describe('rules of a pyramid network', () => {
  test('intermediate cells stay at stride 16 or coarser unless the pyramid allows stride 8', () => {
    expect(mayBeIntermediate(3, false)).toBe(false);
    expect(mayBeIntermediate(4, false)).toBe(true);
    expect(mayBeIntermediate(7, false)).toBe(true);
    expect(mayBeIntermediate(3, true)).toBe(true);
  });

  test('a cell takes two different nodes built before it', () => {
    expect(areValidCellInputs(0, 1, 5)).toBe(true);
    expect(areValidCellInputs(1, 1, 5)).toBe(false);
    expect(areValidCellInputs(0, 5, 5)).toBe(false);
    expect(areValidCellInputs(-1, 2, 5)).toBe(false);
    expect(areValidCellInputs(0.5, 2, 5)).toBe(false);
  });

  test('the outputs cover every input level', () => {
    expect(requiredOutputLevels(3, 7)).toEqual([3, 4, 5, 6, 7]);
    expect(requiredOutputLevels(5, 5)).toEqual([5]);
  });

  test('the dangling sums of NAS-FPN: n7 and n8 are unused when the P4 and P7 outputs are built', () => {
    // Nodes 0..4 are P3..P7, nodes 5..11 the seven cells of Figure 7(f).
    const levels = [3, 4, 5, 6, 7, ...NASFPN_BLOCK_SPECS.map((s) => s[0])];
    const { sums, dropped } = computeDanglingSums(levels, NASFPN_BLOCK_SPECS.map((s) => ({ level: s[0], inputs: s[2], isOutput: s[3] })));
    expect(sums).toEqual(nasfpnPyramid().cells.map((c) => c.danglingSums));
    expect(dropped).toEqual([]);
  });

  test('the backbone feeds pyramids that start at C3, C4 or C5', () => {
    expect(backboneFeedProblem(3, 7)).toBeNull();
    expect(backboneFeedProblem(4, 6)).toBeNull();
    expect(backboneFeedProblem(5, 7)).toBeNull();
    expect(backboneFeedProblem(2, 4)).toMatch(/finer than C3/);
    expect(backboneFeedProblem(6, 8)).toMatch(/coarsest feature is C5/);
  });
});

describe('the checker uses the same rules', () => {
  const pyramid = (cells: string) => `pyramid p {\n  inputs P3..P5\n${cells}}\n`;
  test('a stride-8 intermediate is FPN122 exactly when mayBeIntermediate says no', () => {
    const codes = (text: string) => checkText(text, 'x.fpn').diagnostics.map((d) => d.code);
    const cells = (level: number, allow: boolean) =>
      `${allow ? '  allow stride8\n' : ''}  cell a @P${level} = sum(P3, P4)\n  output o5 @P5 = sum(a, P5)\n  output o4 @P4 = sum(o5, P4)\n  output o3 @P3 = sum(o4, P3)\n`;
    for (const level of [3, 4]) {
      for (const allow of [false, true]) {
        expect(codes(pyramid(cells(level, allow))).includes('FPN122')).toBe(!mayBeIntermediate(level, allow));
      }
    }
  });
});
