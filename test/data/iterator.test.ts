// The batch iterator: epoch order as a function of (seed, epoch), exact resumption from a stored position,
// evaluation batches in file order with the last one smaller, and batch contents that match the dataset.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PAPER_AUGMENTATION } from '../../src/data/augment.js';
import { findSplits, loadDataset, type Dataset } from '../../src/data/dataset.js';
import { BatchIterator, epochOrder, type BatchIteratorOptions } from '../../src/data/iterator.js';
import { writeSynthDataset } from '../../src/data/synth.js';
import type { DetectionBatch } from '../../src/data/types.js';

let dir: string;
let dataset: Dataset;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nasfpn-iterator-'));
  await writeSynthDataset(dir, { images: 11, size: 32, classes: 4, seed: 2, minObjects: 1, maxObjects: 3, valFraction: 0 });
  dataset = await loadDataset(findSplits(dir).find((s) => s.split === 'train')!);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TRAIN: BatchIteratorOptions = { batchSize: 3, size: 40, seed: 9, augment: PAPER_AUGMENTATION, prefetch: 2 };

/** What identifies a batch: its image ids, a checksum of its pixels, and its boxes. */
function fingerprint(batch: DetectionBatch) {
  let sum = 0;
  for (let i = 0; i < batch.images.length; i += 7) sum += batch.images[i]! * ((i % 13) + 1);
  return { ids: batch.imageIds, pixels: Math.round(sum * 1000), boxes: batch.targets.map((t) => Array.from(t.boxes)) };
}

async function take(iterator: BatchIterator, n: number) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(fingerprint((await iterator.next())!));
  return out;
}

describe('BatchIterator', () => {
  it('visits each epoch in epochOrder(n, seed, epoch); incomplete batches are dropped when training', async () => {
    const iterator = new BatchIterator(dataset, TRAIN);
    expect(iterator.batchesPerEpoch()).toBe(3); // 11 images, batches of 3
    const batches = await take(iterator, 6);
    for (const epoch of [0, 1]) {
      const order = Array.from(epochOrder(11, 9, epoch)).slice(0, 9).map((i) => dataset.images[i]!.id);
      expect(batches.slice(3 * epoch, 3 * epoch + 3).flatMap((b) => b.ids)).toEqual(order);
    }
    expect(epochOrder(11, 9, 0)).not.toEqual(epochOrder(11, 9, 1));
    expect(epochOrder(11, 9, 1)).toEqual(epochOrder(11, 9, 1));
    iterator.close();
  });

  it('resumed from a stored position, gives exactly the batches an uninterrupted run gives', async () => {
    const uninterrupted = new BatchIterator(dataset, TRAIN);
    const expected = await take(uninterrupted, 8);
    uninterrupted.close();

    const first = new BatchIterator(dataset, { ...TRAIN, prefetch: 4 }); // a different prefetch depth changes nothing
    const before = await take(first, 4);
    const stored = JSON.parse(JSON.stringify(first.position())); // as a checkpoint stores it
    first.close();
    expect(stored).toEqual({ seed: 9, epoch: 1, batch: 1, images: 11, batchSize: 3 });
    const resumed = new BatchIterator(dataset, { ...TRAIN, prefetch: 0 }, stored);
    const after = await take(resumed, 4);
    resumed.close();
    expect([...before, ...after]).toEqual(expected);
  });

  it('refuses a position from another seed or dataset', () => {
    const position = { seed: 9, epoch: 0, batch: 0, images: 11, batchSize: 3 };
    expect(() => new BatchIterator(dataset, { ...TRAIN, seed: 1 }, position)).toThrow('cannot resume: the stored position was taken with seed 9, not 1');
    expect(() => new BatchIterator(dataset, TRAIN, { ...position, images: 12 })).toThrow('12 images, not 11');
    expect(() => new BatchIterator(dataset, TRAIN, { ...position, batch: 3 })).toThrow('batch 3 of epoch 0 does not exist');
  });

  it('evaluation: file order, one epoch, the last batch smaller, long side resized to the input, no augmentation', async () => {
    const iterator = new BatchIterator(dataset, { batchSize: 4, size: 64, seed: 0, augment: null });
    const batches: DetectionBatch[] = [];
    for await (const batch of iterator) batches.push(batch);
    expect(batches.map((b) => b.batch)).toEqual([4, 4, 3]);
    expect(batches.flatMap((b) => b.imageIds)).toEqual(dataset.images.map((i) => i.id));
    const first = batches[0]!;
    expect(first.images.length).toBe(4 * 64 * 64 * 3);
    expect(Array.from(first.scales)).toEqual([2, 2, 2, 2]);
    expect(first.originalSizes[0]).toEqual([32, 32]);
    // Boxes are the dataset's, times the scale; padding is not needed (32 → 64 fills the square).
    const original = dataset.images[0]!.annotations;
    expect(Array.from(first.targets[0]!.boxes)).toEqual(Array.from(original.boxes, (v) => v * 2));
    expect(await iterator.next()).toBeNull();
  });

  it('pads at the bottom and right with zeros when the image is smaller than the input', async () => {
    const iterator = new BatchIterator(dataset, { batchSize: 1, size: 48, seed: 0, augment: { scaleMin: 0.5, scaleMax: 0.5, flipProbability: 0 } });
    const batch = (await iterator.next())!;
    iterator.close();
    // scale 0.5 of 48 = 24 → a 32 px image resized to 24: rows and columns ≥ 24 are padding.
    expect(batch.scales[0]).toBe(0.75);
    const at = (x: number, y: number) => batch.images[3 * (y * 48 + x)]!;
    expect([at(30, 5), at(5, 30), at(47, 47)]).toEqual([0, 0, 0]);
    expect(at(5, 5)).not.toBe(0);
  });

  it('rejects with the file name when an image cannot be read', async () => {
    const broken: Dataset = { ...dataset, images: dataset.images.map((i, k) => (k === 1 ? { ...i, file: join(dir, 'train/missing.png') } : i)) };
    const iterator = new BatchIterator(broken, { batchSize: 2, size: 32, seed: 0, augment: null });
    await expect(iterator.next()).rejects.toThrow(`${join(dir, 'train/missing.png')}: image file not found`);
    expect(iterator.position()).toMatchObject({ epoch: 0, batch: 0 }); // a checkpoint taken now resumes at the failed batch
    await expect(iterator.next()).rejects.toThrow('image file not found');
    iterator.close();
  });
});
