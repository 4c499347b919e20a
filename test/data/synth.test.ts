// The synthetic dataset: byte-identical for a seed, valid COCO (our reader, and pycocotools where installed),
// every box inside its image, and visible boxes that follow occlusion exactly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { readCocoGroundTruth } from '../../src/coco/read.js';
import { composeScene, renderSynthImage, SHAPES, writeSynthDataset, type SynthOptions } from '../../src/data/synth.js';
import { Random } from '../../src/util/random.js';

const OPTIONS: SynthOptions = { images: 16, size: 64, classes: 6, seed: 7, minObjects: 2, maxObjects: 8, valFraction: 0.25 };
let root: string;
let a: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'nasfpn-synth-'));
  a = join(root, 'a');
  await writeSynthDataset(a, OPTIONS);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const listFiles = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();

describe('synthetic dataset', () => {
  it('is byte-identical for the same seed, and differs for another', async () => {
    const b = join(root, 'b');
    await writeSynthDataset(b, OPTIONS);
    const files = listFiles(a);
    expect(files).toEqual(listFiles(b));
    expect(files).toContain('annotations/instances_train.json');
    expect(files.filter((f) => f.startsWith('train/'))).toHaveLength(12);
    expect(files.filter((f) => f.startsWith('val/'))).toHaveLength(4);
    for (const f of files) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f))), f).toBe(true);
    const c = join(root, 'c');
    await writeSynthDataset(c, { ...OPTIONS, seed: 8 });
    expect(readFileSync(join(c, 'train/000001.png')).equals(readFileSync(join(a, 'train/000001.png')))).toBe(false);
  });

  it('is valid COCO: unique ids, known categories, PNGs of the stated size, boxes inside, areas = visible pixels', async () => {
    const ids = new Set<number>();
    for (const split of ['train', 'val']) {
      const gt = await readCocoGroundTruth(join(a, 'annotations', `instances_${split}.json`)); // throws on any structural problem
      expect(Array.from(gt.categories.ids)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(gt.categories.names).toEqual(SHAPES.slice(0, 6).map((s) => s.name));
      for (let i = 0; i < gt.images.ids.length; i++) {
        const meta = await sharp(join(a, split, gt.images.fileNames[i]!)).metadata();
        expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(['png', 64, 64, 3]);
      }
      const { bboxes, areas } = gt.annotations;
      for (let k = 0; k < gt.annotations.count; k++) {
        expect(ids.has(gt.annotations.ids[k]!)).toBe(false);
        ids.add(gt.annotations.ids[k]!);
        const [x, y, w, h] = bboxes.subarray(4 * k, 4 * k + 4);
        expect(x! >= 0 && y! >= 0 && w! >= 1 && h! >= 1 && x! + w! <= 64 && y! + h! <= 64).toBe(true);
        expect(areas[k]!).toBeGreaterThan(0);
        expect(areas[k]!).toBeLessThanOrEqual(w! * h!);
      }
    }
    const train = JSON.parse(readFileSync(join(a, 'annotations/instances_train.json'), 'utf8'));
    const crowds = train.annotations.filter((x: { iscrowd: number }) => x.iscrowd === 1);
    for (const crowd of crowds) {
      // Uncompressed RLE over the whole image; the "on" runs add up to the visible area.
      const counts: number[] = crowd.segmentation.counts;
      expect(counts.reduce((s, c) => s + c, 0)).toBe(64 * 64);
      expect(counts.filter((_, i) => i % 2 === 1).reduce((s, c) => s + c, 0)).toBe(crowd.area);
    }
  });

  it.skipIf(!existsSync('/opt/venv-coco/bin/python'))('pycocotools: loads it, agrees on crowd mask areas, and scores the ground truth as detections at AP 1', () => {
    const script = [
      'import sys, json, contextlib, io',
      'from pycocotools.coco import COCO',
      'from pycocotools.cocoeval import COCOeval',
      'from pycocotools import mask',
      'with contextlib.redirect_stdout(io.StringIO()):',
      '    gt = COCO(sys.argv[1])',
      'crowds = [a for a in gt.dataset["annotations"] if a["iscrowd"]]',
      'areas_agree = all(abs(float(mask.area(mask.frPyObjects(a["segmentation"], *a["segmentation"]["size"]))) - a["area"]) < 1e-9 for a in crowds)',
      'dets = [{"image_id": a["image_id"], "category_id": a["category_id"], "bbox": a["bbox"], "score": 1.0} for a in gt.dataset["annotations"] if not a["iscrowd"]]',
      'with contextlib.redirect_stdout(io.StringIO()):',
      '    ev = COCOeval(gt, gt.loadRes(dets), "bbox"); ev.evaluate(); ev.accumulate(); ev.summarize()',
      'print(json.dumps({"images": len(gt.getImgIds()), "annotations": len(gt.getAnnIds()), "crowds": len(crowds), "areasAgree": areas_agree, "ap": ev.stats[0]}))',
    ].join('\n');
    const out = execFileSync('/opt/venv-coco/bin/python', ['-c', script, join(a, 'annotations/instances_train.json')], { encoding: 'utf8' });
    const train = JSON.parse(readFileSync(join(a, 'annotations/instances_train.json'), 'utf8'));
    const result = JSON.parse(out.trim().split('\n').pop()!);
    expect(result).toEqual({ images: 12, annotations: train.annotations.length, crowds: 1, areasAgree: true, ap: 1 }); // seed 7 puts one crowd group in the train split
  });

  it('records each annotation\'s visible pixels: the owner map gives exactly its box and area', () => {
    const rootRandom = Random.seeded(3);
    let occluded = 0;
    for (let i = 0; i < 20; i++) {
      const image = renderSynthImage(i, { ...OPTIONS, size: 48 }, rootRandom);
      image.annotations.forEach((annotation, id) => {
        let [x1, y1, x2, y2, n] = [48, 48, -1, -1, 0];
        image.owner.forEach((owner, p) => {
          if (owner !== id) return;
          const [x, y] = [p % 48, Math.floor(p / 48)];
          [x1, y1, x2, y2, n] = [Math.min(x1, x), Math.min(y1, y), Math.max(x2, x), Math.max(y2, y), n + 1];
        });
        expect(annotation.bbox).toEqual([x1, y1, x2 - x1 + 1, y2 - y1 + 1]);
        expect(annotation.area).toBe(n);
        if (n < annotation.bbox[2] * annotation.bbox[3] * 0.5) occluded++;
      });
    }
    expect(occluded).toBeGreaterThan(0);
  });

  it('occlusion, by hand: a square half covered by a later one keeps only its visible half as its box', () => {
    const square = SHAPES.find((s) => s.name === 'square')!;
    const disc = SHAPES.find((s) => s.name === 'disc')!;
    const objects = [
      { shape: square, annotation: 0, x: 2, y: 4, w: 10, h: 8, rgb: [255, 0, 0] as const }, // covers x 2..11, y 4..11
      { shape: square, annotation: 1, x: 7, y: 0, w: 10, h: 20, rgb: [0, 0, 255] as const }, // covers x 7..16: hides x ≥ 7 of the first
      { shape: disc, annotation: 2, x: 20, y: 20, w: 4, h: 4, rgb: [0, 255, 0] as const }, // 12 pixels: kept (MIN_VISIBLE_PIXELS)
      { shape: square, annotation: 3, x: 8, y: 8, w: 4, h: 4, rgb: [0, 255, 0] as const }, // then fully hidden by the next
      { shape: square, annotation: 4, x: 7, y: 7, w: 6, h: 6, rgb: [9, 9, 9] as const },
    ];
    const planned = [1, 2, 3, 4, 5].map((categoryId) => ({ categoryId, iscrowd: 0 as const }));
    const pixels = new Uint8ClampedArray(32 * 32 * 3);
    const scene = composeScene(objects, planned, 32, pixels, Random.seeded(1));
    expect(scene.annotations.map((x) => [x.categoryId, ...x.bbox, x.area])).toEqual([
      [1, 2, 4, 5, 8, 40], // x 2..6 visible: 5 × 8
      [2, 7, 0, 10, 20, 200 - 36], // the 6 × 6 square on top hides 36 of its pixels; its box stays whole
      [3, 20, 20, 4, 4, 12], // a 4 × 4 disc: the corners' centres fall outside
      [5, 7, 7, 6, 6, 36],
    ]);
    // Pixels follow: the hidden square's pixels are the last square's colour.
    const at = (x: number, y: number) => Array.from(scene.pixels.subarray(3 * (y * 32 + x), 3 * (y * 32 + x) + 3));
    expect(at(9, 9).every((c) => c <= 9 + 10)).toBe(true);
    expect(at(3, 5)[0]).toBeGreaterThan(230);
  });
});
