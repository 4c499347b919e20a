// The §9.2 geometry by hand, and the pixels following it: a bright rectangle's box, moved by a random
// flip/jitter/crop, lands exactly where the rectangle's pixels land.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { PAPER_AUGMENTATION, placeBoxes, placeImage } from '../../src/data/augment.js';
import { IMAGENET_MEAN, IMAGENET_STD } from '../../src/semantics/defaults.js';
import { placePixels } from '../../src/data/image.js';
import type { ImageAnnotations } from '../../src/data/types.js';
import { Random } from '../../src/util/random.js';

/** A Random whose float() returns the given values in turn (uniform(lo, hi) = lo + (hi − lo)·float()). */
function scripted(...floats: number[]): Random {
  const fake = Object.create(Random.prototype) as Random;
  fake.float = () => floats.shift()!;
  return fake;
}

const boxes = (...rows: number[][]): ImageAnnotations => ({
  boxes: Float32Array.from(rows.flat()),
  classes: Int32Array.from(rows.map((_, i) => i + 1)),
  crowd: new Uint8Array(rows.length),
});
const rows = (a: ImageAnnotations) => Array.from({ length: a.classes.length }, (_, i) => Array.from(a.boxes.subarray(4 * i, 4 * i + 4)));

describe('placement (reference §9.2)', () => {
  it('evaluation: the long side fits the square, no crop, no flip, boxes scaled', () => {
    const p = placeImage(200, 100, 100, null);
    expect(p).toMatchObject({ scale: 0.5, resizedWidth: 100, resizedHeight: 50, cropX: 0, cropY: 0, visibleWidth: 100, visibleHeight: 50, flip: false });
    expect(rows(placeBoxes(boxes([10, 20, 50, 60]), p))).toEqual([[5, 10, 25, 30]]);
  });

  it('flip mirrors boxes in the original width', () => {
    // draws: flip (0.1 < 0.5), jitter 0.5 → scale 1.0, crop fractions irrelevant (nothing to crop)
    const p = placeImage(100, 50, 100, PAPER_AUGMENTATION, scripted(0.1, 0.5, 0.9, 0.9));
    expect(p).toMatchObject({ flip: true, scale: 1, resizedWidth: 100, resizedHeight: 50, cropX: 0, cropY: 0 });
    expect(rows(placeBoxes(boxes([10, 20, 30, 40]), p))).toEqual([[70, 20, 90, 40]]);
  });

  it('jitter 1.2 crops at the drawn offset: a box cut by the crop is clipped, one cut to nothing is dropped', () => {
    // draws: no flip (0.9), jitter 0.8 + 0.4·1 → round(1.2·100) = 120, crop offsets trunc(20·0.5) = 10 both ways
    const p = placeImage(100, 100, 100, PAPER_AUGMENTATION, scripted(0.9, 1, 0.5, 0.5));
    expect(p).toMatchObject({ scale: 1.2, resizedWidth: 120, resizedHeight: 120, cropX: 10, cropY: 10, visibleWidth: 100, visibleHeight: 100 });
    const placed = placeBoxes(boxes([0, 0, 5, 5], [90, 90, 100, 100], [50, 0, 60, 20]), p);
    // [0,0,5,5]·1.2 − 10 = [−10,−10,−4,−4]: nothing left. [90,90,100,100] → [98,98,110,110] → clipped at 100.
    // [50,0,60,20] → [50,−10,62,14] → top clipped at 0.
    expect(rows(placed).map((r) => r.map((v) => Math.round(v * 1e4) / 1e4))).toEqual([[98, 98, 100, 100], [50, 0, 62, 14]]);
    expect(Array.from(placed.classes)).toEqual([2, 3]);
  });

  it('jitter 0.8 shrinks and pads: nothing cropped, boxes scaled by the rounded size', () => {
    const p = placeImage(30, 20, 100, PAPER_AUGMENTATION, scripted(0.9, 0, 0.7, 0.7));
    // target 80: scale min(80/30, 80/20) = 2.667, resized 80 × 53 (53.33 rounded)
    expect(p).toMatchObject({ resizedWidth: 80, resizedHeight: 53, cropX: 0, cropY: 0, visibleWidth: 80, visibleHeight: 53 });
    const [[x1, y1, x2, y2]] = rows(placeBoxes(boxes([3, 2, 6, 4]), p)) as [number[]];
    expect([x1, x2]).toEqual([8, 16]);
    expect(y1).toBeCloseTo(2 * 53 / 20, 5);
    expect(y2).toBeCloseTo(4 * 53 / 20, 5);
  });

  it('uses the same four draws whatever the image, so streams stay aligned', () => {
    const a = Random.seeded(5);
    const b = Random.seeded(5);
    placeImage(10, 10, 100, PAPER_AUGMENTATION, a);
    placeImage(1000, 30, 100, PAPER_AUGMENTATION, b);
    expect(a.state()).toEqual(b.state());
  });
});

