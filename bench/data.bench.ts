// Data benchmarks: how fast `data synth` writes 2,000 images of 128² (today's task, and the cross-scale task of
// examples/scales.fpn), and how many images/s the batch
// iterator alone delivers (decode + the paper's augmentation + normalise, batches of 8, prefetch 2) at 128²,
// 512² and 640² inputs. For each size it also reports the event-loop utilisation while iterating: the share
// of time the JavaScript thread was busy (normalising pixels, moving boxes) rather than waiting on libvips'
// threads. A low share means worker threads would not make the iterator faster; the pixel work already runs
// off the main thread.
//
// Wall times depend on how busy the machine is; CPU seconds (all threads) much less so, and are reported too.
//
// The target: the iterator is never the bottleneck of a CPU training step. The step time comes from
// bench/results/train-step.json (tfjs-node, 128² proxy detector, batch 4) when it is there.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PAPER_AUGMENTATION } from '../src/data/augment.js';
import { findSplits, loadDataset } from '../src/data/dataset.js';
import { BatchIterator } from '../src/data/iterator.js';
import { writeSynthDataset } from '../src/data/synth.js';
import { writeResult } from './lib.js';

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
/** CPU seconds (user + system, all of this process's threads: JavaScript and libvips) since `since`. */
const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
};
const root = mkdtempSync(join(tmpdir(), 'nasfpn-bench-data-'));
const loadAverageBefore = round(loadavg()[0]!);

try {
  // Synth: 2,000 images of 128² (the "seconds, not minutes").
  const synthStart = performance.now();
  const synthCpu = process.cpuUsage();
  const summary = await writeSynthDataset(join(root, 'synth128'), { images: 2000, size: 128, classes: 8, seed: 1, minObjects: 2, maxObjects: 6, valFraction: 0.1 });
  const synthSeconds = (performance.now() - synthStart) / 1000;
  const synthCpuSeconds = cpuSeconds(synthCpu);
  console.log(`synth: 2,000 images of 128² in ${synthSeconds.toFixed(2)} s (${round(2000 / synthSeconds, 0)} images/s), ${synthCpuSeconds.toFixed(2)} CPU s`);

  // The cross-scale task (docs/data.md): plates, tokens and marks on top of the shapes.
  const scalesStart = performance.now();
  const scalesCpu = process.cpuUsage();
  const scalesOptions = { images: 2000, size: 128, classes: 2, context: 3, detail: 3, maxSide: 1, seed: 30, minObjects: 2, maxObjects: 6, valFraction: 0.2 };
  const scalesSummary = await writeSynthDataset(join(root, 'scales128'), scalesOptions);
  const scalesSeconds = (performance.now() - scalesStart) / 1000;
  const scalesCpuSeconds = cpuSeconds(scalesCpu);
  rmSync(join(root, 'scales128'), { recursive: true, force: true });
  console.log(`synth --context 3 --detail 3 --max-side 1: 2,000 images of 128² in ${scalesSeconds.toFixed(2)} s, ${scalesCpuSeconds.toFixed(2)} CPU s`);

  const iterators = [];
  for (const size of [128, 512, 640]) {
    // Images the size of the input, so the jitter scales them by 0.8–1.2 and crops, as on COCO at 640.
    const dir = size === 128 ? join(root, 'synth128') : join(root, `synth${size}`);
    if (size !== 128) await writeSynthDataset(dir, { images: 96, size, classes: 8, seed: 1, minObjects: 2, maxObjects: 6, valFraction: 0 });
    const dataset = await loadDataset(findSplits(dir).find((s) => s.split === 'train')!);
    const batchSize = 8;
    const batches = size === 128 ? 60 : 12;
    const iterator = new BatchIterator(dataset, { batchSize, size, seed: 1, augment: PAPER_AUGMENTATION, prefetch: 2 });
    await iterator.next(); // warm-up: sharp's first call loads libvips
    const elu = performance.eventLoopUtilization();
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (let i = 0; i < batches; i++) await iterator.next();
    const seconds = (performance.now() - start) / 1000;
    const busy = performance.eventLoopUtilization(elu).utilization;
    const cpuMsPerImage = round((cpuSeconds(cpu) * 1000) / (batches * batchSize), 1);
    iterator.close();
    const imagesPerSecond = round((batches * batchSize) / seconds, 1);
    console.log(`iterator ${size}²: ${imagesPerSecond} images/s (batches of ${batchSize}), ${cpuMsPerImage} CPU ms per image, JavaScript thread busy ${round(busy * 100, 0)}%`);
    iterators.push({ size, batchSize, batches, imagesPerSecond, cpuMsPerImage, eventLoopBusy: round(busy, 3) });
  }

  // The ratio to a CPU training step, from the train-step benchmark's own result file.
  let ratio = null;
  if (existsSync('bench/results/train-step.json')) {
    const step = JSON.parse(readFileSync('bench/results/train-step.json', 'utf8'));
    const node = step.backends?.find((b: { backend: string }) => b.backend === 'tfjs-node');
    if (node) {
      const iterator128 = iterators[0]!.imagesPerSecond;
      ratio = {
        stepBackend: 'tfjs-node', stepInputSize: step.model?.inputSize, stepImagesPerSecond: node.imagesPerSecond, stepMeasured: step.date,
        iteratorImagesPerSecond: iterator128, iteratorOverStep: round(iterator128 / node.imagesPerSecond, 1),
      };
      console.log(`iterator at 128² delivers ${ratio.iteratorOverStep}× the images/s a tfjs-node training step consumes (${node.imagesPerSecond} images/s)`);
    }
  }
  writeResult('data', {
    note: 'Timed on a shared machine (2 cores, several engineers\' jobs); absolute numbers are pessimistic.',
    cores: availableParallelism(),
    loadAverageBefore,
    synth: { images: 2000, size: 128, seconds: round(synthSeconds), cpuSeconds: round(synthCpuSeconds), imagesPerSecond: round(2000 / synthSeconds, 0), boxes: summary.train.annotations + summary.val.annotations },
    synthCrossScale: {
      options: scalesOptions, seconds: round(scalesSeconds), cpuSeconds: round(scalesCpuSeconds), imagesPerSecond: round(2000 / scalesSeconds, 0),
      boxes: scalesSummary.train.annotations + scalesSummary.val.annotations,
    },
    iterator: iterators,
    ratioToTrainingStep: ratio,
  });
} finally {
  rmSync(root, { recursive: true, force: true });
}
