// Training targets and post-processing on the CPU, at the paper's scale: 640² input, 76,725 anchors, K = 91.
//   - anchors: generating them once (they are cached per layout afterwards);
//   - matching + box encoding of a batch of 64 images with ~7 GT boxes each (COCO's mean), log-uniform sizes
//     from 8 to 512 px, 5% crowd: what every training step needs before the forward pass;
//   - post-processing of one image's head outputs (N × K logits), for an untrained-looking model (logits
//     N(−4.6, 1): ~5% of the 6.9 M scores pass 0.05, thousands of NMS candidates per class) and a confident one
//     (a few hundred candidates).
// Target (issue 14): matching fast enough for batch 64 at 640² on CPU, i.e. well under the step time.
import { performance } from 'node:perf_hooks';
import { time, writeResult } from './lib.js';
import type { ImageAnnotations } from '../src/data/types.js';
import { postprocess, type HeadOutputs } from '../src/predict/postprocess.js';
import { anchorsFor } from '../src/targets/anchors.js';
import { headLayout, type HeadLayout } from '../src/targets/layout.js';
import { encodeBatchTargets } from '../src/targets/matching.js';
import { Random } from '../src/util/random.js';
import { detector } from '../test/helpers/ir.js';

const BATCH = 64;
const GT_PER_IMAGE = 7;
const layout = headLayout(detector());

const anchorStart = performance.now();
anchorsFor(layout);
const anchorMs = performance.now() - anchorStart;

function randomImage(random: Random): ImageAnnotations {
  const count = Math.max(1, Math.round(GT_PER_IMAGE + random.normal(0, 3)));
  const boxes = new Float32Array(4 * count);
  const classes = new Int32Array(count);
  const crowd = new Uint8Array(count);
  for (let g = 0; g < count; g++) {
    const w = 8 * 2 ** random.uniform(0, 6);
    const h = Math.min(640, w * 2 ** random.uniform(-1.5, 1.5));
    const x = random.uniform(0, 640 - w);
    const y = random.uniform(0, 640 - h);
    boxes.set([x, y, x + w, y + h], 4 * g);
    classes[g] = 1 + random.int(90);
    crowd[g] = random.bernoulli(0.05) ? 1 : 0;
  }
  return { boxes, classes, crowd };
}

const random = Random.seeded(2026);
const batches = Array.from({ length: 6 }, () => Array.from({ length: BATCH }, () => randomImage(random)));
let positives = 0;
let gtBoxes = 0;
encodeBatchTargets(layout, batches[0]); // warm-up (JIT)
let next = 1;
// CPU time besides wall time: on a machine shared with other jobs the wall time mostly measures the queue.
const cpuBefore = process.cpuUsage();
const matching = await time(5, () => {
  const batch = batches[next++];
  const targets = encodeBatchTargets(layout, batch);
  positives += targets.positives;
  gtBoxes += batch.reduce((s, image) => s + image.classes.length, 0);
});
const cpu = process.cpuUsage(cpuBefore);
const matchingCpuMs = Math.round((cpu.user + cpu.system) / 1000 / 5);
console.log(`anchors: ${anchorMs.toFixed(1)} ms once; matching + encoding, batch ${BATCH} at 640²: ${matching.medianMs} ms median wall, ${matchingCpuMs} ms CPU per batch (${(matchingCpuMs / BATCH).toFixed(2)} ms/image), ${(positives / gtBoxes).toFixed(1)} positives per GT box`);

function headOutputs(layout: HeadLayout, logit: () => number): HeadOutputs {
  const K = layout.classes;
  return {
    batch: 1,
    classLogits: layout.levels.map((l) => Float32Array.from({ length: l.anchorCount * K }, logit)),
    boxCodes: layout.levels.map((l) => Float32Array.from({ length: l.anchorCount * 4 }, () => random.normal(0, 0.2))),
  };
}
const untrained = headOutputs(layout, () => random.normal(-4.6, 1));
const confident = headOutputs(layout, () => (random.bernoulli(5e-5) ? random.uniform(-2, 4) : -8));
postprocess(layout, confident); // warm-up
const untrainedTime = await time(3, () => postprocess(layout, untrained));
const confidentTime = await time(5, () => postprocess(layout, confident));
console.log(`post-processing one 640² image (N × K = ${(layout.anchorCount * layout.classes / 1e6).toFixed(1)} M logits): untrained ${untrainedTime.medianMs} ms, confident ${confidentTime.medianMs} ms`);

writeResult('targets', {
  note: 'timed on a shared 2-core machine that other engineers use at the same time: read the numbers as upper bounds',
  layout: { inputSize: layout.inputSize, anchors: layout.anchorCount, classes: layout.classes },
  anchorsMs: Math.round(anchorMs * 10) / 10,
  matching: { batch: BATCH, gtPerImage: GT_PER_IMAGE, ...matching, cpuMsPerBatch: matchingCpuMs, msPerImage: Math.round((matching.medianMs / BATCH) * 100) / 100, positivesPerGt: Math.round((positives / gtBoxes) * 10) / 10 },
  postprocess: { untrainedLogitsNormalMinus4_6: untrainedTime, confident: confidentTime },
});
