// The cross-scale task of `nasfpn data synth` (--max-side, --context, --detail): reproducible, objects over every
// level of examples/scales.fpn's anchors and every COCO size bucket, and class rules that hold — a token's class
// is the outline of the plate it lies on, a plate's class the kind of its marks, and neither leaks through
// another cue. The default task stays exactly what it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCocoGroundTruth } from '../../src/coco/read.js';
import {
  DEFAULT_SYNTH, MARKS, PLATE_OUTLINES, renderSynthImage, SHAPES, synthCategories, synthOptionsProblem, writeSynthDataset,
  type SceneObject, type SynthImage, type SynthOptions,
} from '../../src/data/synth.js';
import { anchorsFor } from '../../src/targets/anchors.js';
import { iou } from '../../src/targets/boxcoding.js';
import { headLayout } from '../../src/targets/layout.js';
import { Random } from '../../src/util/random.js';
import { loadExample } from '../helpers/examples.js';

/** The task as docs/data.md and examples/scales.fpn give it, on fewer images. */
const SCALES: SynthOptions = { ...DEFAULT_SYNTH, images: 200, size: 128, classes: 2, context: 3, detail: 3, maxSide: 1, seed: 30 };

function renderAll(options: SynthOptions): SynthImage[] {
  const root = Random.seeded(options.seed);
  return Array.from({ length: options.images }, (_, i) => renderSynthImage(i, options, root));
}

let images: SynthImage[];
beforeAll(() => {
  images = renderAll(SCALES);
});

describe('the default task is unchanged', () => {
  it('renders the same pixels and annotations as before the cross-scale options (a digest of 10 images)', () => {
    const options = { ...DEFAULT_SYNTH, images: 10, size: 128, classes: 8, seed: 1 };
    const hash = createHash('sha256');
    for (const image of renderAll(options)) hash.update(image.pixels).update(JSON.stringify(image.annotations));
    expect(hash.digest('hex').slice(0, 16)).toBe('03872fcb11cc0045');
  });
});

describe('the cross-scale task: files and options', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'nasfpn-synth-scales-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('is byte-identical for a seed, lists its categories by family and records its options', async () => {
    const small = { ...SCALES, images: 6, size: 96, valFraction: 0.5 };
    await writeSynthDataset(join(root, 'a'), small);
    await writeSynthDataset(join(root, 'b'), small);
    const files = readdirSync(join(root, 'a'), { recursive: true }).map(String).sort();
    expect(files).toEqual(readdirSync(join(root, 'b'), { recursive: true }).map(String).sort());
    for (const f of files.filter((f) => f.includes('.'))) expect(readFileSync(join(root, 'b', f)).equals(readFileSync(join(root, 'a', f))), f).toBe(true);
    const train = JSON.parse(readFileSync(join(root, 'a', 'annotations/instances_train.json'), 'utf8'));
    expect(train.info.generator).toMatchObject({ classes: 2, maxSide: 1, context: 3, detail: 3 });
    expect(train.categories.map((c: { id: number; name: string; supercategory: string }) => `${c.id} ${c.name} ${c.supercategory}`)).toEqual([
      '1 disc shape', '2 ring shape',
      '3 token-on-disc token', '4 token-on-square token', '5 token-on-triangle token',
      '6 plate-of-dots plate', '7 plate-of-rings plate', '8 plate-of-pluses plate',
    ]);
    await readCocoGroundTruth(join(root, 'a', 'annotations/instances_val.json')); // valid COCO
  });

  it('refuses options outside their ranges, naming them', () => {
    expect(synthOptionsProblem({ ...SCALES, context: 5 })).toBe('--context must be an integer in [0, 4] (one plate outline a class), not 5');
    expect(synthOptionsProblem({ ...SCALES, detail: -1 })).toBe('--detail must be an integer in [0, 4] (one mark kind a class), not -1');
    expect(synthOptionsProblem({ ...SCALES, maxSide: 1.5 })).toBe('--max-side must be a fraction of the image side in (0, 1], not 1.5');
    expect(synthOptionsProblem({ ...SCALES, classes: 9 })).toBe('--classes must be at most 8 with --context: the tokens are diamonds, shape 9, not 9');
    expect(synthOptionsProblem({ ...SCALES, classes: 0 })).toBeUndefined(); // tokens and plates alone
    expect(synthOptionsProblem({ ...DEFAULT_SYNTH, images: 1, size: 64, seed: 1, classes: 0 })).toBe('--classes must be an integer in [1, 12] (one shape a class), not 0');
    expect(synthCategories({ ...SCALES, classes: 0, context: 0, detail: 4 }).map((c) => c.name)).toEqual(MARKS.map((m) => `plate-of-${m.name}`));
  });
});

