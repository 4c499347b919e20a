// A study of a proxy (docs/search.md, "Measuring a proxy: search study"): does the proxy reward rank architectures
// as the reference reward does? A fixed list — FPN (Figure 7a), NAS-FPN (Figure 7f) and samples of the space —
// is scored under both, each as a run of the search engine over that list (src/search/search.ts with `fixed`):
//
//   DIR/study.json           what the study is (space, list, both rewards, seeds); a rerun must match it
//   DIR/proxy/               a run directory: every architecture under the proxy reward
//   DIR/reference/           the same under the reference reward
//   DIR/proxy-repeat/        the first `noise` architectures again under each reward with another seed: the
//   DIR/reference-repeat/      seed-noise floor next to the spread between architectures
//   DIR/report.json, report.md, scatter.svg   what the finished trials say (rewritten after each session)
//
// This module is the plan and the arithmetic (the runs go through the run store; the command is src/cli/search-study.ts).
import { printPyramid } from '../format/print.js';
import type { PyramidNetworkIR, SearchSpaceIR } from '../semantics/ir.js';
import type { PlotLayer, PlotSpec } from '../viz/plot.js';
import { earlyStoppingSummary, formatEarlyStopping, type EarlyStoppingSummary } from './early-stopping.js';
import { bootstrapInterval, kendall, rankOf, spearman, topOverlap, type BootstrapInterval } from './rank.js';
import type { RewardSpec, TrialRecord } from './records.js';
import { referenceArchitectures, summarizeReference, type ReferenceArchitecture, type ReferenceRunResult } from './reference.js';
import { rewardStoppingRule } from './reward.js';

/** The four runs of a study, in the order they run: both rewards first, then their repeats. */
export const STUDY_RUNS = ['proxy', 'reference', 'proxy-repeat', 'reference-repeat'] as const;
export type StudyRunName = (typeof STUDY_RUNS)[number];

/** How many architectures the top-k overlap compares ([issue 23]: the top-3). */
export const TOP_K = 3;
/** The bootstrap interval's level ([issue 23]: 90 %). */
export const INTERVAL_LEVEL = 0.9;

/** study.json. */
export interface StudyConfig {
  version: 1;
  spaceFile: string;
  space: string;
  /** The pyramids of the file that are FPN and NAS-FPN. */
  baselines: { fpn: string; nasfpn: string };
  /** K: the baselines and K − 2 samples. */
  architectures: number;
  seed: number;
  proxy: RewardSpec;
  reference: RewardSpec;
  /** How many architectures (the first ones of the list) are trained a second time, with another seed. */
  noise: number;
  /** The list as it was when the study started: each architecture's name, kind, hash and .fpn text. */
  list: { name: string; kind: 'baseline' | 'sample'; hash: string; fpn: string }[];
  createdAt: string;
}

/** The study's architectures: FPN and NAS-FPN, then K − 2 distinct samples of the space drawn with `seed`. */
export function studyArchitectures(space: SearchSpaceIR, baselines: { fpn: PyramidNetworkIR; nasfpn: PyramidNetworkIR }, k: number, seed: number): ReferenceArchitecture[] {
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`a study needs at least 2 architectures (FPN and NAS-FPN), not ${k}`);
  return referenceArchitectures([{ name: 'fpn', pyramid: baselines.fpn }, { name: 'nasfpn', pyramid: baselines.nasfpn }], space, k - 2, seed);
}

/** The list as study.json keeps it. */
export const studyList = (archs: readonly ReferenceArchitecture[]): StudyConfig['list'] =>
  archs.map((a) => ({ name: a.name, kind: a.kind, hash: a.hash, fpn: printPyramid({ ...a.pyramid, name: a.name }) }));

/** The run seed of each of the study's runs: the repeats take another seed, so each trial trains with another seed. */
export const studyRunSeed = (config: Pick<StudyConfig, 'seed'>, run: StudyRunName): number => (run.endsWith('-repeat') ? config.seed + 1 : config.seed);

/** How many architectures of the list a run scores (the repeats: the first `noise`). */
export const studyRunSize = (config: Pick<StudyConfig, 'list' | 'noise'>, run: StudyRunName): number =>
  run.endsWith('-repeat') ? Math.min(config.noise, config.list.length) : config.list.length;

