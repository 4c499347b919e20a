// Whether a model's batch-norm moving statistics can be trusted after a run of `steps` training steps.
//
// Every batch-norm layer starts its moving mean at 0 and its moving variance at 1 and moves them by
// (1 − momentum) towards the batch moments at each training step (keras semantics, as [TPU]
// `tf.layers.batch_normalization`), so after n steps the initial values still weigh momentum^n. Inference
// (eval, predict, a search reward) normalises with the moving statistics, not the batch's. With the
// reference's momentum 0.997 that is harmless over its 90k steps (0.997^90000 ≈ 0), but after a short run
// it is not: 0.997^300 ≈ 0.41, and the head's tower convolutions (kernels drawn at stddev 0.01, [TPU]
// heads.py) produce activations whose variance is orders of magnitude below the initial 1, so inference
// divides them by roughly the wrong standard deviation and the class logits sit at the prior for every
// anchor (measured on the proxy detector after 100 steps: training-mode logits up to +6.9, inference
// logits all within 0.05 of the prior's −4.6, no detection; the same weights with momentum 0.9 detect).
// Short recipes set `batchnorm momentum 0.9` in their detector (examples/proxy.fpn); this module says when
// a run is too short for its momentum.

/** The largest weight the initial moving statistics may keep before inference is called untrustworthy. */
export const STALE_STATISTICS_WEIGHT = 0.05;

/** The weight the initial moving statistics (mean 0, variance 1) still have after `steps` training steps. */
export function initialStatisticsWeight(momentum: number, steps: number): number {
  return momentum ** Math.max(0, steps);
}

/** The fewest training steps after which the initial statistics weigh at most STALE_STATISTICS_WEIGHT. */
export function stepsToTrustStatistics(momentum: number): number {
  if (momentum <= 0) return 0;
  if (momentum >= 1) return Infinity;
  return Math.ceil(Math.log(STALE_STATISTICS_WEIGHT) / Math.log(momentum));
}

/**
 * A one-line warning when `steps` training steps leave batch norm's moving statistics mostly at their initial
 * values (see the file comment), or null when they are trustworthy.
 */
export function staleStatisticsWarning(momentum: number, steps: number): string | null {
  const weight = initialStatisticsWeight(momentum, steps);
  if (weight <= STALE_STATISTICS_WEIGHT) return null;
  return `batch norm momentum ${momentum}: after ${steps} training steps the moving statistics still hold ` +
    `${Math.round(weight * 100)}% of their initial values (mean 0, variance 1), so inference normalises with the wrong ` +
    `statistics until step ${stepsToTrustStatistics(momentum)}; for short runs set \`batchnorm momentum 0.9\` in the detector (docs/training.md)`;
}
