import { describe, expect, it } from 'vitest';
import { printPyramid } from '../../src/format/print.js';
import { pyramidHash } from '../../src/semantics/hash.js';
import { checkText } from '../../src/semantics/program.js';
import type { SearchSpaceIR } from '../../src/semantics/ir.js';
import { checkSpaceSearchable, DecisionWalker, decisionsToPyramid, InvalidDecisionError, sampleDecisions, spaceShape } from '../../src/search/space.js';
import { Random } from '../../src/util/random.js';
import { nasfpnPyramid } from '../helpers/ir.js';
import { paperSpace, spaceFrom } from './helpers.js';

/** Samples `count` architectures and checks each one's .fpn text with the real checker. */
function checkSamples(space: SearchSpaceIR, count: number, seed: number): Set<string> {
  const random = Random.seeded(seed);
  const hashes = new Set<string>();
  for (let i = 0; i < count; i++) {
    const pyramid = decisionsToPyramid(space, sampleDecisions(space, random), `s${i}`);
    const checked = checkText(printPyramid(pyramid), `s${i}.fpn`);
    const errors = checked.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => `${d.code} ${d.message}\n${printPyramid(pyramid)}`)).toEqual([]);
    const back = checked.program!.pyramids[0];
    if (back.kind !== 'cells') throw new Error('a sampled pyramid is made of merging cells');
    // The checker rebuilds the same IR from the text: same cells, dangling sums and hash.
    expect(back.cells).toEqual(pyramid.cells);
    expect(pyramidHash(back)).toBe(pyramidHash(pyramid));
    hashes.add(pyramidHash(pyramid));
  }
  return hashes;
}

describe('decisions ↔ pyramid', () => {
  it('has four decisions per cell with the vocabularies of the paper space', () => {
    expect(spaceShape(paperSpace())).toEqual({ cells: 7, inputCount: 5, nodes: 11, levels: 5, ops: 2, length: 28 });
  });

  it('every sampled architecture of the paper space passes the checker (2000 samples)', () => {
    const hashes = checkSamples(paperSpace(), 2000, 1);
    expect(hashes.size).toBeGreaterThan(1950); // the space is huge: repeats are rare
  });

  it('spaces with stride-8 cells allowed, avg pooling, one op, more cells also check (400 each)', () => {
    checkSamples(spaceFrom('inputs P3..P7\ncells 9\nallow stride8\npool avg'), 400, 3);
    checkSamples(spaceFrom('inputs P3..P6\ncells 4\nops sum'), 400, 4);
    checkSamples(spaceFrom('inputs P2..P7\ncells 12'), 400, 5);
  });

  it('refuses a space whose outputs are fewer levels than its inputs (no pyramid of it checks)', () => {
    expect(checkSpaceSearchable(spaceFrom('inputs P3..P7\ncells 6\noutputs P4..P6'))).toMatch(/outputs 3 of its 5 input levels/);
    expect(checkSpaceSearchable(paperSpace())).toBeNull();
  });

  it('reproduces NAS-FPN (Figure 7f) from its decisions', () => {
    // cell: input1, input2, level − 3, op (0 sum, 1 global_pool)
    const decisions = [1, 3, 1, 1, 1, 5, 1, 0, 0, 6, 0, 0, 6, 7, 1, 0, 7, 8, 2, 1, 6, 9, 4, 1, 9, 10, 3, 1];
    const pyramid = decisionsToPyramid(paperSpace(), decisions, 'nasfpn');
    expect(pyramidHash(pyramid)).toBe(pyramidHash(nasfpnPyramid()));
  });

  it('masks the second input, stride-8 intermediates and the outputs already built', () => {
    const walker = new DecisionWalker(paperSpace());
    walker.choose(2);
    expect(walker.mask()).toEqual([true, true, false, true, true, false, false, false, false, false, false]);
    walker.choose(0);
    expect(walker.mask()).toEqual([false, true, true, true, true]); // an intermediate cell: never P3
    for (const d of [1, 0]) walker.choose(d);
    const decisions = [0, 1, 1, 0, 0, 1, 0, 0]; // cell 2 (intermediate, P4), cell 3 (the first output, P3)
    for (const d of decisions) walker.choose(d);
    walker.choose(0);
    walker.choose(1);
    expect(walker.mask()).toEqual([false, true, true, true, true]); // outputs left: P4..P7
  });

  it('rejects invalid decisions with a clear error', () => {
    const space = paperSpace();
    expect(() => decisionsToPyramid(space, [0, 0, 1, 0], 'x')).toThrow(InvalidDecisionError);
    const bad = sampleDecisions(space, Random.seeded(9));
    bad[1] = bad[0];
    expect(() => decisionsToPyramid(space, bad, 'x')).toThrow(/cannot be/);
  });
});
