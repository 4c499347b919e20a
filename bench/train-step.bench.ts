// One training step of the proxy-style detector on every available backend, in one run:
// ResNet-10, 3 stacked NAS-FPN pyramids at width 64, RetinaNet heads, 128×128 images, batch 4, the
// surrogate loss (src/train/surrogate.ts), forward + backward + SGD update (the trainer's optimizer,
// src/train/optimizer.ts, with momentum 0: plain SGD, as the peers in ../shared/peer), read back after each step.
//
// Reports step time, images/s and effective GFLOP/s (3 × the forward FLOPs that `nasfpn stats` counts:
// forward, input gradients, filter gradients), the ratios wasm/cpu and tfjs-node/wasm, and for every
// accelerated backend where one step's time goes, kernel by kernel (tf.profile); and how many kernels a step
// runs (forward, backward, update) and, on tfjs-node, how many TensorFlow ops: there the per-op cost (tens of µs
// through the Node addon) is as large as the convolutions.
//
// Environment: NASFPN_BENCH_BACKENDS=wasm,cpu to run only some; NASFPN_BENCH_STEPS (default 5) timed
// steps per backend. The pure-JS cpu backend gets one timed step and no warm-up: a step takes minutes.
import { loadavg } from 'node:os';
import type * as TF from '@tensorflow/tfjs';
import { countKernels, countTensorflowOps, time, writeResult } from './lib.js';
import { buildModel } from '../src/codegen/builder.js';
import { countModel } from '../src/codegen/count.js';
import { lowerDetector } from '../src/codegen/lower.js';
import { availableBackends, useBackend, type BackendName } from '../src/runtime/backend.js';
import { MomentumSgd } from '../src/train/optimizer.js';
import { disposeTask, makeSurrogateTask, optimizerStep, surrogateLoss } from '../src/train/surrogate.js';
import { detector } from '../test/helpers/ir.js';

const BATCH = 4;
const LEARNING_RATE = 0.01;
const STEPS = Number(process.env.NASFPN_BENCH_STEPS ?? 5);
const proxy = detector({ name: 'proxy_r10_nasfpn3x64', backbone: { kind: 'resnet', depth: 10 }, repeats: 3, width: 64, inputSize: 128 });
const spec = lowerDetector(proxy);
const counts = countModel(spec);
const stepFlops = 3 * counts.flops * BATCH;

interface BackendResult {
  backend: BackendName;
  steps: number;
  stepMs: number;
  minMs: number;
  imagesPerSecond: number;
  gflops: number;
  losses: number[];
  /** Kernels of one profiled step by total time, top 15 (nested kernels, e.g. inside the replacement gradients, counted separately). */
  profile: { kernel: string; ms: number; calls: number }[] | null;
  /** tfjs kernels of one step: forward (the loss), backward (its gradients), update (the rest). */
  kernels: { forward: number; backward: number; update: number; total: number; byKernel: Record<string, number> } | null;
  /** TensorFlow ops of one step (tfjs-node only). */
  tensorflowOps: { total: number; byOp: Record<string, number> } | null;
}

async function benchBackend(backend: BackendName): Promise<BackendResult> {
  const tf = await useBackend(backend);
  const model = buildModel(spec);
  const task = makeSurrogateTask(tf, model, BATCH);
  const weights = model.trainableWeights.map((w) => ({ name: w.originalName, variable: w.read() as TF.Variable }));
  const optimizer = new MomentumSgd(tf, weights, 0);
  const step = async () => {
    const loss = optimizerStep(tf, model, task, optimizer, LEARNING_RATE);
    const value = (await loss.data())[0];
    loss.dispose();
    return value;
  };
  const forward = async () => {
    const loss = tf.tidy(() => surrogateLoss(tf, model, task));
    await loss.data();
    loss.dispose();
  };
  const forwardBackward = async () => {
    const { value, grads } = tf.variableGrads(() => surrogateLoss(tf, model, task), weights.map((w) => w.variable));
    await value.data();
    tf.dispose([value, ...Object.values(grads)]);
  };
  const slow = backend === 'cpu';
  const losses: number[] = [];
  try {
    for (let i = 0; i < (slow ? 0 : 2); i++) losses.push(await step());
    const timing = await time(slow ? 1 : STEPS, async () => losses.push(await step()));
    const profile = slow ? null : await profileStep(tf, step);
    let kernels: BackendResult['kernels'] = null;
    if (!slow) {
      const [f, fb, all] = [await countKernels(tf, forward), await countKernels(tf, forwardBackward), await countKernels(tf, step)];
      kernels = { forward: f.total, backward: fb.total - f.total, update: all.total - fb.total, total: all.total, byKernel: all.byKernel };
    }
    const tensorflowOps = await countTensorflowOps(tf, step);
    const stepMs = timing.medianMs;
    return {
      backend, steps: timing.runs, stepMs, minMs: timing.minMs,
      imagesPerSecond: round((1000 * BATCH) / stepMs), gflops: round(stepFlops / (stepMs * 1e6)), losses: losses.map((l) => round(l, 5)), profile,
      kernels, tensorflowOps,
    };
  } finally {
    optimizer.dispose();
    disposeTask(tf, task);
    model.dispose();
  }
}

