// A one-second micro-benchmark of the current backend: forward + backward of a 3×3 conv (the op that
// dominates training these models), reported as GFLOP/s.
//
// Backends differ ~1000× in speed, so one fixed problem would either take a minute on the pure-JS cpu
// backend or be all per-op overhead on tfjs-node. The problem grows from tiny until one step takes at least
// a tenth of the budget (or reaches batch 2, 64×64, 64→64 channels), and the rest of the budget times it.
import { performance } from 'node:perf_hooks';
import type * as TF from '@tensorflow/tfjs';

type Tfjs = typeof TF;

export interface ConvStepResult {
  /** Effective GFLOP/s: 3 × the forward conv's FLOPs (forward, input gradient, filter gradient) per step. */
  gflops: number;
  msPerStep: number;
  steps: number;
  shape: { batch: number; size: number; channels: number };
}

const SIZES = [
  { batch: 1, size: 8, channels: 16 },
  { batch: 1, size: 16, channels: 32 },
  { batch: 2, size: 16, channels: 64 },
  { batch: 2, size: 32, channels: 64 },
  { batch: 2, size: 64, channels: 64 },
];

/** FLOPs of one forward 3×3 'same' conv (2 × multiply-adds, the convention of `nasfpn stats`). */
const forwardFlops = ({ batch, size, channels }: ConvStepResult['shape']) => 2 * batch * size * size * 9 * channels * channels;

export async function benchmarkConvStep(tf: Tfjs, budgetMs = 1000): Promise<ConvStepResult> {
  const deadline = performance.now() + budgetMs;
  let chosen = SIZES[0];
  let lastMs = Infinity;
  for (const shape of SIZES) {
    chosen = shape;
    lastMs = await timeSteps(tf, shape, 1);
    if (lastMs >= budgetMs / 10 || performance.now() + 4 * lastMs > deadline) break;
  }
  // Time as many further steps as the budget allows (at least one).
  const steps = Math.max(1, Math.floor((deadline - performance.now()) / lastMs));
  const msPerStep = await timeSteps(tf, chosen, steps);
  return { gflops: (3 * forwardFlops(chosen)) / (msPerStep * 1e6), msPerStep, steps, shape: chosen };
}

/** Mean wall time of `steps` conv steps, each read back before the next starts. */
async function timeSteps(tf: Tfjs, shape: ConvStepResult['shape'], steps: number): Promise<number> {
  const { batch, size, channels } = shape;
  const x = tf.randomNormal([batch, size, size, channels]) as TF.Tensor4D;
  const w = tf.randomNormal([3, 3, channels, channels], 0, 0.1) as TF.Tensor4D;
  const step = tf.grads((a: TF.Tensor, b: TF.Tensor) => tf.sum(tf.conv2d(a as TF.Tensor4D, b as TF.Tensor4D, 1, 'same')));
  try {
    // One untimed step first: the first use of a kernel pays for its set-up.
    await runStep(tf, step, x, w);
    const start = performance.now();
    for (let i = 0; i < steps; i++) await runStep(tf, step, x, w);
    return (performance.now() - start) / steps;
  } finally {
    tf.dispose([x, w]);
  }
}

async function runStep(tf: Tfjs, step: (args: TF.Tensor[]) => TF.Tensor[], x: TF.Tensor, w: TF.Tensor): Promise<void> {
  const grads = step([x, w]);
  await Promise.all(grads.map((g) => g.data()));
  tf.dispose(grads);
}
