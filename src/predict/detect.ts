// A model's detections, as COCO records: batches of images through the model in inference mode, the head's
// outputs post-processed ([TPU] `ops/postprocess_ops.py`: sigmoid, decode with the th/tw clip, per-class top 5000, NMS 0.5 at
// score ≥ 0.05, 100 per image), boxes divided back into original-image pixels, class channels mapped to the
// dataset's category ids. Evaluation preprocessing ([TPU] `retinanet_parser._parse_eval_data`): the long side resized to the input size,
// padded, never jittered or flipped.
import type * as TF from '@tensorflow/tfjs';
import type { CocoDetectionRecord } from '../coco/read.js';
import { placeImage } from '../data/augment.js';
import type { Dataset } from '../data/dataset.js';
import { imageSize, placePixels } from '../data/image.js';
import { BatchIterator } from '../data/iterator.js';
import type { ClassMapSpec, DetectionBatch } from '../data/types.js';
import type { HeadLayout, HeadSet } from '../targets/layout.js';
import { inputExtents, postprocess, readHeadOutputs, toCocoRecords } from './postprocess.js';

type Tfjs = typeof TF;

/** Images predicted at once. */
export const INFERENCE_BATCH = 8;

/**
 * Detections of one batch (inference mode), as COCO records in original-image pixels and category ids: one
 * list per head set in `heads` (default: the layout's last), all from one forward pass.
 */
export async function detectBatch(
  tf: Tfjs, model: TF.LayersModel, layout: HeadLayout, batch: DetectionBatch, classMap: ClassMapSpec, heads: readonly HeadSet[] = lastHead(layout),
): Promise<CocoDetectionRecord[][]> {
  const outputs = tf.tidy(() => {
    const images = tf.tensor4d(batch.images, [batch.batch, batch.size, batch.size, 3]);
    const out = model.apply(images, { training: false }) as TF.Tensor | TF.Tensor[];
    return Array.isArray(out) ? out : [out];
  });
  try {
    const perHead: CocoDetectionRecord[][] = [];
    for (const head of heads) {
      const read = await readHeadOutputs(layout, outputs, head);
      // Clip boxes to each image's resized extent (without the padding), as [TPU] clips to the image.
      perHead.push(toCocoRecords(postprocess(layout, read, inputExtents(batch)), batch.imageIds, batch.scales, classMap));
    }
    return perHead;
  } finally {
    tf.dispose(outputs);
  }
}

/** The head set inference reads by default: the last (after the deepest pyramid the model has). */
export const lastHead = (layout: HeadLayout): HeadSet[] => [layout.heads[layout.heads.length - 1]];

/**
 * Detections of the first `limit` images of a dataset (all when null), one call of `onImage` per image with
 * its records from each head set in `heads` (default: the last), in that order.
 */
export async function detectDataset(
  tf: Tfjs, model: TF.LayersModel, layout: HeadLayout, dataset: Dataset, limit: number | null,
  onImage: (imageId: number, perHead: CocoDetectionRecord[][]) => void, heads: readonly HeadSet[] = lastHead(layout),
): Promise<void> {
  const images = limit === null ? dataset : { ...dataset, images: dataset.images.slice(0, limit) };
  const iterator = new BatchIterator(images, { batchSize: INFERENCE_BATCH, size: layout.inputSize, seed: 0, augment: null });
  try {
    for (let batch = await iterator.next(); batch !== null; batch = await iterator.next()) {
      const perHead = await detectBatch(tf, model, layout, batch, dataset.classMap, heads);
      for (const id of batch.imageIds) onImage(id, perHead.map((records) => records.filter((r) => r.image_id === id)));
    }
  } finally {
    iterator.close();
  }
}

/** One image file to predict on, and the image id its detections get. */
export interface ImageFile {
  file: string;
  id: number;
}

/** Detections of image files (any format sharp reads) from the layout's last head set, INFERENCE_BATCH at a time. */
export async function detectFiles(
  tf: Tfjs, model: TF.LayersModel, layout: HeadLayout, files: readonly ImageFile[], classMap: ClassMapSpec,
): Promise<CocoDetectionRecord[]> {
  const size = layout.inputSize;
  const records: CocoDetectionRecord[] = [];
  for (let first = 0; first < files.length; first += INFERENCE_BATCH) {
    const chunk = files.slice(first, first + INFERENCE_BATCH);
    const images = new Float32Array(chunk.length * size * size * 3);
    const scales = new Float32Array(chunk.length);
    const originalSizes: [number, number][] = [];
    await Promise.all(chunk.map(async ({ file }, b) => {
      const { width, height } = await imageSize(file);
      const placement = placeImage(width, height, size, null);
      scales[b] = placement.scale;
      originalSizes[b] = [width, height];
      await placePixels(file, placement, size, images, b * size * size * 3);
    }));
    const batch: DetectionBatch = {
      batch: chunk.length, size, images, scales, originalSizes, imageIds: chunk.map((c) => c.id),
      targets: chunk.map(() => ({ boxes: new Float32Array(0), classes: new Int32Array(0), crowd: new Uint8Array(0) })),
    };
    const [fromLastHead] = await detectBatch(tf, model, layout, batch, classMap);
    records.push(...fromLastHead);
  }
  return records;
}
