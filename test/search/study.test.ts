// A study's plan and report (src/search/study.ts), with numbers worked out by hand; the proxy reward's options
// that a study's rewards use (src/search/proxy-budget.ts).
import { describe, expect, it } from 'vitest';
import { PROXY_DEFAULTS, proxyProblem, readProxyOptions, trialRecipe } from '../../src/search/proxy-budget.js';
import type { TrialRecord } from '../../src/search/records.js';
import {
  formatStudyReport, studyArchitectures, studyDifferences, studyReferenceProblem, studyReport, studyRunSeed, studyRunSize, studyScatter, type StudyConfig,
  type StudyRunName,
} from '../../src/search/study.js';
import { loadExample } from '../helpers/examples.js';

const NAMES = ['fpn', 'nasfpn', 'sample01', 'sample02'];
const config: StudyConfig = {
  version: 1, spaceFile: '/x.fpn', space: 'space', baselines: { fpn: 'fpn_cells', nasfpn: 'nasfpn' }, architectures: 4, seed: 5,
  proxy: { name: 'target', options: { seed: 1 } }, reference: { name: 'target', options: { seed: 2 } }, noise: 2,
  list: NAMES.map((name, i) => ({ name, kind: i < 2 ? 'baseline' : 'sample', hash: `h${i}`, fpn: '' })), createdAt: '',
};

const record = (id: number, reward: number | null, seconds = 10): TrialRecord => ({
  id, hash: `h${id - 1}`, fpn: '', decisions: [], status: reward === null ? 'queued' : 'finished', reward, metrics: {}, params: null, flops: null,
  duplicateOf: null, worker: null, attempts: 1, queuedAt: '', startedAt: null, endedAt: null, seconds: reward === null ? null : seconds, error: null,
});
const run = (rewards: (number | null)[], seconds = 10) => rewards.map((r, i) => record(i + 1, r, seconds));

describe('the plan', () => {
  it('is FPN, NAS-FPN and K − 2 distinct samples; the repeats are the first ones with the next seed', () => {
    const scales = loadExample('scales');
    const space = scales.searchSpaces[0]!;
    const pyramid = (name: string) => scales.detectors.map((d) => d.pyramid).find((p) => p.name === name)!;
    const archs = studyArchitectures(space, { fpn: pyramid('fpn_cells'), nasfpn: pyramid('nasfpn') }, 5, 1);
    expect(archs.map((a) => a.name)).toEqual(['fpn', 'nasfpn', 'sample01', 'sample02', 'sample03']);
    expect(() => studyArchitectures(space, { fpn: pyramid('fpn_cells'), nasfpn: pyramid('nasfpn') }, 1, 1)).toThrow('at least 2');
    expect([studyRunSize(config, 'proxy'), studyRunSize(config, 'reference-repeat')]).toEqual([4, 2]);
    expect([studyRunSeed(config, 'reference'), studyRunSeed(config, 'proxy-repeat')]).toEqual([5, 6]);
    expect(studyDifferences(config, { ...config, seed: 6, createdAt: 'later' })).toEqual(['seed']);
    expect(studyDifferences(config, { ...config, list: [...config.list].reverse() })).toEqual(['list']);
  });
});

