// Seeded random COCO ground truth and detections, for the differential tests against pycocotools and the
// benchmark: boxes of all sizes (log-uniform sides, so small, medium and large areas all occur), some crowd
// GT, detections that are jittered GT (right or wrong class) or pure noise, and scores rounded to 3 decimals so
// that ties occur and the stable-sort rules are exercised.
import type { CocoDetections, CocoGroundTruth } from '../coco/types.js';
import { Random } from '../util/random.js';

export interface SyntheticSpec {
  seed: number;
  images: number;
  categories: number;
  /** Mean GT per image (uniform in [0, 2·mean]). */
  gtPerImage: number;
  /** Detections per image (exactly). */
  detectionsPerImage: number;
}

// Image size of the synthetic images (COCO's typical 640 × 480).
const IMAGE_WIDTH = 640;
const IMAGE_HEIGHT = 480;
// Box sides are log-uniform in [MIN_SIDE, MAX_SIDE] pixels: areas from 16 to ~200,000, across all three ranges.
const MIN_SIDE = 4;
const MAX_SIDE = 450;
const CROWD_PROBABILITY = 0.02;
/** Detections that are a jittered GT (the rest are random boxes). */
const JITTERED_FRACTION = 0.6;

const round2 = (x: number) => Math.round(x * 100) / 100;

function randomBox(random: Random): [number, number, number, number] {
  const side = () => Math.exp(random.uniform(Math.log(MIN_SIDE), Math.log(MAX_SIDE)));
  const w = Math.min(side(), IMAGE_WIDTH);
  const h = Math.min(side(), IMAGE_HEIGHT);
  return [round2(random.uniform(0, IMAGE_WIDTH - w)), round2(random.uniform(0, IMAGE_HEIGHT - h)), round2(w), round2(h)];
}

export function syntheticCoco(spec: SyntheticSpec): { gt: CocoGroundTruth; dt: CocoDetections } {
  const random = Random.seeded(spec.seed);
  const gtRandom = random.fork('gt');
  const dtRandom = random.fork('dt');
  // Category ids with gaps, as COCO's 80 categories have ids up to 90.
  const categoryIds = Int32Array.from({ length: spec.categories }, (_, i) => i + 1 + Math.floor(i / 8));
  const categoryList = Array.from(categoryIds);
  const imageIds = Float64Array.from({ length: spec.images }, (_, i) => 1000 + 3 * i);

  const ann = { ids: [] as number[], imageIds: [] as number[], categoryIds: [] as number[], bboxes: [] as number[], areas: [] as number[], iscrowd: [] as number[] };
  const perImage: number[][] = [];
  for (let i = 0; i < spec.images; i++) {
    const rows: number[] = [];
    const count = gtRandom.int(2 * spec.gtPerImage + 1);
    for (let j = 0; j < count; j++) {
      const box = randomBox(gtRandom);
      rows.push(ann.ids.length);
      ann.ids.push(ann.ids.length + 1);
      ann.imageIds.push(imageIds[i]);
      ann.categoryIds.push(gtRandom.pick(categoryList));
      ann.bboxes.push(...box);
      // A segmentation's area is below its box's.
      ann.areas.push(round2(box[2] * box[3] * gtRandom.uniform(0.5, 1)));
      ann.iscrowd.push(gtRandom.bernoulli(CROWD_PROBABILITY) ? 1 : 0);
    }
    perImage.push(rows);
  }
  const gt: CocoGroundTruth = {
    path: `synthetic-${spec.seed}-gt`,
    images: {
      ids: imageIds,
      widths: new Int32Array(spec.images).fill(IMAGE_WIDTH),
      heights: new Int32Array(spec.images).fill(IMAGE_HEIGHT),
      fileNames: Array.from(imageIds, (id) => `${id}.jpg`),
    },
    annotations: {
      count: ann.ids.length,
      ids: Float64Array.from(ann.ids),
      imageIds: Float64Array.from(ann.imageIds),
      categoryIds: Int32Array.from(ann.categoryIds),
      bboxes: Float64Array.from(ann.bboxes),
      areas: Float64Array.from(ann.areas),
      iscrowd: Uint8Array.from(ann.iscrowd),
      ignore: new Uint8Array(ann.ids.length),
    },
    categories: {
      ids: categoryIds,
      names: Array.from(categoryIds, (id) => `class${id}`),
      supercategories: Array.from(categoryIds, () => 'thing'),
    },
  };

  const count = spec.images * spec.detectionsPerImage;
  const dt = {
    path: `synthetic-${spec.seed}-dt`,
    count,
    imageIds: new Float64Array(count),
    categoryIds: new Int32Array(count),
    bboxes: new Float64Array(4 * count),
    scores: new Float64Array(count),
  };
  let n = 0;
  for (let i = 0; i < spec.images; i++) {
    for (let j = 0; j < spec.detectionsPerImage; j++, n++) {
      dt.imageIds[n] = imageIds[i];
      const rows = perImage[i];
      if (rows.length > 0 && dtRandom.bernoulli(JITTERED_FRACTION)) {
        const row = dtRandom.pick(rows);
        const jitter = () => dtRandom.normal(0, 0.1);
        const [x, y, w, h] = [0, 1, 2, 3].map((c) => gt.annotations.bboxes[4 * row + c]);
        dt.bboxes.set([round2(x + w * jitter()), round2(y + h * jitter()), round2(Math.max(1, w * (1 + jitter()))), round2(Math.max(1, h * (1 + jitter())))], 4 * n);
        dt.categoryIds[n] = dtRandom.bernoulli(0.8) ? gt.annotations.categoryIds[row] : dtRandom.pick(categoryList);
      } else {
        dt.bboxes.set(randomBox(dtRandom), 4 * n);
        dt.categoryIds[n] = dtRandom.pick(categoryList);
      }
      dt.scores[n] = Math.round(dtRandom.float() * 1000) / 1000;
    }
  }
  return { gt, dt };
}

/** The ground truth as an instances JSON file. */
export function groundTruthJson(gt: CocoGroundTruth): string {
  const a = gt.annotations;
  const images = Array.from(gt.images.ids, (id, i) => ({ id, width: gt.images.widths[i], height: gt.images.heights[i], file_name: gt.images.fileNames[i] }));
  const annotations = Array.from({ length: a.count }, (_, i) => ({
    id: a.ids[i], image_id: a.imageIds[i], category_id: a.categoryIds[i],
    bbox: Array.from(a.bboxes.subarray(4 * i, 4 * i + 4)), area: a.areas[i], iscrowd: a.iscrowd[i],
  }));
  const categories = Array.from(gt.categories.ids, (id, i) => ({ id, name: gt.categories.names[i], supercategory: gt.categories.supercategories[i] }));
  return JSON.stringify({ images, annotations, categories });
}

/** The detections as a results JSON file, one detection per line. */
export function detectionsJson(dt: CocoDetections): string {
  const lines: string[] = [];
  for (let i = 0; i < dt.count; i++) {
    lines.push(JSON.stringify({ image_id: dt.imageIds[i], category_id: dt.categoryIds[i], bbox: Array.from(dt.bboxes.subarray(4 * i, 4 * i + 4)), score: dt.scores[i] }));
  }
  return `[\n${lines.join(',\n')}\n]\n`;
}