/** The reward a run scores with. */
export const studyRunReward = (config: Pick<StudyConfig, 'proxy' | 'reference'>, run: StudyRunName): RewardSpec =>
  run.startsWith('proxy') ? config.proxy : config.reference;

/**
 * Why `reference` cannot be a study's reference reward, or null. The reference stands for full training: a rule
 * that stops trials early (`stop=median`) would score some architectures by their AP part of the way, so it is
 * refused rather than ignored (a spec that says one thing and runs another). The proxy under study may use one.
 */
export function studyReferenceProblem(reference: RewardSpec): string | null {
  if (!rewardStoppingRule(reference)) return null;
  return `the reference reward trains every architecture to the end: early stopping (stop=${reference.options.stop}) is for the proxy under study; drop stop=, stopWarmup= and stopMinTrials= from it`;
}

/** What differs between a study's stored config and the one asked for now (names of the options), for a rerun. */
export function studyDifferences(stored: StudyConfig, asked: StudyConfig): string[] {
  const fields: (keyof StudyConfig)[] = ['space', 'architectures', 'seed', 'proxy', 'reference', 'noise', 'baselines'];
  const differs = fields.filter((f) => JSON.stringify(stored[f]) !== JSON.stringify(asked[f]));
  // The same options over a changed file would score other architectures under the same names.
  if (!differs.length && JSON.stringify(stored.list.map((a) => a.hash)) !== JSON.stringify(asked.list.map((a) => a.hash))) differs.push('list');
  return differs;
}

// ---------------------------------------------------------------------------------------------------
// The report

/** One architecture's rewards (null until its trial finished; the repeats only for the first `noise`). */
export interface StudyRow {
  name: string;
  kind: 'baseline' | 'sample';
  hash: string;
  proxy: number | null;
  reference: number | null;
  proxyRepeat: number | null;
  referenceRepeat: number | null;
  /** Ranks among the architectures scored under both (1 = best); null for the others. */
  proxyRank: number | null;
  referenceRank: number | null;
  /** Seconds its proxy and reference trials took. */
  proxySeconds: number | null;
  referenceSeconds: number | null;
}

/** The seed noise of one reward next to its spread between architectures. */
export interface StudyNoise {
  /** Pooled sd of the reward between the two seeds of the repeated architectures (null before any repeat finished). */
  sd: number | null;
  degreesOfFreedom: number;
  /** Over the architectures' mean rewards: their sd and range, and each in noise sds. */
  spreadSd: number | null;
  range: number | null;
  spreadOverNoise: number | null;
  rangeOverNoise: number | null;
}

export interface StudyReport {
  space: string;
  proxy: string;
  reference: string;
  architectures: number;
  /** Architectures scored under both rewards: the pairs the statistics are over. */
  pairs: number;
  /** Every trial of the four runs finished or failed. */
  complete: boolean;
  spearman: number | null;
  kendall: number | null;
  spearmanInterval: BootstrapInterval | null;
  kendallInterval: BootstrapInterval | null;
  /** Of the top 3 under the reference, how many are in the proxy's top 3 (of the pairs). */
  topOverlap: { k: number; shared: number } | null;
  fpn: { proxyRank: number | null; referenceRank: number | null };
  nasfpn: { proxyRank: number | null; referenceRank: number | null };
  /** Mean seconds of a proxy trial and of a reference trial (the trials that ran). */
  secondsPerProxyTrial: number | null;
  secondsPerReferenceTrial: number | null;
  /** When the proxy stops bad trials early (`stop=`): what it stopped and saved in the proxy's run; absent otherwise. */
  proxyEarlyStopping?: EarlyStoppingSummary;
  noise: { proxy: StudyNoise; reference: StudyNoise };
  rows: StudyRow[];
}

type Labelled = (s: string) => string;