describe('the report', () => {
  const trials: Record<StudyRunName, TrialRecord[]> = {
    proxy: run([0.1, 0.3, 0.2, 0.4], 20),
    reference: run([0.2, 0.4, 0.1, 0.3], 100),
    'proxy-repeat': run([0.12, 0.26]),
    'reference-repeat': run([0.2, null]),
  };
  const report = studyReport(config, trials);

  it('ranks by hand: ρ = 1 − 6·4/(4·15) = 0.6, τ = (4 − 2)/6, top-3 overlap 2', () => {
    expect(report.rows.map((r) => [r.proxyRank, r.referenceRank])).toEqual([[4, 3], [2, 1], [3, 4], [1, 2]]);
    expect(report.spearman).toBeCloseTo(0.6, 12);
    expect(report.kendall).toBeCloseTo(1 / 3, 12);
    expect(report.topOverlap).toEqual({ k: 3, shared: 2 });
    expect([report.fpn, report.nasfpn]).toEqual([{ proxyRank: 4, referenceRank: 3 }, { proxyRank: 2, referenceRank: 1 }]);
    expect([report.secondsPerProxyTrial, report.secondsPerReferenceTrial]).toEqual([20, 100]);
    expect(report.spearmanInterval!.low).toBeLessThanOrEqual(report.spearmanInterval!.high);
    expect(studyReport(config, trials)).toEqual(report); // the bootstrap is seeded
  });

  it('puts the noise (pooled sd between seeds: √((0.02²/2 + 0.04²/2)/2)) next to the spread', () => {
    expect(report.noise.proxy.sd).toBeCloseTo(Math.sqrt(0.0005), 12);
    expect(report.noise.proxy.degreesOfFreedom).toBe(2);
    // The spread is over the architectures' means (fpn 0.11, nasfpn 0.28, 0.2, 0.4): range 0.29.
    expect(report.noise.proxy.range).toBeCloseTo(0.29, 12);
    expect(report.noise.proxy.rangeOverNoise).toBeCloseTo(0.29 / Math.sqrt(0.0005), 9);
    expect(report.noise.reference.sd).toBe(0);
    expect(report.complete).toBe(false); // a repeat is still queued
  });

  it('reads as a table and a labelled scatter plot; a study with nothing finished has no statistics', () => {
    const text = formatStudyReport(report);
    expect(text).toContain('- Spearman ρ 0.600 (90 % interval');
    expect(text).toContain('| nasfpn | 0.3000 | 0.2600 | 2 | 0.4000 | — | 1 | 20.0 |');
    const plot = studyScatter(report);
    expect(plot.layers.flatMap((l) => (l.kind === 'points' ? l.pointLabels ?? [] : []))).toEqual(['fpn', 'nasfpn', 'sample01', 'sample02']);
    const empty = studyReport(config, { proxy: [], reference: [], 'proxy-repeat': [], 'reference-repeat': [] });
    expect([empty.pairs, empty.spearman, empty.spearmanInterval, empty.topOverlap]).toEqual([0, null, null, null]);
    expect(formatStudyReport(empty)).toContain('Spearman ρ —');
    expect(report.proxyEarlyStopping).toBeUndefined();
  });

  it('says what the proxy\'s early stopping saved in its run, when it stops trials', () => {
    const stopping = { ...config, proxy: { name: 'proxy', options: { evalEvery: 10, stop: 'median' } } };
    const proxy: TrialRecord[] = run([0.1, 0.3, 0.2, 0.4], 20).map((t) => ({ ...t, metrics: { steps: 40 } }));
    proxy[0] = { ...proxy[0]!, metrics: { steps: 10, budgetSteps: 40, stoppedAtStep: 10 }, seconds: 5 };
    const stopped = studyReport(stopping, { ...trials, proxy });
    expect(stopped.proxyEarlyStopping).toEqual({ trials: 4, stopped: 1, stepsTrained: 130, stepsBudget: 160, stepsSaved: 30, secondsSaved: 15 });
    expect(formatStudyReport(stopped)).toContain('- proxy early stopping: 1 of 4 trials stopped, 30 of 160 steps saved (19 %), about 15 s');
  });
});

describe("the proxy reward's study options", () => {
  // The proxy example's space without its recipe: the reward's own budget.
  const base = loadExample('proxy').searchSpaces[0]!;
  const space = { ...base, proxyRecipe: null, proxy: base.proxy ?? base.proxyRecipe!.detector };

  it('evaluates every evalEvery steps; last > 1 needs evaluations during training', () => {
    const options = readProxyOptions({ name: 'proxy', options: { data: 'd', steps: 40, evalEvery: 10, last: 3 } });
    expect(proxyProblem(space, options)).toBeNull();
    const recipe = trialRecipe(space, options, space.proxy!, 1, 'd');
    expect(recipe.eval.every).toBe(10);
    expect(proxyProblem(space, readProxyOptions({ name: 'proxy', options: { data: 'd', last: 3 } }))).toContain('last=3 needs evaluations during training');
    expect(trialRecipe(space, readProxyOptions({ name: 'proxy', options: { data: 'd' } }), space.proxy!, 1, 'd').eval.every).toBeNull();
    expect(PROXY_DEFAULTS.steps).toBeGreaterThan(0);
  });

  it('takes init as a path and initHash as text', () => {
    expect(readProxyOptions({ name: 'proxy', options: { init: '/ckpt', initHash: 'ab12' } })).toEqual({ init: '/ckpt', initHash: 'ab12' });
    expect(() => readProxyOptions({ name: 'proxy', options: { init: 3 } })).toThrow('init must be a folder');
  });
});

describe('the reference reward of a study', () => {
  it('refuses early stopping (a study compares the proxy with full trainings) and takes any other reward', () => {
    expect(studyReferenceProblem({ name: 'proxy', options: { evalEvery: 50, last: 3, stop: 'median' } }))
      .toMatch(/^the reference reward trains every architecture to the end: early stopping \(stop=median\) is for the proxy under study/);
    expect(studyReferenceProblem({ name: 'proxy', options: { evalEvery: 50, last: 3 } })).toBeNull();
    expect(studyReferenceProblem({ name: 'target', options: { seed: 2 } })).toBeNull();
    expect(() => studyReferenceProblem({ name: 'proxy', options: { stop: 'mean' } })).toThrow(/stop must be one of median/);
  });
});
