// Rank agreement between two scorings of the same architectures (a proxy reward against the reference one):
// Spearman's ρ, Kendall's τ-b, a seeded bootstrap interval for either, the overlap of the two top-k sets, and
// where one architecture ranks. Plain arithmetic on paired arrays (x[i] and y[i] score the same architecture);
// ties count as ties everywhere (average ranks, τ-b), as scipy.stats.spearmanr and kendalltau treat them.
import { Random } from '../util/random.js';

/** 1-based ranks of `values` in ascending order, tied values sharing the mean of the ranks they span. */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const ranks = new Array<number>(values.length);
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]!.v === order[start]!.v) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) ranks[order[k]!.i] = rank;
    start = end + 1;
  }
  return ranks;
}

function checkPaired(x: readonly number[], y: readonly number[]): void {
  if (x.length !== y.length) throw new RangeError(`paired scores of different lengths (${x.length} and ${y.length})`);
}

/** Pearson's r; null when it is undefined (fewer than two pairs, or a side without variance). */
function pearson(x: readonly number[], y: readonly number[]): number | null {
  const n = x.length;
  if (n < 2) return null;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? null : sxy / Math.sqrt(sxx * syy);
}

/** Spearman's ρ: Pearson's r of the average ranks; null when undefined (n < 2, or every score on a side tied). */
export function spearman(x: readonly number[], y: readonly number[]): number | null {
  checkPaired(x, y);
  return pearson(averageRanks(x), averageRanks(y));
}

/**
 * Kendall's τ-b: (concordant − discordant) / √((n₀ − tiesₓ)(n₀ − tiesᵧ)) over the n₀ = n(n−1)/2 pairs; null when
 * undefined (n < 2, or every score on a side tied).
 */
export function kendall(x: readonly number[], y: readonly number[]): number | null {
  checkPaired(x, y);
  let concordant = 0;
  let discordant = 0;
  let tiedX = 0;
  let tiedY = 0;
  let pairs = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      pairs++;
      const dx = Math.sign(x[i]! - x[j]!);
      const dy = Math.sign(y[i]! - y[j]!);
      if (dx === 0) tiedX++;
      if (dy === 0) tiedY++;
      if (dx !== 0 && dy !== 0) {
        if (dx === dy) concordant++;
        else discordant++;
      }
    }
  }
  const denominator = Math.sqrt((pairs - tiedX) * (pairs - tiedY));
  return denominator === 0 ? null : (concordant - discordant) / denominator;
}

export interface BootstrapInterval {
  /** The central `level` interval of the statistic over the resamples (percentile method). */
  low: number;
  high: number;
  level: number;
  /** Resamples drawn, and how many of them had the statistic defined (a resample of one repeated pair has none). */
  resamples: number;
  defined: number;
}

/** The default resample count: enough for a stable 90 % percentile interval at a few architectures' cost. */
export const BOOTSTRAP_RESAMPLES = 2000;

/**
 * A percentile bootstrap interval of `statistic` over the pairs: `resamples` times, n pairs drawn with
 * replacement (seeded, so the same inputs give the same interval), the statistic computed, and the central
 * `level` of the defined values kept. Null when no resample has the statistic defined.
 */
export function bootstrapInterval(
  x: readonly number[], y: readonly number[], statistic: (x: readonly number[], y: readonly number[]) => number | null,
  options: { seed: number; level?: number; resamples?: number },
): BootstrapInterval | null {
  checkPaired(x, y);
  const level = options.level ?? 0.9;
  const resamples = options.resamples ?? BOOTSTRAP_RESAMPLES;
  if (!(level > 0 && level < 1)) throw new RangeError(`a bootstrap level is in (0, 1), not ${level}`);
  const random = Random.seeded(options.seed);
  const values: number[] = [];
  const n = x.length;
  for (let r = 0; r < resamples && n > 0; r++) {
    const xs = new Array<number>(n);
    const ys = new Array<number>(n);
    for (let k = 0; k < n; k++) {
      const i = random.int(n);
      xs[k] = x[i]!;
      ys[k] = y[i]!;
    }
    const value = statistic(xs, ys);
    if (value !== null) values.push(value);
  }
  if (!values.length) return null;
  values.sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return { low: quantile(values, tail), high: quantile(values, 1 - tail), level, resamples, defined: values.length };
}

/** The q-quantile of sorted values, interpolated linearly between order statistics (numpy's default). */
export function quantile(sorted: readonly number[], q: number): number {
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

/** Indices of the `k` highest scores, highest first; ties go to the earlier index. */
export function topIndices(scores: readonly number[], k: number): number[] {
  return scores.map((v, i) => ({ v, i })).sort((a, b) => b.v - a.v || a.i - b.i).slice(0, k).map((e) => e.i);
}

/** How many architectures are in the top `k` under both scorings (ties broken by index on each side). */
export function topOverlap(x: readonly number[], y: readonly number[], k: number): number {
  checkPaired(x, y);
  const top = new Set(topIndices(x, k));
  return topIndices(y, k).filter((i) => top.has(i)).length;
}

/** Where the i-th architecture ranks under `scores`, 1 for the best: one more than the count of strictly higher scores. */
export function rankOf(scores: readonly number[], i: number): number {
  return 1 + scores.filter((v) => v > scores[i]!).length;
}
