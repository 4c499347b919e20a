// The shapes that flow from the data room to training, prediction and evaluation. Plain data (typed arrays
// and numbers), so batches cross worker threads by transfer and checkpoints can store positions as JSON.
//
// Box convention everywhere in memory: [x1, y1, x2, y2] in pixels of the image the boxes belong to (the
// original image for a dataset record, the padded network input for a batch). COCO files use [x, y, w, h];
// the loaders convert once at the edge.

/** The ground truth of one image: n boxes, their class channels and crowd flags. */
export interface ImageAnnotations {
  /** n × 4, [x1, y1, x2, y2] in pixels. */
  readonly boxes: Float32Array;
  /** n, the head's class channel of each box (see `ClassMapSpec`). */
  readonly classes: Int32Array;
  /** n, 1 for COCO `iscrowd` boxes (never a training target; matched by area of the detection in eval). */
  readonly crowd: Uint8Array;
}

/**
 * How COCO category ids map to the head's class channels, stored with a model so predictions map back:
 * - `coco91`: the [TPU] convention for K = 91 — channel = raw COCO category id, channel 0 never a target;
 * - `contiguous`: channel i + 1 is `categoryIds[i]` (channel 0 unused, as for coco91), K = categoryIds.length + 1.
 */
export type ClassMapSpec =
  | { readonly kind: 'coco91' }
  | { readonly kind: 'contiguous'; readonly categoryIds: readonly number[] };

/** One training or evaluation batch, ready for the network. */
export interface DetectionBatch {
  /** Images per batch (B) and the square input side (S). */
  readonly batch: number;
  readonly size: number;
  /** B × S × S × 3, NHWC, normalised with the ImageNet mean/std ([TPU] input_utils.py `normalize_image`; IMAGENET_MEAN/STD in src/semantics/defaults.ts); padding is 0. */
  readonly images: Float32Array;
  /** Per image: GT boxes in network-input pixels after resize, crop, flip; boxes cut to nothing removed. */
  readonly targets: readonly ImageAnnotations[];
  /** Per image: the dataset's image id. */
  readonly imageIds: readonly number[];
  /** Per image: input pixels per original pixel (divide a predicted box by it to get original pixels). */
  readonly scales: Float32Array;
  /** Per image: the original width and height. */
  readonly originalSizes: readonly (readonly [number, number])[];
}
