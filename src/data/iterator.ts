// The batch iterator training and evaluation read: seeded, resumable and prefetching.
//
// - Order: epoch e visits the images in `epochOrder(n, seed, e)`, a permutation that depends on (seed, epoch)
//   only. Image k of epoch e is augmented with the stream `fork('augment-e-k')` of the seed, so what a batch
//   holds depends on (seed, epoch, batch index) only, never on how far the prefetch ran or whether the run was
//   interrupted: a run resumed from a stored `position()` sees exactly the batches an uninterrupted one would.
// - Prefetch: up to `prefetch` batches are decoded and augmented ahead of the consumer. The pixel work
//   (decode, resize, crop) runs on libvips' threads through sharp's asynchronous API; the JavaScript thread
//   only normalises bytes into the batch buffer (one table lookup per byte, a few ms for a 640² image), so
//   worker threads are not used: they would add a copy of every batch for a loop that is not the limit.
//   bench/data.bench.ts reports images/s and how busy the JavaScript thread is.
// - Memory: the dataset holds annotations only; pixels exist only for the batches in flight, so memory is
//   bounded by (prefetch + 1) batches whatever the dataset's size.
import { Random } from '../util/random.js';
import { placeBoxes, placeImage, type AugmentOptions } from './augment.js';
import type { Dataset, DatasetImage } from './dataset.js';
import { placePixels } from './image.js';
import type { DetectionBatch, ImageAnnotations } from './types.js';

export interface BatchIteratorOptions {
  readonly batchSize: number;
  /** The square network input side. */
  readonly size: number;
  readonly seed: number;
  /** Training augmentation, or null for evaluation (resize the long side to `size`, no crop, no flip). */
  readonly augment: AugmentOptions | null;
  /** Shuffle each epoch (default: when augmenting). Unshuffled epochs visit the images in file order. */
  readonly shuffle?: boolean;
  /** Drop each epoch's last incomplete batch (default: when shuffling); otherwise it comes smaller. */
  readonly dropLast?: boolean;
  /** Stop after this many epochs (default: never for training, 1 when not shuffling). */
  readonly epochs?: number;
  /** Batches prepared ahead of the consumer (default 2). */
  readonly prefetch?: number;
}

/** Where an iterator stands: the next batch it returns. Plain JSON, for checkpoints. */
export interface IteratorPosition {
  readonly seed: number;
  readonly epoch: number;
  readonly batch: number;
  /** The dataset size and batch size the position was taken with (a resume with others is refused). */
  readonly images: number;
  readonly batchSize: number;
}

/** The order in which epoch `epoch` visits n images: a function of (seed, epoch) only. */
export function epochOrder(n: number, seed: number, epoch: number): Int32Array {
  return Random.seeded(seed).fork(`epoch-${epoch}`).permutation(n);
}

export class BatchIterator implements AsyncIterable<DetectionBatch> {
  private readonly root: Random;
  private readonly shuffle: boolean;
  private readonly dropLast: boolean;
  private readonly epochs: number;
  private readonly prefetch: number;
  /** The next batch `next()` returns, and the next one to start preparing. */
  private epoch: number;
  private batch: number;
  private aheadEpoch: number;
  private aheadBatch: number;
  private readonly queue: Promise<DetectionBatch>[] = [];
  private orders = new Map<number, Int32Array>();
  private closed = false;
  private waiting = false;