const meanOf = (xs: readonly number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/** The finished reward of each architecture (by hash) in a run's trial records. */
function rewardsByHash(trials: readonly TrialRecord[]): Map<string, TrialRecord> {
  return new Map(trials.filter((t) => t.status === 'finished' && t.reward !== null).map((t) => [t.hash, t]));
}

/** The noise and spread of one reward, by the reference measurement's arithmetic (src/search/reference.ts). */
function noiseOf(rows: readonly StudyRow[], first: 'proxy' | 'reference', repeat: 'proxyRepeat' | 'referenceRepeat'): StudyNoise {
  const runs: ReferenceRunResult[] = rows.flatMap((r) => [
    ...(r[first] !== null ? [{ id: `${r.name}-1`, arch: r.name, stacks: 1, seed: 1, evals: [], perCategory: {}, reward: r[first]!, seconds: 0 }] : []),
    ...(r[repeat] !== null ? [{ id: `${r.name}-2`, arch: r.name, stacks: 1, seed: 2, evals: [], perCategory: {}, reward: r[repeat]!, seconds: 0 }] : []),
  ]);
  const summary = summarizeReference(runs, [1]);
  const noise = summary.noise[0]!;
  return {
    sd: noise.sd, degreesOfFreedom: noise.degreesOfFreedom,
    spreadSd: summary.spread?.sd ?? null, range: summary.spread?.range ?? null,
    spreadOverNoise: summary.spread?.sdOverNoise ?? null, rangeOverNoise: summary.spread?.rangeOverNoise ?? null,
  };
}

/** The report of a study from its runs' trial records (any of them may be unfinished). */
export function studyReport(config: StudyConfig, trials: Readonly<Record<StudyRunName, readonly TrialRecord[]>>): StudyReport {
  const byRun = Object.fromEntries(STUDY_RUNS.map((run) => [run, rewardsByHash(trials[run])])) as Record<StudyRunName, Map<string, TrialRecord>>;
  const rows: StudyRow[] = config.list.map((a) => {
    const at = (run: StudyRunName) => byRun[run].get(a.hash) ?? null;
    return {
      name: a.name, kind: a.kind, hash: a.hash,
      proxy: at('proxy')?.reward ?? null, reference: at('reference')?.reward ?? null,
      proxyRepeat: at('proxy-repeat')?.reward ?? null, referenceRepeat: at('reference-repeat')?.reward ?? null,
      proxyRank: null, referenceRank: null,
      proxySeconds: at('proxy')?.seconds ?? null, referenceSeconds: at('reference')?.seconds ?? null,
    };
  });
  const paired = rows.filter((r) => r.proxy !== null && r.reference !== null);
  const x = paired.map((r) => r.proxy!);
  const y = paired.map((r) => r.reference!);
  paired.forEach((r, i) => {
    r.proxyRank = rankOf(x, i);
    r.referenceRank = rankOf(y, i);
  });
  const ranksOf = (name: string) => {
    const row = rows.find((r) => r.name === name)!;
    return { proxyRank: row.proxyRank, referenceRank: row.referenceRank };
  };
  const interval = (statistic: typeof spearman) => bootstrapInterval(x, y, statistic, { seed: config.seed, level: INTERVAL_LEVEL });
  const complete = STUDY_RUNS.every((run) => {
    const ended = trials[run].filter((t) => t.status === 'finished' || t.status === 'failed').length;
    return ended >= studyRunSize(config, run);
  });
  const seconds = (run: StudyRunName) => meanOf(trials[run].filter((t) => t.status === 'finished' && t.duplicateOf === null && t.seconds !== null).map((t) => t.seconds!));
  return {
    space: config.space,
    proxy: describeSpec(config.proxy),
    reference: describeSpec(config.reference),
    architectures: config.list.length,
    pairs: paired.length,
    complete,
    spearman: paired.length >= 2 ? spearman(x, y) : null,
    kendall: paired.length >= 2 ? kendall(x, y) : null,
    spearmanInterval: paired.length >= 3 ? interval(spearman) : null,
    kendallInterval: paired.length >= 3 ? interval(kendall) : null,
    topOverlap: paired.length ? { k: Math.min(TOP_K, paired.length), shared: topOverlap(x, y, TOP_K) } : null,
    fpn: ranksOf('fpn'),
    nasfpn: ranksOf('nasfpn'),
    secondsPerProxyTrial: seconds('proxy'),
    secondsPerReferenceTrial: seconds('reference'),
    ...(rewardStoppingRule(config.proxy) ? { proxyEarlyStopping: earlyStoppingSummary(trials.proxy) } : {}),
    noise: { proxy: noiseOf(rows, 'proxy', 'proxyRepeat'), reference: noiseOf(rows, 'reference', 'referenceRepeat') },
    rows,
  };
}

const describeSpec = (spec: RewardSpec): string =>
  Object.keys(spec.options).length
    ? `${spec.name}:${Object.entries(spec.options).filter(([k]) => k !== 'initHash').map(([k, v]) => `${k}=${v}`).join(',')}`
    : spec.name;

const fixed = (x: number | null, digits = 3) => (x === null ? '—' : x.toFixed(digits));
/** A reward or an sd of rewards: 4 decimals, or 2 significant digits when that would print a non-zero value as 0. */
const reward = (x: number | null) => (x !== null && x !== 0 && Math.abs(x) < 5e-5 ? x.toExponential(1) : fixed(x, 4));

/** The report as Markdown (what the command prints, and DIR/report.md). `shown` renders paths for people. */
export function formatStudyReport(report: StudyReport, shown: Labelled = (s) => s): string {
  const interval = (i: BootstrapInterval | null) => (i ? ` (${Math.round(i.level * 100)} % interval ${fixed(i.low, 2)}…${fixed(i.high, 2)})` : '');
  const rank = (r: { proxyRank: number | null; referenceRank: number | null }) => `${r.proxyRank ?? '—'} under the proxy, ${r.referenceRank ?? '—'} under the reference`;
  const noise = (n: StudyNoise) =>
    `noise sd ${reward(n.sd)} (${n.degreesOfFreedom} df), spread sd ${reward(n.spreadSd)} (${fixed(n.spreadOverNoise, 1)} noise sds), range ${reward(n.range)} (${fixed(n.rangeOverNoise, 1)} noise sds)`;
  const lines = [
    `study of space ${report.space}: ${report.pairs} of ${report.architectures} architectures scored under both rewards${report.complete ? '' : ' (unfinished: run the command again to continue)'}`,
    `  proxy:     ${shown(report.proxy)}`,
    `  reference: ${shown(report.reference)}`,
    '',
    `- Spearman ρ ${fixed(report.spearman)}${interval(report.spearmanInterval)}`,
    `- Kendall τ ${fixed(report.kendall)}${interval(report.kendallInterval)}`,
    `- top-${report.topOverlap?.k ?? TOP_K} overlap: ${report.topOverlap ? `${report.topOverlap.shared} of ${report.topOverlap.k}` : '—'}`,
    `- FPN ranks ${rank(report.fpn)}; NAS-FPN ${rank(report.nasfpn)}`,
    `- seconds per trial: proxy ${fixed(report.secondsPerProxyTrial, 1)}, reference ${fixed(report.secondsPerReferenceTrial, 1)}`,
    ...(report.proxyEarlyStopping ? [`- proxy ${formatEarlyStopping(report.proxyEarlyStopping)}`] : []),
    `- proxy: ${noise(report.noise.proxy)}`,
    `- reference: ${noise(report.noise.reference)}`,
    '',
    '| architecture | proxy | repeat | rank | reference | repeat | rank | proxy s |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...report.rows.map((r) => `| ${r.name} | ${reward(r.proxy)} | ${reward(r.proxyRepeat)} | ${r.proxyRank ?? '—'} | ${reward(r.reference)} | ${reward(r.referenceRepeat)} | ${r.referenceRank ?? '—'} | ${fixed(r.proxySeconds, 1)} |`),
  ];
  return lines.join('\n') + '\n';
}

/** The scatter plot: each architecture's proxy reward against its reference reward, labelled with its name. */
export function studyScatter(report: StudyReport): PlotSpec {
  const paired = report.rows.filter((r) => r.proxy !== null && r.reference !== null);
  const rows = (kind: StudyRow['kind']) => paired.filter((r) => r.kind === kind);
  const layer = (kind: StudyRow['kind'], label: string, color: string): PlotLayer => ({
    kind: 'points', label, color, radius: 4, points: rows(kind).map((r) => ({ x: r.reference!, y: r.proxy! })), pointLabels: rows(kind).map((r) => r.name),
  });
  return {
    title: `Proxy against reference: ${report.space} (ρ ${fixed(report.spearman, 2)}, τ ${fixed(report.kendall, 2)}, n ${report.pairs})`,
    desc: `Each architecture's proxy reward against its reference reward; Spearman rho ${fixed(report.spearman)} over ${report.pairs} architectures.`,
    xLabel: 'reference reward (AP)',
    yLabel: 'proxy reward (AP)',
    layers: [layer('baseline', 'FPN, NAS-FPN', '#D55E00'), layer('sample', 'samples of the space', '#0072B2')],
    emptyNote: 'no architecture scored under both rewards yet',
  };
}
