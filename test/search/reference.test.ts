// The reference measurement's pieces (src/search/reference.ts): the architecture list, the files and runs it
// trains, the reward, and the summary's arithmetic (by hand).
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { checkFile } from '../../src/semantics/program.js';
import {
  formatReferenceSummary, referenceArchitectures, referenceFile, referencePlan, referenceReward, summarizeReference, type ReferenceRunResult,
} from '../../src/search/reference.js';
import { loadExample } from '../helpers/examples.js';

const scales = loadExample('scales');
const space = scales.searchSpaces.find((s) => s.name === 'scales_space')!;
const recipe = scales.trains.find((t) => t.name === 'scales')!;
const baselines = [
  { name: 'fpn', pyramid: loadExample('fpn').pyramids.find((p) => p.name === 'fpn_cells')! },
  { name: 'nasfpn', pyramid: loadExample('nasfpn').pyramids.find((p) => p.name === 'nasfpn')! },
];

describe('the architectures', () => {
  it('are the baselines, then distinct samples of the space; asking for more keeps the earlier ones', () => {
    const five = referenceArchitectures(baselines, space, 5, 1);
    expect(five.map((a) => a.name)).toEqual(['fpn', 'nasfpn', 'sample01', 'sample02', 'sample03', 'sample04', 'sample05']);
    expect(new Set(five.map((a) => a.hash)).size).toBe(7);
    const eight = referenceArchitectures(baselines, space, 8, 1);
    expect(eight.slice(0, 7).map((a) => a.hash)).toEqual(five.map((a) => a.hash));
    expect(referenceArchitectures(baselines, space, 5, 2).map((a) => a.hash)).not.toEqual(five.map((a) => a.hash));
    expect(() => referenceArchitectures(baselines, null, 1, 1)).toThrow('samples of a search space need a space');
  });

  it('each becomes a file that checks, with a detector and a recipe per stack count that differ from the recipe only there', () => {
    const [fpn, , sample] = referenceArchitectures(baselines, space, 1, 1);
    const text = referenceFile(fpn!, recipe, [1, 3], 'data');
    const host = { readFile: (path: string) => (path === resolve('ref.fpn') ? text : null) };
    const program = checkFile(resolve('ref.fpn'), host).program!;
    expect(program.trains.map((t) => t.name)).toEqual(['fpn_x1_train', 'fpn_x3_train']);
    const [one, three] = program.trains;
    expect([one!.detector.repeats, three!.detector.repeats]).toEqual([1, 3]);
    for (const t of [one!, three!]) {
      expect(t.detector.head).toEqual(recipe.detector.head);
      expect([t.length, t.decay, t.learningRate, t.eval, t.seed]).toEqual([recipe.length, recipe.decay, recipe.learningRate, recipe.eval, recipe.seed]);
      expect(t.detector.pyramid).toMatchObject({ kind: 'cells', cells: baselines[0]!.pyramid.kind === 'cells' ? baselines[0]!.pyramid.cells : [] });
    }
    expect(referenceFile(sample!, recipe, [1], 'data')).toContain(`hash ${sample!.hash.slice(0, 16)}`);
  });

  it('the plan: baselines at every stack count with every noise seed, samples at the first with theirs', () => {
    const archs = referenceArchitectures(baselines, space, 2, 1);
    expect(referencePlan(archs, { stacks: [1, 3], noiseSeeds: [1, 2], sampleSeeds: [7] }).map((r) => r.id)).toEqual([
      'fpn-x1-s1', 'fpn-x1-s2', 'nasfpn-x1-s1', 'nasfpn-x1-s2', 'fpn-x3-s1', 'fpn-x3-s2', 'nasfpn-x3-s1', 'nasfpn-x3-s2', 'sample01-x1-s7', 'sample02-x1-s7',
    ]);
  });
});

const evals = (...aps: number[]) => aps.map((AP, i) => ({ step: 100 * (i + 1), metrics: { AP } }));
const result = (arch: string, stacks: number, seed: number, reward: number, perCategory = {}): ReferenceRunResult =>
  ({ id: `${arch}-x${stacks}-s${seed}`, arch, stacks, seed, evals: evals(reward), perCategory, reward, seconds: 1 });

describe('the numbers', () => {
  it('the reward is the mean AP of the last evaluations', () => {
    expect(referenceReward(evals(0.1, 0.2, 0.3, 0.5), 3)).toBeCloseTo((0.2 + 0.3 + 0.5) / 3, 12);
    expect(referenceReward(evals(0.4), 3)).toBe(0.4);
    expect(() => referenceReward([], 3)).toThrow('no reward');
  });

  it('noise is the pooled sd between seeds, spread that of the architectures\' means, NAS-FPN − FPN in noise sds (by hand)', () => {
    const runs = [
      result('fpn', 1, 1, 0.30, { token: 0.1 }), result('fpn', 1, 2, 0.34, { token: 0.3 }), // sd 0.0283 (variance 0.0008)
      result('nasfpn', 1, 1, 0.40), result('nasfpn', 1, 2, 0.40), result('nasfpn', 1, 3, 0.46), // variance 0.0012, 2 degrees
      result('sample01', 1, 1, 0.10),
      result('fpn', 3, 1, 0.31), result('nasfpn', 3, 1, 0.45),
    ];
    const summary = summarizeReference(runs, [1, 3], { families: { token: 'tokens' } });
    const noise = Math.sqrt((1 * 0.0008 + 2 * 0.0012) / 3);
    expect(summary.noise[0]!.sd).toBeCloseTo(noise, 10);
    expect(summary.noise[0]!.degreesOfFreedom).toBe(3);
    expect(summary.noise[1]).toEqual({ stacks: 3, sd: null, degreesOfFreedom: 0 });
    const means = [0.32, 0.42, 0.10];
    const meanOfMeans = (0.32 + 0.42 + 0.10) / 3;
    const spreadSd = Math.sqrt(means.reduce((s, m) => s + (m - meanOfMeans) ** 2, 0) / 2);
    expect(summary.spread!.sd).toBeCloseTo(spreadSd, 10);
    expect(summary.spread!.range).toBeCloseTo(0.32, 10);
    expect(summary.spread!.sdOverNoise).toBeCloseTo(spreadSd / noise, 10);
    expect(summary.nasfpnOverFpn[0]!.difference).toBeCloseTo(0.10, 10);
    expect(summary.nasfpnOverFpn[0]!.inNoiseSds).toBeCloseTo(0.10 / noise, 10);
    expect(summary.nasfpnOverFpn[1]).toMatchObject({ stacks: 3, inNoiseSds: null });
    expect(summary.groups.find((g) => g.arch === 'fpn' && g.stacks === 1)!.perCategory.token).toBeCloseTo(0.2, 12);
    expect(summary.groups.find((g) => g.arch === 'fpn' && g.stacks === 1)!.perFamily.tokens).toBeCloseTo(0.2, 12);
    const text = formatReferenceSummary(summary, [1, 3]);
    expect(text).toContain('| nasfpn | 1 | 3 | 0.420 | 0.035 |');
    expect(text).toContain(`- NAS-FPN − FPN at 1 stack: 0.100 AP (${(0.10 / noise).toFixed(1)} noise sds)`);
    expect(text).toContain('| fpn | 0.320 | 0.310 |');
  });
});