async function profileStep(tf: typeof TF, step: () => Promise<number>) {
  const info = await tf.profile(async () => {
    await step();
  });
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    entry.ms += Number(k.kernelTimeMs) || 0;
    entry.calls += 1;
    byKernel.set(k.name, entry);
  }
  return [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15).map(([kernel, e]) => ({ kernel, ms: round(e.ms), calls: e.calls }));
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

const wanted = process.env.NASFPN_BENCH_BACKENDS?.split(',').map((s) => s.trim());
const backends = (await availableBackends()).filter((b) => b.available && (!wanted || wanted.includes(b.name))).map((b) => b.name);
console.log(`train step: ${proxy.name}, batch ${BATCH} at ${proxy.inputSize}×${proxy.inputSize}, ${(counts.flops / 1e9).toFixed(2)} GFLOP forward per image, ${(stepFlops / 1e9).toFixed(1)} GFLOP per step; backends ${backends.join(', ')}`);
const loadBefore = loadavg()[0];
const results: BackendResult[] = [];
for (const backend of backends) {
  const result = await benchBackend(backend);
  const counts = result.kernels ? `  kernels ${result.kernels.total} (fwd ${result.kernels.forward}, bwd ${result.kernels.backward}, update ${result.kernels.update})` : '';
  const ops = result.tensorflowOps ? `, TensorFlow ops ${result.tensorflowOps.total}` : '';
  console.log(`${backend.padEnd(10)} ${String(result.stepMs).padStart(9)} ms/step  ${String(result.imagesPerSecond).padStart(7)} images/s  ${String(result.gflops).padStart(6)} GFLOP/s${counts}${ops}`);
  results.push(result);
}
const by = (name: string) => results.find((r) => r.backend === name);
const ratio = (a?: BackendResult, b?: BackendResult) => (a && b ? round(b.stepMs / a.stepMs, 1) : null);
const ratios = { wasmOverCpu: ratio(by('wasm'), by('cpu')), tensorflowOverWasm: ratio(by('tfjs-node') ?? by('tfjs-node-gpu'), by('wasm')) };
const tfjsNode = by('tfjs-node') ?? by('tfjs-node-gpu');
const targets = {
  'wasm ≥ 50× cpu': ratios.wasmOverCpu === null ? null : ratios.wasmOverCpu >= 50,
  'wasm ≥ 8 GFLOP/s': by('wasm') ? by('wasm')!.gflops >= 8 : null,
  'tfjs-node ≥ 60 GFLOP/s': tfjsNode ? tfjsNode.gflops >= 60 : null,
};
console.log(`ratios: wasm/cpu ${ratios.wasmOverCpu ?? '-'}×, tfjs-node/wasm ${ratios.tensorflowOverWasm ?? '-'}×; targets ${JSON.stringify(targets)}`);
writeResult('train-step', {
  model: {
    name: proxy.name, backbone: 'resnet10', repeats: proxy.repeats, width: proxy.width, inputSize: proxy.inputSize,
    head: { convs: proxy.head.convs, width: proxy.head.width, classes: proxy.head.classes },
    params: counts.trainable + counts.nonTrainable, forwardGflopPerImage: round(counts.flops / 1e9, 3),
  },
  batch: BATCH,
  flopsConvention: 'effective GFLOP/s = 3 × forward FLOPs (2 × conv multiply-adds, as nasfpn stats) × batch / step time',
  loadAverageBefore: round(loadBefore),
  loadAverageAfter: round(loadavg()[0]),
  note: 'shared 2-core machine, other work running: timings are indicative; kernel and op counts are exact',
  backends: results,
  ratios,
  targets,
});