/** The plates of an image's plan: each plate annotation's (or scenery's) first object, with what lies on it. */
function platesOf(image: SynthImage) {
  const { objects, planned } = image.plan;
  const isPlateAnnotation = (a: number) => planned[a]!.scenery === true || planned[a]!.categoryId > SCALES.classes + SCALES.context!;
  const plates: { plate: SceneObject; marks: SceneObject[] }[] = [];
  objects.forEach((o, k) => {
    if (!isPlateAnnotation(o.annotation)) return;
    if (objects.findIndex((p) => p.annotation === o.annotation) === k) plates.push({ plate: o, marks: [] });
    else plates.find((p) => p.plate.annotation === o.annotation)!.marks.push(o);
  });
  const tokens = objects.filter((o) => !isPlateAnnotation(o.annotation) && planned[o.annotation]!.categoryId > SCALES.classes);
  return { plates, tokens, planned };
}

/** Whether the box [x, y, side, side] lies inside `plate`'s shape (its corners and centre do: the outlines are convex). */
function insidePlate(plate: SceneObject, x: number, y: number, side: number): boolean {
  const points = [[x, y], [x + side, y], [x, y + side], [x + side, y + side], [x + side / 2, y + side / 2]];
  return points.every(([px, py]) => {
    const [u, v] = [((px! - plate.x) / plate.w) * 2 - 1, ((py! - plate.y) / plate.h) * 2 - 1];
    return Math.abs(u) <= 1 && Math.abs(v) <= 1 && plate.shape.inside(u, v);
  });
}

describe('the cross-scale task: class rules', () => {
  it('a token\'s class is the outline of the one plate it lies on, and its surroundings do not show that outline', () => {
    let tokens = 0;
    for (const image of images) {
      const scene = platesOf(image);
      for (const token of scene.tokens) {
        tokens++;
        const under = scene.plates.filter(({ plate }) => insidePlate(plate, token.x, token.y, token.w));
        expect(under).toHaveLength(1);
        const outline = PLATE_OUTLINES.indexOf(under[0]!.plate.shape);
        expect(scene.planned[token.annotation]!.categoryId).toBe(SCALES.classes + outline + 1);
        expect(token.shape.name).toBe('diamond'); // one shape for every token class: only the plate tells them apart
        // A window three times the token's side around it lies wholly on the plate: no outline in sight there.
        expect(insidePlate(under[0]!.plate, token.x - token.w, token.y - token.w, 3 * token.w)).toBe(true);
      }
    }
    expect(tokens).toBeGreaterThan(300);
  });

  it('a plate\'s class is the kind of its marks: at least three, all of that kind, smaller than the finest stride', () => {
    let plates = 0;
    for (const image of images) {
      for (const { plate, marks } of platesOf(image).plates) {
        const category = image.plan.planned[plate.annotation]!.categoryId;
        plates++;
        expect(marks.length).toBeGreaterThanOrEqual(3);
        for (const mark of marks) {
          expect(mark.shape).toBe(MARKS[category - SCALES.classes - SCALES.context! - 1]);
          expect([mark.w, mark.h]).toEqual([5, 5]); // below P3's stride of 8: only the finest features see its kind
          expect(insidePlate(plate, mark.x, mark.y, mark.w)).toBe(true);
        }
      }
    }
    expect(plates).toBeGreaterThan(150);
  });

  it('no class leaks through another cue: every outline meets every mark kind, every token class every plate class', () => {
    const outlineByMark = new Set<string>();
    const tokenByPlate = new Set<string>();
    for (const image of images) {
      const scene = platesOf(image);
      for (const { plate } of scene.plates) outlineByMark.add(`${plate.shape.name} ${scene.planned[plate.annotation]!.categoryId}`);
      for (const token of scene.tokens) {
        const { plate } = scene.plates.find(({ plate }) => insidePlate(plate, token.x, token.y, token.w))!;
        tokenByPlate.add(`${scene.planned[token.annotation]!.categoryId} ${scene.planned[plate.annotation]!.categoryId}`);
      }
    }
    expect(outlineByMark.size).toBe(3 * 3);
    expect(tokenByPlate.size).toBe(3 * 3);
  });

  it('shapes keep off the plates: what lies on a plate is a token or a mark, and no shape is a fragment around one', () => {
    let shapes = 0;
    for (const image of images) {
      const { plates } = platesOf(image);
      const { objects, planned } = image.plan;
      for (const shape of objects.filter((o) => planned[o.annotation]!.categoryId <= SCALES.classes && !planned[o.annotation]!.scenery)) {
        shapes++;
        for (const { plate } of plates) {
          const apart = shape.x + shape.w <= plate.x || plate.x + plate.w <= shape.x || shape.y + shape.h <= plate.y || plate.y + plate.h <= shape.y;
          expect(apart).toBe(true);
        }
      }
    }
    expect(shapes).toBeGreaterThan(200);
    expect(SHAPES.slice(0, SCALES.classes).map((s) => s.name)).toEqual(['disc', 'ring']);
  });
});