  constructor(private readonly dataset: Dataset, private readonly options: BatchIteratorOptions, from?: IteratorPosition) {
    const { batchSize, size } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be a positive integer, not ${batchSize}`);
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`input size must be a positive integer, not ${size}`);
    if (dataset.images.length === 0) throw new RangeError(`${dataset.source.annotations}: the dataset has no images`);
    this.shuffle = options.shuffle ?? options.augment !== null;
    this.dropLast = options.dropLast ?? this.shuffle;
    this.epochs = options.epochs ?? (this.shuffle ? Infinity : 1);
    this.prefetch = Math.max(0, options.prefetch ?? 2);
    if (this.batchesPerEpoch() === 0) {
      throw new RangeError(`the dataset has ${dataset.images.length} images, fewer than one batch of ${batchSize} (dropping incomplete batches)`);
    }
    this.root = Random.seeded(options.seed);
    if (from) {
      const mismatch = from.seed !== options.seed ? `seed ${from.seed}, not ${options.seed}`
        : from.images !== dataset.images.length ? `${from.images} images, not ${dataset.images.length}`
        : from.batchSize !== batchSize ? `batch size ${from.batchSize}, not ${batchSize}` : '';
      if (mismatch) throw new RangeError(`cannot resume: the stored position was taken with ${mismatch}`);
      if (!(from.batch >= 0 && from.batch < this.batchesPerEpoch() && from.epoch >= 0)) {
        throw new RangeError(`cannot resume: batch ${from.batch} of epoch ${from.epoch} does not exist`);
      }
    }
    this.epoch = this.aheadEpoch = from?.epoch ?? 0;
    this.batch = this.aheadBatch = from?.batch ?? 0;
  }

  batchesPerEpoch(): number {
    const n = this.dataset.images.length;
    return this.dropLast ? Math.floor(n / this.options.batchSize) : Math.ceil(n / this.options.batchSize);
  }

  /** The position of the next batch `next()` returns (batches prefetched but not returned do not count). */
  position(): IteratorPosition {
    return { seed: this.options.seed, epoch: this.epoch, batch: this.batch, images: this.dataset.images.length, batchSize: this.options.batchSize };
  }

  /**
   * The next batch, or null after the last epoch. Rejects with an `ImageError` naming a file that cannot be read
   * (the position then stays on that batch). One call at a time: await each before the next.
   */
  async next(): Promise<DetectionBatch | null> {
    if (this.closed || this.epoch >= this.epochs) return null;
    if (this.waiting) throw new Error('BatchIterator.next() called again before the previous call finished');
    this.fill(this.prefetch + 1);
    this.waiting = true;
    let batch: DetectionBatch;
    try {
      batch = await this.queue[0]!;
    } finally {
      this.waiting = false;
    }
    this.queue.shift();
    this.batch++;
    if (this.batch === this.batchesPerEpoch()) {
      this.batch = 0;
      this.orders.delete(this.epoch);
      this.epoch++;
    }
    this.fill(this.prefetch); // start the next one while the caller trains on this one
    return batch;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<DetectionBatch> {
    for (let batch = await this.next(); batch !== null; batch = await this.next()) yield batch;
  }

  /** Stops prefetching; batches in flight finish and are dropped. */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
  }

  private fill(depth: number): void {
    while (this.queue.length < depth && this.aheadEpoch < this.epochs) {
      const promise = this.prepare(this.aheadEpoch, this.aheadBatch);
      promise.catch(() => {}); // rejections surface when next() awaits this batch
      this.queue.push(promise);
      if (++this.aheadBatch === this.batchesPerEpoch()) {
        this.aheadBatch = 0;
        this.aheadEpoch++;
      }
    }
  }

  private order(epoch: number): Int32Array {
    let order = this.orders.get(epoch);
    if (!order) {
      const n = this.dataset.images.length;
      order = this.shuffle ? epochOrder(n, this.options.seed, epoch) : Int32Array.from({ length: n }, (_, i) => i);
      this.orders.set(epoch, order);
    }
    return order;
  }

  /** Batch `batch` of epoch `epoch`: a function of (seed, epoch, batch) and the dataset only. */
  private async prepare(epoch: number, batch: number): Promise<DetectionBatch> {
    const { batchSize, size, augment } = this.options;
    const order = this.order(epoch);
    const first = batch * batchSize;
    const slots = Math.min(batchSize, order.length - first);
    const images = new Float32Array(slots * size * size * 3);
    const targets: ImageAnnotations[] = [];
    const imageIds: number[] = [];
    const scales = new Float32Array(slots);
    const originalSizes: [number, number][] = [];
    const work: Promise<void>[] = [];
    for (let b = 0; b < slots; b++) {
      const slot = first + b;
      const image: DatasetImage = this.dataset.images[order[slot]!]!;
      const random = augment ? this.root.fork(`augment-${epoch}-${slot}`) : undefined;
      const placement = placeImage(image.width, image.height, size, augment, random);
      targets.push(placeBoxes(image.annotations, placement));
      imageIds.push(image.id);
      scales[b] = placement.scale;
      originalSizes.push([image.width, image.height]);
      work.push(placePixels(image.file, placement, size, images, b * size * size * 3));
    }
    await Promise.all(work);
    return { batch: slots, size, images, targets, imageIds, scales, originalSizes };
  }
}
