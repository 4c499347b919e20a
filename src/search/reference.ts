// The reference measurement of a task: a fixed list of architectures (the baselines, FPN and NAS-FPN, and samples
// of a search space) trained by one recipe with several seeds and stacks, and what the results say — the seeds'
// noise, the spread between architectures, NAS-FPN against FPN, AP against stacks. A proxy is judged against it
// (docs/search.md, "The reference"); scripts/reference.mjs runs it. Plain data and arithmetic: the training is
// `nasfpn train`'s, the scoring `nasfpn eval`'s.
import { printDetector, printPyramid, printTrain } from '../format/print.js';
import { pyramidHash } from '../semantics/hash.js';
import type { PyramidNetworkIR, SearchSpaceIR, TrainIR } from '../semantics/ir.js';
import { Random } from '../util/random.js';
import { decisionsToPyramid, sampleDecisions } from './space.js';

/** One architecture of the measurement. */
export interface ReferenceArchitecture {
  /** A file-safe name: the baseline's (`fpn`, `nasfpn`) or `sampleNN`. */
  readonly name: string;
  readonly kind: 'baseline' | 'sample';
  readonly pyramid: PyramidNetworkIR;
  /** The canonical structural hash (`nasfpn hash`). */
  readonly hash: string;
}

/** Draws tried per wanted sample before the space is taken to have no more distinct architectures. */
const DRAWS_PER_SAMPLE = 50;

/**
 * The baselines, then `samples` distinct architectures of `space` drawn with `seed` (none equal to a baseline or
 * to each other). The k-th sample depends only on the seed, so asking for more samples later keeps the earlier ones.
 */
export function referenceArchitectures(
  baselines: readonly { name: string; pyramid: PyramidNetworkIR }[], space: SearchSpaceIR | null, samples: number, seed: number,
): ReferenceArchitecture[] {
  const list: ReferenceArchitecture[] = baselines.map((b) => ({ name: b.name, kind: 'baseline', pyramid: b.pyramid, hash: pyramidHash(b.pyramid) }));
  if (samples === 0) return list;
  if (!space) throw new RangeError('samples of a search space need a space');
  const seen = new Set(list.map((a) => a.hash));
  const random = Random.seeded(seed);
  const width = String(samples).length < 2 ? 2 : String(samples).length;
  for (let draw = 0, k = 0; k < samples; draw++) {
    if (draw >= samples * DRAWS_PER_SAMPLE) throw new RangeError(`search space '${space.name}' gave only ${k} distinct architectures in ${draw} draws`);
    const name = `sample${String(k + 1).padStart(width, '0')}`;
    const pyramid = decisionsToPyramid(space, sampleDecisions(space, random), name);
    const hash = pyramidHash(pyramid);
    if (seen.has(hash)) continue;
    seen.add(hash);
    list.push({ name, kind: 'sample', pyramid, hash });
    k++;
  }
  return list;
}

/** The detector and recipe names of an architecture's file at `stacks` stacked pyramids. */
export const referenceNames = (arch: ReferenceArchitecture, stacks: number) => ({
  detector: `${arch.name}_x${stacks}`,
  train: `${arch.name}_x${stacks}_train`,
});

/**
 * One .fpn file per architecture: its pyramid, and for each stack count a copy of the recipe's detector stacking
 * it that often and a copy of the recipe training that detector (the data folder as `data`, relative to the file).
 */
export function referenceFile(arch: ReferenceArchitecture, recipe: TrainIR, stacks: readonly number[], data: string): string {
  const parts = [
    `# Reference measurement: architecture ${arch.name} (${arch.kind}), hash ${arch.hash.slice(0, 16)}, trained by recipe ${recipe.name}.\n`,
    printPyramid({ ...arch.pyramid, name: arch.name }),
  ];
  for (const n of stacks) {
    const names = referenceNames(arch, n);
    parts.push(printDetector({ ...recipe.detector, repeats: n }, names.detector, arch.name));
    parts.push(printTrain(recipe, names.train, names.detector, data));
  }
  return parts.join('\n');
}

/** One run of the measurement: an architecture at a stack count, trained with a seed. */
export interface ReferenceRunPlan {
  readonly id: string;
  readonly arch: string;
  readonly stacks: number;
  readonly seed: number;
}

/** What to train: every baseline at every stack count with every noise seed; every sample once per sample seed, at the first stack count. */
export function referencePlan(
  archs: readonly ReferenceArchitecture[], options: { stacks: readonly number[]; noiseSeeds: readonly number[]; sampleSeeds: readonly number[] },
): ReferenceRunPlan[] {
  const runs: ReferenceRunPlan[] = [];
  const add = (arch: string, stacks: number, seed: number) => runs.push({ id: `${arch}-x${stacks}-s${seed}`, arch, stacks, seed });
  for (const stacks of options.stacks) {
    for (const arch of archs.filter((a) => a.kind === 'baseline')) for (const seed of options.noiseSeeds) add(arch.name, stacks, seed);
  }
  for (const arch of archs.filter((a) => a.kind === 'sample')) for (const seed of options.sampleSeeds) add(arch.name, options.stacks[0]!, seed);
  return runs;
}