/** Each non-crowd box of `images` as [x1, y1, x2, y2], with its COCO area. */
function boxesOf(all: SynthImage[]) {
  const boxes: number[] = [];
  const areas: number[] = [];
  for (const image of all) {
    for (const a of image.annotations) {
      if (a.iscrowd) continue;
      const [x, y, w, h] = a.bbox;
      boxes.push(x, y, x + w, y + h);
      areas.push(a.area);
    }
  }
  return { boxes: new Float32Array(boxes), areas };
}

/** Per level of `detector`, the boxes whose best anchor (the one a forced match picks) lies on it; and how many
 * boxes have an anchor at IoU ≥ 0.5 somewhere. */
function bestLevels(detector: Parameters<typeof headLayout>[0], boxes: Float32Array) {
  const layout = headLayout(detector);
  const anchors = anchorsFor(layout).boxes;
  const perLevel = new Map(layout.levels.map((l) => [l.level, 0]));
  let matched = 0;
  for (let g = 0; g < boxes.length / 4; g++) {
    let [best, bestIou] = [0, -1];
    for (let n = 0; n < layout.anchorCount; n++) {
      const overlap = iou(anchors, n, boxes, g);
      if (overlap > bestIou) [best, bestIou] = [n, overlap];
    }
    if (bestIou >= 0.5) matched++;
    const level = layout.levels.find((l) => best >= l.anchorOffset && best < l.anchorOffset + l.anchorCount)!.level;
    perLevel.set(level, perLevel.get(level)! + 1);
  }
  return { perLevel: Object.fromEntries(perLevel), matched: matched / (boxes.length / 4) };
}

const bucketShares = (areas: number[]) => {
  const share = (test: (a: number) => boolean) => areas.filter(test).length / areas.length;
  return { small: share((a) => a < 32 ** 2), medium: share((a) => a >= 32 ** 2 && a < 96 ** 2), large: share((a) => a >= 96 ** 2) };
};

describe('the cross-scale task: sizes', () => {
  it('puts boxes on every level of examples/scales.fpn\'s anchors, P3 to P7, and in every COCO size bucket', () => {
    const { boxes, areas } = boxesOf(images);
    const detector = loadExample('scales').trains.find((t) => t.name === 'scales')!.detector;
    const { perLevel, matched } = bestLevels(detector, boxes);
    const count = areas.length;
    expect(count).toBeGreaterThan(1000);
    for (const level of [3, 4, 5, 6, 7]) expect(perLevel[level]! / count, `P${level}`).toBeGreaterThan(0.015);
    expect(matched).toBeGreaterThan(0.5);
    const buckets = bucketShares(areas);
    expect(buckets.small).toBeGreaterThan(0.4);
    expect(buckets.medium).toBeGreaterThan(0.2);
    expect(buckets.large).toBeGreaterThan(0.015);
  });

  it('where the default task, at the proxy recipe\'s anchors, has nothing for P7 and no large box', () => {
    const { boxes, areas } = boxesOf(renderAll({ ...DEFAULT_SYNTH, images: 100, size: 128, classes: 8, seed: 1 }));
    const { perLevel } = bestLevels(loadExample('proxy').trains[0]!.detector, boxes);
    expect(perLevel[7]).toBe(0);
    expect(bucketShares(areas).large).toBe(0);
  });
});
