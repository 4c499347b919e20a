// Stand-ins for the rooms the trainer calls, for the trainer's own tests only: a batch source of seeded
// random images with one box each, and a squared-error objective on the head outputs. They exercise the loop
// (steps, checkpoints, resume, clipping, non-finite losses) without the data and targets rooms.
import * as tf from '@tensorflow/tfjs';
import type { DetectionBatch } from '../../src/data/types.js';
import type { Objective } from '../../src/train/engine.js';
import type { BatchSource } from '../../src/train/trainer.js';
import { Random } from '../../src/util/random.js';

/** Batch i of a run is a function of (seed, i) alone; the position is the next batch's index. */
export function standInSource(options: { seed: number; batch: number; size: number; stepsPerEpoch: number; from?: unknown }): BatchSource {
  let index = (options.from as { index: number } | undefined)?.index ?? 0;
  return {
    stepsPerEpoch: options.stepsPerEpoch,
    async next(): Promise<DetectionBatch> {
      const random = Random.seeded(options.seed).fork(index++);
      const { batch, size } = options;
      const images = new Float32Array(batch * size * size * 3);
      for (let i = 0; i < images.length; i++) images[i] = random.normal(0, 1);
      const targets = Array.from({ length: batch }, () => {
        const x = random.uniform(0, size / 2);
        const y = random.uniform(0, size / 2);
        return { boxes: new Float32Array([x, y, x + size / 4, y + size / 4]), classes: new Int32Array([1 + random.int(2)]), crowd: new Uint8Array(1) };
      });
      return {
        batch, size, images, targets, imageIds: targets.map((_, i) => index * batch + i),
        scales: new Float32Array(batch).fill(1), originalSizes: targets.map(() => [size, size] as const),
      };
    },
    position: () => ({ index }),
    close: async () => {},
  };
}

/**
 * Squared error of every output against a target that depends on the batch (its first box's class), plus a
 * part that is NaN when `poison` says so (to test the non-finite stop).
 */
export function standInObjective(poison: (targets: number) => boolean = () => false): Objective<number> {
  return {
    targets: (batch) => batch.targets[0].classes[0],
    loss(outputs, target) {
      const fit = tf.addN(outputs.map((o) => tf.mean(tf.square(tf.sub(o, target / 10))))) as tf.Scalar;
      const extra = poison(target) ? tf.scalar(NaN) : tf.scalar(0);
      return { total: tf.add(fit, extra) as tf.Scalar, parts: { fit, extra } };
    },
  };
}

/** What a tiny recipe may change: stacked pyramids, input size, batch, and more detector fields. */
export interface TinyRecipe {
  repeats?: number;
  input?: number;
  batch?: number;
  detectorFields?: string;
}

/** A tiny recipe file: ResNet-10 under a 3-cell top-down pyramid (P3..P5) 1 @ 8 at 32 px, 3 classes, batch 1. */
export function tinyRecipeText(fields: string, { repeats = 1, input = 32, batch = 1, detectorFields = '' }: TinyRecipe = {}): string {
  return `pyramid p {
  inputs P3..P5
  output o5 @P5 = sum(P5, P4)
  output o4 @P4 = global_pool(P4, o5)
  output o3 @P3 = sum(P3, o4)
}

detector tiny {
  backbone resnet10
  pyramid p x ${repeats} @ 8
  input ${input}
  head retinanet convs 1 classes 3 anchors scales 1 ratios 1
${detectorFields}}

train t {
  detector tiny
  data "unused"
  batch ${batch}
${fields}
}
`;
}