/** A finished run's numbers: its periodic evaluations (from metrics.jsonl) and the final per-category APs. */
export interface ReferenceRunResult extends ReferenceRunPlan {
  readonly evals: readonly { step: number; metrics: Readonly<Record<string, number>> }[];
  /** AP per category of the final checkpoint on all val images (`nasfpn eval --json`), by category name. */
  readonly perCategory: Readonly<Record<string, number>>;
  /** The reference reward: the mean AP of the last evaluations. */
  readonly reward: number;
  readonly seconds: number;
}

/** The reference reward: the mean AP of the last `last` evaluations (fewer when the run made fewer). */
export function referenceReward(evals: readonly { metrics: Readonly<Record<string, number>> }[], last: number): number {
  const tail = evals.slice(-last);
  if (tail.length === 0) throw new RangeError('a run without evaluations has no reward');
  return tail.reduce((sum, e) => sum + e.metrics.AP!, 0) / tail.length;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** The sample standard deviation (n − 1); 0 for fewer than two values. */
const sd = (xs: readonly number[]) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((s, x) => s + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));

/** An architecture at a stack count: its runs' rewards. */
export interface ReferenceGroup {
  readonly arch: string;
  readonly stacks: number;
  readonly rewards: readonly number[];
  readonly mean: number;
  readonly sd: number;
  /** The mean final AP per category over its runs. */
  readonly perCategory: Readonly<Record<string, number>>;
  /** The mean of `perCategory` over each family of categories (the dataset's supercategories), when given. */
  readonly perFamily: Readonly<Record<string, number>>;
}

export interface ReferenceSummary {
  readonly groups: readonly ReferenceGroup[];
  /** Per stack count: the seeds' noise, the pooled within-architecture sd of the reward (null without repeats). */
  readonly noise: readonly { stacks: number; sd: number | null; degreesOfFreedom: number }[];
  /** At the first stack count, over the architectures' mean rewards: their sd, range, and both over the noise sd. */
  readonly spread: { stacks: number; architectures: number; sd: number; range: number; sdOverNoise: number | null; rangeOverNoise: number | null } | null;
  /** Per stack count where both were trained: NAS-FPN's mean reward minus FPN's, and that in noise sds. */
  readonly nasfpnOverFpn: readonly { stacks: number; difference: number; inNoiseSds: number | null }[];
}

/**
 * The summary of finished runs. The noise is the pooled standard deviation of the reward between seeds of one
 * architecture (architectures with at least two seeds, at that stack count); the spread is that of the
 * architectures' mean rewards at the first stack count (each mean still carries noise/√seeds of it).
 */
export function summarizeReference(
  runs: readonly ReferenceRunResult[], stacksOrder: readonly number[],
  options: { baselines?: { fpn: string; nasfpn: string }; families?: Readonly<Record<string, string>> } = {},
): ReferenceSummary {
  const baselines = options.baselines ?? { fpn: 'fpn', nasfpn: 'nasfpn' };
  const families = options.families ?? {};
  const groups: ReferenceGroup[] = [];
  for (const run of runs) {
    if (!groups.some((g) => g.arch === run.arch && g.stacks === run.stacks)) {
      const mine = runs.filter((r) => r.arch === run.arch && r.stacks === run.stacks);
      const rewards = mine.map((r) => r.reward);
      const categories = [...new Set(mine.flatMap((r) => Object.keys(r.perCategory)))];
      const perCategory = Object.fromEntries(categories.map((c) => [c, mean(mine.flatMap((r) => (c in r.perCategory ? [r.perCategory[c]!] : [])))]));
      const familyNames = [...new Set(categories.flatMap((c) => (families[c] ? [families[c]] : [])))];
      const perFamily = Object.fromEntries(familyNames.map((f) => [f, mean(categories.filter((c) => families[c] === f).map((c) => perCategory[c]!))]));
      groups.push({ arch: run.arch, stacks: run.stacks, rewards, mean: mean(rewards), sd: sd(rewards), perCategory, perFamily });
    }
  }
  const noise = stacksOrder.map((stacks) => {
    const repeated = groups.filter((g) => g.stacks === stacks && g.rewards.length > 1);
    const degreesOfFreedom = repeated.reduce((s, g) => s + g.rewards.length - 1, 0);
    const pooled = degreesOfFreedom > 0 ? Math.sqrt(repeated.reduce((s, g) => s + (g.rewards.length - 1) * g.sd ** 2, 0) / degreesOfFreedom) : null;
    return { stacks, sd: pooled, degreesOfFreedom };
  });
  const noiseAt = (stacks: number) => noise.find((n) => n.stacks === stacks)?.sd ?? null;
  const over = (x: number, stacks: number) => {
    const n = noiseAt(stacks);
    return n ? x / n : null;
  };
  const first = stacksOrder[0];
  const atFirst = groups.filter((g) => g.stacks === first).map((g) => g.mean);
  const spread = first !== undefined && atFirst.length > 1
    ? (() => {
        const spreadSd = sd(atFirst);
        const range = Math.max(...atFirst) - Math.min(...atFirst);
        return { stacks: first, architectures: atFirst.length, sd: spreadSd, range, sdOverNoise: over(spreadSd, first), rangeOverNoise: over(range, first) };
      })()
    : null;
  const nasfpnOverFpn = stacksOrder.flatMap((stacks) => {
    const fpn = groups.find((g) => g.arch === baselines.fpn && g.stacks === stacks);
    const nas = groups.find((g) => g.arch === baselines.nasfpn && g.stacks === stacks);
    if (!fpn || !nas) return [];
    const difference = nas.mean - fpn.mean;
    return [{ stacks, difference, inNoiseSds: over(difference, stacks) }];
  });
  return { groups, noise, spread, nasfpnOverFpn };
}