describe('pixels follow the boxes', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nasfpn-augment-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a flip without resize mirrors the pixels exactly, normalised with the ImageNet mean/std; padding is 0', async () => {
    const file = join(dir, 'row.png');
    const raw = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]); // red green blue white, one row
    await sharp(raw, { raw: { width: 4, height: 1, channels: 3 } }).png().toFile(file);
    const p = placeImage(4, 1, 4, PAPER_AUGMENTATION, scripted(0.1, 0.5, 0, 0)); // flip, scale 1
    const out = new Float32Array(4 * 4 * 3);
    await placePixels(file, p, 4, out, 0);
    const norm = (rgb: number[]) => rgb.map((v, c) => (v / 255 - IMAGENET_MEAN[c]!) / IMAGENET_STD[c]!);
    const expected = [norm([255, 255, 255]), norm([0, 0, 255]), norm([0, 255, 0]), norm([255, 0, 0])].flat();
    Array.from(out.subarray(0, 12)).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    expect(out.subarray(12).every((v) => v === 0)).toBe(true);
  });

  it('a random flip + jitter + crop moves a rectangle\'s box to where its pixels went', async () => {
    // A white rectangle on black; after placement the bright pixels' extent must match the placed box.
    const [w, h] = [96, 64];
    const rect = [30, 12, 70, 40]; // x1 y1 x2 y2
    const raw = new Uint8Array(w * h * 3);
    for (let y = rect[1]!; y < rect[3]!; y++) for (let x = rect[0]!; x < rect[2]!; x++) raw.fill(255, 3 * (y * w + x), 3 * (y * w + x) + 3);
    const file = join(dir, 'rect.png');
    await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).png().toFile(file);
    const size = 64;
    let flips = 0;
    let crops = 0;
    for (let seed = 0; seed < 12; seed++) {
      const p = placeImage(w, h, size, { scaleMin: 0.8, scaleMax: 2, flipProbability: 0.5 }, Random.seeded(seed));
      flips += Number(p.flip);
      crops += Number(p.cropX > 0 || p.cropY > 0);
      const placed = placeBoxes(boxes(rect), p);
      const out = new Float32Array(size * size * 3);
      await placePixels(file, p, size, out, 0);
      // Pixels brighter than mid-grey (red channel normalised at 0.5) are inside the rectangle.
      const mid = (0.5 - IMAGENET_MEAN[0]) / IMAGENET_STD[0];
      let [x1, y1, x2, y2] = [size, size, 0, 0];
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          if (out[3 * (y * size + x)]! > mid) [x1, y1, x2, y2] = [Math.min(x1, x), Math.min(y1, y), Math.max(x2, x + 1), Math.max(y2, y + 1)];
        }
      }
      if (placed.classes.length === 0) {
        expect(x2, `seed ${seed}`).toBe(0); // cropped away: no bright pixel either
        continue;
      }
      // Bilinear resampling blurs the edge by under a pixel: the box and the bright extent agree to 1 px.
      Array.from(placed.boxes).forEach((v, i) => expect(Math.abs(v - [x1, y1, x2, y2][i]!), `seed ${seed} coordinate ${i}`).toBeLessThanOrEqual(1));
    }
    expect(flips).toBeGreaterThan(0);
    expect(flips).toBeLessThan(12);
    expect(crops).toBeGreaterThan(0);
  });
});
