// The loader on real image files the test makes with sharp (JPEG, PNG, WebP; grayscale, alpha, EXIF
// orientation), and the class maps of reference §6.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { categoryOfChannel, channelLookup, classCount, classMapFor, parseClassMap } from '../../src/data/classmap.js';
import { explicitSource, findSplits, loadDataset, loadSplitOf } from '../../src/data/dataset.js';
import { decodeImage, ImageError, imageSize } from '../../src/data/image.js';

let dir: string;
const px = (image: { width: number; data: Uint8Array }, x: number, y: number) => Array.from(image.data.subarray(3 * (y * image.width + x), 3 * (y * image.width + x) + 3));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nasfpn-loader-'));
  const images = join(dir, 'val2017');
  mkdirSync(images, { recursive: true });
  mkdirSync(join(dir, 'annotations'));
  const rgb = { r: 250, g: 10, b: 10 };
  await sharp({ create: { width: 24, height: 16, channels: 3, background: rgb } }).jpeg({ quality: 100 }).toFile(join(images, 'a.jpg'));
  await sharp(new Uint8Array(10 * 12).fill(128), { raw: { width: 10, height: 12, channels: 1 } }).png().toFile(join(images, 'gray.png'));
  await sharp({ create: { width: 8, height: 8, channels: 4, background: { r: 0, g: 0, b: 255, alpha: 0.5 } } }).png().toFile(join(images, 'alpha.png'));
  await sharp({ create: { width: 9, height: 7, channels: 3, background: { r: 0, g: 200, b: 0 } } }).webp({ lossless: true }).toFile(join(images, 'c.webp'));
  // EXIF orientation 6 (display turned 90° clockwise): stored 16 × 8 with its left half white.
  const stored = new Uint8Array(16 * 8 * 3);
  for (let y = 0; y < 8; y++) stored.fill(255, 3 * y * 16, 3 * (y * 16 + 8));
  await sharp(stored, { raw: { width: 16, height: 8, channels: 3 } }).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toFile(join(images, 'turned.jpg'));
  const coco = {
    images: [
      { id: 10, file_name: 'a.jpg', width: 24, height: 16 },
      { id: 11, file_name: 'gray.png', width: 10, height: 12 },
      { id: 12, file_name: 'turned.jpg', width: 8, height: 16 },
    ],
    annotations: [
      { id: 1, image_id: 10, category_id: 18, bbox: [1, 2, 3, 4], area: 12, iscrowd: 0 },
      { id: 2, image_id: 12, category_id: 3, bbox: [0, 0, 8, 8], area: 64, iscrowd: 1 },
      { id: 3, image_id: 10, category_id: 3, bbox: [10.5, 0, 5, 16], area: 80, iscrowd: 0 },
    ],
    categories: [{ id: 3, name: 'car' }, { id: 18, name: 'dog' }, { id: 90, name: 'toothbrush' }],
  };
  writeFileSync(join(dir, 'annotations', 'instances_val2017.json'), JSON.stringify(coco));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('decoding with sharp', () => {
  it('JPEG, WebP: RGB bytes of the right size', async () => {
    const jpeg = await decodeImage(join(dir, 'val2017/a.jpg'));
    expect([jpeg.width, jpeg.height, jpeg.data.length]).toEqual([24, 16, 24 * 16 * 3]);
    px(jpeg, 5, 5).forEach((v, c) => expect(Math.abs(v - [250, 10, 10][c]!)).toBeLessThanOrEqual(3));
    const webp = await decodeImage(join(dir, 'val2017/c.webp'));
    expect([webp.width, webp.height, ...px(webp, 4, 3)]).toEqual([9, 7, 0, 200, 0]);
  });

  it('grayscale becomes three equal channels; alpha is dropped', async () => {
    const gray = await decodeImage(join(dir, 'val2017/gray.png'));
    expect([gray.width, gray.height, ...px(gray, 3, 3)]).toEqual([10, 12, 128, 128, 128]);
    const alpha = await decodeImage(join(dir, 'val2017/alpha.png'));
    expect(alpha.data.length).toBe(8 * 8 * 3);
    expect(px(alpha, 0, 0)[2]).toBeGreaterThan(100);
  });

  it('applies the EXIF orientation: a 16 × 8 file marked "turned" decodes 8 × 16, its left half now on top', async () => {
    expect(await imageSize(join(dir, 'val2017/turned.jpg'))).toMatchObject({ width: 8, height: 16 });
    const turned = await decodeImage(join(dir, 'val2017/turned.jpg'));
    expect([turned.width, turned.height]).toEqual([8, 16]);
    expect(px(turned, 4, 3)[0]).toBeGreaterThan(200);
    expect(px(turned, 4, 12)[0]).toBeLessThan(50);
  });

  it('names the file of a missing image', async () => {
    const error = await decodeImage(join(dir, 'val2017/nope.jpg')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageError);
    expect((error as Error).message).toBe(`${join(dir, 'val2017/nope.jpg')}: image file not found`);
  });
});