const fixed = (x: number | null, digits = 3) => (x === null ? '—' : x.toFixed(digits));

/** The summary as Markdown: the per-architecture table, the noise and spread, NAS-FPN − FPN, AP against stacks. */
export function formatReferenceSummary(summary: ReferenceSummary, stacksOrder: readonly number[]): string {
  const lines = ['| architecture | stacks | runs | reward (mean AP of the last evaluations) | sd |', '|---|---:|---:|---:|---:|'];
  const sorted = [...summary.groups].sort((a, b) => a.stacks - b.stacks || b.mean - a.mean);
  for (const g of sorted) lines.push(`| ${g.arch} | ${g.stacks} | ${g.rewards.length} | ${fixed(g.mean)} | ${g.rewards.length > 1 ? fixed(g.sd) : '—'} |`);
  lines.push('');
  for (const n of summary.noise) {
    lines.push(`- noise (pooled sd between seeds) at ${n.stacks} stack${n.stacks === 1 ? '' : 's'}: ${fixed(n.sd)} (${n.degreesOfFreedom} degree${n.degreesOfFreedom === 1 ? '' : 's'} of freedom)`);
  }
  if (summary.spread) {
    const s = summary.spread;
    lines.push(`- spread over ${s.architectures} architectures at ${s.stacks} stack${s.stacks === 1 ? '' : 's'}: sd ${fixed(s.sd)} (${fixed(s.sdOverNoise, 1)} noise sds), range ${fixed(s.range)} (${fixed(s.rangeOverNoise, 1)} noise sds)`);
  }
  for (const d of summary.nasfpnOverFpn) lines.push(`- NAS-FPN − FPN at ${d.stacks} stack${d.stacks === 1 ? '' : 's'}: ${fixed(d.difference)} AP (${fixed(d.inNoiseSds, 1)} noise sds)`);
  const baselines = [...new Set(summary.groups.filter((g) => stacksOrder.length > 1 && summary.groups.some((h) => h.arch === g.arch && h.stacks !== g.stacks)).map((g) => g.arch))];
  if (baselines.length) {
    lines.push('', `| AP against stacks | ${stacksOrder.join(' | ')} |`, `|---|${stacksOrder.map(() => '---:').join('|')}|`);
    for (const arch of baselines) {
      lines.push(`| ${arch} | ${stacksOrder.map((n) => fixed(summary.groups.find((g) => g.arch === arch && g.stacks === n)?.mean ?? null)).join(' | ')} |`);
    }
  }
  const families = [...new Set(summary.groups.flatMap((g) => Object.keys(g.perFamily)))];
  if (families.length) {
    lines.push('', `| final AP per family | stacks | ${families.join(' | ')} |`, `|---|---:|${families.map(() => '---:').join('|')}|`);
    for (const g of sorted) lines.push(`| ${g.arch} | ${g.stacks} | ${families.map((f) => fixed(g.perFamily[f] ?? null)).join(' | ')} |`);
  }
  const categories = [...new Set(summary.groups.flatMap((g) => Object.keys(g.perCategory)))];
  if (categories.length) {
    lines.push('', `| final AP per category | stacks | ${categories.join(' | ')} |`, `|---|---:|${categories.map(() => '---:').join('|')}|`);
    for (const g of sorted) lines.push(`| ${g.arch} | ${g.stacks} | ${categories.map((c) => fixed(g.perCategory[c] ?? null)).join(' | ')} |`);
  }
  return lines.join('\n') + '\n';
}
