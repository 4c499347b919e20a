// The rank statistics of a study (src/search/rank.ts), each against numbers worked out by hand.
import { describe, expect, it } from 'vitest';
import { averageRanks, bootstrapInterval, kendall, quantile, rankOf, spearman, topIndices, topOverlap } from '../../src/search/rank.js';

describe('average ranks', () => {
  it('rank ascending from 1, tied values sharing the mean of their ranks', () => {
    expect(averageRanks([30, 10, 20])).toEqual([3, 1, 2]);
    expect(averageRanks([10, 20, 10, 30, 20])).toEqual([1.5, 3.5, 1.5, 5, 3.5]);
    expect(averageRanks([7, 7, 7])).toEqual([2, 2, 2]);
  });
});

describe("Spearman's ρ and Kendall's τ-b", () => {
  it('are 1 for the same order and −1 for the inverse one', () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(kendall([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [40, 30, 20, 10])).toBeCloseTo(-1, 12);
    expect(kendall([1, 2, 3, 4], [40, 30, 20, 10])).toBeCloseTo(-1, 12);
  });

  it('with two pairs are ±1, and undefined when a side is tied', () => {
    expect(spearman([1, 2], [3, 5])).toBeCloseTo(1, 12);
    expect(kendall([1, 2], [5, 3])).toBeCloseTo(-1, 12);
    expect(spearman([1, 1], [3, 5])).toBeNull();
    expect(kendall([1, 1], [3, 5])).toBeNull();
    expect(spearman([1], [1])).toBeNull();
    expect(kendall([], [])).toBeNull();
  });

  it('one swapped neighbour pair of five: ρ = 1 − 6·Σd²/(n(n²−1)) = 0.8, τ = (8 − 2)/10 = 0.6', () => {
    expect(spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])).toBeCloseTo(0.8, 12);
    expect(kendall([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])).toBeCloseTo(0.6, 12);
  });

  it('with ties: ρ is r of the average ranks (3/√10), τ-b divides by √((6−1)·6) (5/√30)', () => {
    // Ranks x [1, 2.5, 2.5, 4], y [1, 3, 2, 4]: Σdxdy 4.5, Σdx² 4.5, Σdy² 5. Pairs: 5 concordant, 1 tied in x.
    expect(spearman([1, 2, 2, 3], [1, 3, 2, 4])).toBeCloseTo(3 / Math.sqrt(10), 12);
    expect(kendall([1, 2, 2, 3], [1, 3, 2, 4])).toBeCloseTo(5 / Math.sqrt(30), 12);
  });

  it('refuse scores of different lengths', () => {
    expect(() => spearman([1, 2], [1])).toThrow('different lengths');
  });
});

describe('top-k and ranks', () => {
  it('top indices are the highest first, ties to the earlier index; the overlap counts the shared ones', () => {
    expect(topIndices([0.1, 0.5, 0.5, 0.9], 3)).toEqual([3, 1, 2]);
    expect(topOverlap([5, 4, 3, 2, 1], [1, 2, 3, 5, 4], 3)).toBe(1);
    expect(topOverlap([5, 4, 3, 2, 1], [5, 4, 3, 2, 1], 3)).toBe(3);
    expect(topOverlap([1, 2], [2, 1], 3)).toBe(2);
  });

  it('rank 1 is the best; tied scores share the better rank', () => {
    expect([0, 1, 2, 3].map((i) => rankOf([0.3, 0.5, 0.5, 0.1], i))).toEqual([3, 1, 1, 4]);
  });
});

describe('the bootstrap interval', () => {
  it('interpolates quantiles between order statistics', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile(Array.from({ length: 101 }, (_, i) => i), 0.05)).toBeCloseTo(5, 12);
    expect(quantile([7], 0.95)).toBe(7);
  });

  it('is the same for the same seed, and another for another seed', () => {
    const x = [0.1, 0.4, 0.2, 0.8, 0.5, 0.3, 0.9, 0.6];
    const y = [0.2, 0.3, 0.1, 0.9, 0.4, 0.6, 0.7, 0.5];
    const a = bootstrapInterval(x, y, spearman, { seed: 1, resamples: 500 })!;
    expect(bootstrapInterval(x, y, spearman, { seed: 1, resamples: 500 })).toEqual(a);
    expect(bootstrapInterval(x, y, spearman, { seed: 2, resamples: 500 })).not.toEqual(a);
    expect(a.level).toBe(0.9);
    expect(a.low).toBeLessThan(spearman(x, y)!);
    expect(a.high).toBeGreaterThan(spearman(x, y)!);
    expect(a.high).toBeLessThanOrEqual(1);
  });

  it('of a perfect order is [1, 1]; resamples of one repeated pair are left out', () => {
    const interval = bootstrapInterval([1, 2, 3], [4, 5, 6], kendall, { seed: 3, resamples: 300 })!;
    expect([interval.low, interval.high]).toEqual([1, 1]);
    expect(interval.defined).toBeLessThan(300);
    expect(interval.defined).toBeGreaterThan(200);
  });

  it('is null when no resample has the statistic, and refuses a level outside (0, 1)', () => {
    expect(bootstrapInterval([1], [1], spearman, { seed: 1, resamples: 10 })).toBeNull();
    expect(() => bootstrapInterval([1, 2], [1, 2], spearman, { seed: 1, level: 1 })).toThrow('level');
  });
});
