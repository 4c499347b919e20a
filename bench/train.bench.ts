// Training speed of the proxy recipes (examples/proxy.fpn: #proxy, ResNet-10 + 1 NAS-FPN @64, and #proxy_x3, the
// paper's 3 stacked; 128×128, batch 8) with everything a real step does: the data room's iterator on a synthetic dataset (decode,
// jitter, flip), anchor matching, the detection losses, forward + backward in training mode, clipping and
// the momentum update, read back after each step. On wasm (and tfjs-node where built), in one run.
// Reports seconds per step (batch loading included) and images/s, and the tfjs kernels of one step and, on
// tfjs-node, its TensorFlow ops. (bench/train-step.bench.ts profiles kernel times on the surrogate loss.)
//
// Environment: NASFPN_BENCH_STEPS (default 5) timed steps after 2 untimed ones.
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { countKernels, countTensorflowOps, writeResult } from './lib.js';
import { writeSynthDataset, DEFAULT_SYNTH } from '../src/data/synth.js';
import { availableBackends, useBackend, type BackendName } from '../src/runtime/backend.js';
import { checkText } from '../src/semantics/program.js';
import { loadSplitOf } from '../src/data/dataset.js';
import { eagerDetectionEngine, trainingBatches } from '../src/train/detection.js';
import { Trainer } from '../src/train/trainer.js';

const STEPS = Number(process.env.NASFPN_BENCH_STEPS ?? 5);
const file = resolve('examples/proxy.fpn');
const program = checkText(readFileSync(file, 'utf8'), file, { readFile: (p) => readFileSync(p, 'utf8') }).program!;
const dataDir = mkdtempSync(join(tmpdir(), 'nasfpn-bench-train-'));
await writeSynthDataset(dataDir, { ...DEFAULT_SYNTH, images: 200, size: 128, classes: 8, seed: 1 });

const results: Record<string, unknown>[] = [];
const backends = (await availableBackends()).filter((b) => b.available && (b.name === 'wasm' || b.name === 'tfjs-node')).map((b) => b.name as BackendName);
for (const name of ['proxy', 'proxy_x3']) {
  const recipe = program.trains.find((t) => t.name === name)!;
  const { dataset } = await loadSplitOf(dataDir, 'train', recipe.detector.head.classes);
  for (const backend of backends) {
    await useBackend(backend);
    const trainer = new Trainer({
      engine: eagerDetectionEngine(tf, recipe), recipe, data: trainingBatches(recipe, dataset, null),
      runDir: join(dataDir, `run-${name}-${backend}`), source: { file, files: {} }, hooks: [],
    });
    for (let i = 0; i < 2; i++) await trainer.runStep();
    const seconds: number[] = [];
    for (let i = 0; i < STEPS; i++) seconds.push((await trainer.runStep()).seconds);
    const mean = seconds.reduce((a, b) => a + b, 0) / seconds.length;
    const median = [...seconds].sort((a, b) => a - b)[Math.floor(seconds.length / 2)];
    const kernels = await countKernels(tf, () => trainer.runStep());
    const tensorflowOps = await countTensorflowOps(tf, () => trainer.runStep());
    results.push({
      recipe: `examples/proxy.fpn#${name}`, backend, batch: recipe.batch, inputSize: recipe.detector.inputSize, steps: STEPS,
      secondsPerStep: mean, medianSecondsPerStep: median, imagesPerSecond: recipe.batch / mean, seconds,
      kernelsPerStep: kernels.total, tensorflowOpsPerStep: tensorflowOps?.total ?? null,
      kernels: kernels.byKernel, tensorflowOps: tensorflowOps?.byOp ?? null,
    });
    console.log(`${name} on ${backend}: ${mean.toFixed(2)} s/step (median ${median.toFixed(2)}), ${(recipe.batch / mean).toFixed(2)} images/s ` +
      `(batch ${recipe.batch}, ${recipe.detector.inputSize}²); ${kernels.total} kernels a step${tensorflowOps ? `, ${tensorflowOps.total} TensorFlow ops` : ''}`);
    trainer.dispose();
  }
}
rmSync(dataDir, { recursive: true, force: true });
writeResult('train', { loadAverage: loadavg(), note: 'shared 2-core machine under load: timings are indicative only', results });