describe('loading a COCO folder', () => {
  it('finds the split and its image folder (COCO 2017 layout)', () => {
    expect(findSplits(dir)).toEqual([{ split: 'val2017', annotations: join(dir, 'annotations/instances_val2017.json'), images: join(dir, 'val2017') }]);
    expect(explicitSource(join(dir, 'annotations/instances_val2017.json'), join(dir, 'val2017')).split).toBe('val2017');
  });

  it('K = 91: raw COCO ids as channels; boxes as [x1, y1, x2, y2]', async () => {
    const dataset = await loadDataset(findSplits(dir)[0]!, 91);
    expect(dataset.classMap).toEqual({ kind: 'coco91' });
    const [a, gray, turned] = dataset.images;
    expect(a!.file).toBe(join(dir, 'val2017/a.jpg'));
    expect(Array.from(a!.annotations.boxes)).toEqual([1, 2, 4, 6, 10.5, 0, 15.5, 16]);
    expect(Array.from(a!.annotations.classes)).toEqual([18, 3]);
    expect(gray!.annotations.classes.length).toBe(0);
    expect([Array.from(turned!.annotations.classes), Array.from(turned!.annotations.crowd)]).toEqual([[3], [1]]);
  });

  it('other K: a contiguous map over the sorted ids (channel 0 unused), which round-trips through JSON', async () => {
    const dataset = await loadDataset(findSplits(dir)[0]!);
    expect(dataset.classMap).toEqual({ kind: 'contiguous', categoryIds: [3, 18, 90] });
    expect(Array.from(dataset.images[0]!.annotations.classes)).toEqual([2, 1]);
    expect(classCount(dataset.classMap)).toBe(4);
    expect(parseClassMap(JSON.parse(JSON.stringify(dataset.classMap)))).toEqual(dataset.classMap);
    expect([1, 2, 3].map((c) => categoryOfChannel(dataset.classMap, c))).toEqual([3, 18, 90]);
    expect(categoryOfChannel(dataset.classMap, 0)).toBeUndefined();
    await expect(loadDataset(findSplits(dir)[0]!, 10)).rejects.toThrow('a head of 10 classes does not fit 3 categories: use 4');
  });

  it('the val split of a folder (as training, eval and the proxy reward find it): dataset and ground truth from one read', async () => {
    const { dataset, groundTruth } = await loadSplitOf(dir, 'val', 4);
    expect(dataset.source.split).toBe('val2017');
    expect(Array.from(groundTruth.images.ids)).toEqual(dataset.images.map((i) => i.id));
    expect(Array.from(groundTruth.categories.ids)).toEqual([3, 18, 90]);
    await expect(loadSplitOf(dir, 'train')).rejects.toThrow(`${dir} has no train split (it has val2017)`);
    await expect(loadSplitOf(join(dir, 'val2017'), 'val')).rejects.toThrow('is not a dataset folder: no annotations/instances_*.json');
  });

  it('class maps by hand', () => {
    expect(classMapFor([5, 1, 90], 91)).toEqual({ kind: 'coco91' });
    expect(() => classMapFor([1, 95], 91)).toThrow(RangeError);
    const lookup = channelLookup({ kind: 'contiguous', categoryIds: [1, 7] });
    expect([lookup(1), lookup(7), lookup(2)]).toEqual([1, 2, -1]);
    expect(() => parseClassMap({ kind: 'contiguous', categoryIds: [3, 2] })).toThrow(RangeError);
  });
});
