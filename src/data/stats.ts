// `nasfpn data stats`: what a dataset asks of a detector. Images, boxes per class, and the box sizes as a
// histogram over the pyramid: each box, at the network's input scale, goes to the anchor (level l, scale i,
// side A·2^l·2^(i/3) with the anchor size A, 4 in [TPU] `anchor.py`) nearest to its size sqrt(w·h) on a log scale.
import { DEFAULT_ANCHOR_SCALES, DEFAULT_ANCHOR_SIZE, DEFAULT_MAX_LEVEL, DEFAULT_MIN_LEVEL } from '../semantics/defaults.js';
import { categoryOfChannel } from './classmap.js';
import type { Dataset } from './dataset.js';

export interface LevelHistogram {
  /** The pyramid level, or 'below' / 'above' for boxes nearest to a scale under P3's smallest or over P7's largest. */
  readonly level: number | 'below' | 'above';
  /** The anchor sides of the level's scales (empty for below/above). */
  readonly anchorSides: readonly number[];
  /** Boxes per scale of the level (one entry for below/above). */
  readonly counts: readonly number[];
  readonly total: number;
}

export interface DatasetStats {
  readonly annotations: string;
  readonly images: number;
  readonly imagesWithoutBoxes: number;
  readonly boxes: number;
  readonly crowdBoxes: number;
  readonly boxesPerImage: { readonly min: number; readonly mean: number; readonly max: number };
  readonly classes: readonly { readonly id: number; readonly name: string; readonly boxes: number; readonly crowd: number }[];
  /** The input side the sizes were measured at (images resized so the long side fits it, as for evaluation). */
  readonly inputSize: number;
  /** The anchor size in strides (a detector's `anchors size`) the levels' anchors were measured with. */
  readonly anchorSize: number;
  /** sqrt(w·h) at the input scale: quantiles of the non-crowd boxes. */
  readonly boxSide: { readonly min: number; readonly median: number; readonly max: number };
  readonly levels: readonly LevelHistogram[];
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export function datasetStats(dataset: Dataset, inputSize: number, anchorSize = DEFAULT_ANCHOR_SIZE): DatasetStats {
  const { categories, classMap } = dataset;
  const perCategory = new Map<number, { boxes: number; crowd: number }>();
  for (const id of categories.ids) perCategory.set(id, { boxes: 0, crowd: 0 });
  const levelCount = DEFAULT_MAX_LEVEL - DEFAULT_MIN_LEVEL + 1;
  const scaleCounts = new Float64Array(levelCount * DEFAULT_ANCHOR_SCALES);
  let below = 0;
  let above = 0;
  const sides: number[] = [];
  let boxes = 0;
  let crowdBoxes = 0;
  let empty = 0;
  let minPerImage = Infinity;
  let maxPerImage = 0;
  for (const image of dataset.images) {
    const { boxes: b, classes, crowd } = image.annotations;
    const n = classes.length;
    boxes += n;
    if (n === 0) empty++;
    minPerImage = Math.min(minPerImage, n);
    maxPerImage = Math.max(maxPerImage, n);
    const scale = inputSize / Math.max(image.width, image.height);
    for (let i = 0; i < n; i++) {
      const counts = perCategory.get(categoryOfChannel(classMap, classes[i]!)!)!;
      counts.boxes++;
      if (crowd[i]) {
        counts.crowd++;
        crowdBoxes++;
        continue; // crowds are never training targets ([TPU] `skip_crowd_during_training`)
      }
      const side = Math.sqrt((b[4 * i + 2]! - b[4 * i]!) * (b[4 * i + 3]! - b[4 * i + 1]!)) * scale;
      sides.push(side);
      const anchor = Math.round(DEFAULT_ANCHOR_SCALES * Math.log2(side / anchorSize)) - DEFAULT_MIN_LEVEL * DEFAULT_ANCHOR_SCALES;
      if (anchor < 0) below++;
      else if (anchor >= scaleCounts.length) above++;
      else scaleCounts[anchor]!++;
    }
  }
  sides.sort((a, b) => a - b);
  const levels: LevelHistogram[] = [{ level: 'below', anchorSides: [], counts: [below], total: below }];
  for (let l = 0; l < levelCount; l++) {
    const counts = Array.from(scaleCounts.subarray(l * DEFAULT_ANCHOR_SCALES, (l + 1) * DEFAULT_ANCHOR_SCALES));
    levels.push({
      level: DEFAULT_MIN_LEVEL + l,
      anchorSides: counts.map((_, i) => round2(anchorSize * 2 ** (DEFAULT_MIN_LEVEL + l) * 2 ** (i / DEFAULT_ANCHOR_SCALES))),
      counts,
      total: counts.reduce((a, b) => a + b, 0),
    });
  }
  levels.push({ level: 'above', anchorSides: [], counts: [above], total: above });
  return {
    annotations: dataset.source.annotations,
    images: dataset.images.length,
    imagesWithoutBoxes: empty,
    boxes,
    crowdBoxes,
    boxesPerImage: { min: dataset.images.length ? minPerImage : 0, mean: round2(boxes / Math.max(1, dataset.images.length)), max: maxPerImage },
    classes: Array.from(categories.ids, (id, i) => ({ id, name: categories.names[i]!, ...perCategory.get(id)! })),
    inputSize,
    anchorSize,
    boxSide: sides.length ? { min: round2(sides[0]!), median: round2(sides[Math.floor(sides.length / 2)]!), max: round2(sides[sides.length - 1]!) } : { min: 0, median: 0, max: 0 },
    levels,
  };
}

/** The stats as text: a summary, the classes, and one histogram row per level. */
export function formatStats(stats: DatasetStats): string {
  const lines = [
    `${stats.annotations}`,
    `  images ${stats.images} (${stats.imagesWithoutBoxes} without boxes), boxes ${stats.boxes} (${stats.crowdBoxes} crowd), ` +
      `per image ${stats.boxesPerImage.min}–${stats.boxesPerImage.max} (mean ${stats.boxesPerImage.mean})`,
    '',
    '  class                          boxes   crowd',
  ];
  const nameWidth = 30;
  for (const c of stats.classes) {
    lines.push(`  ${`${c.id} ${c.name}`.padEnd(nameWidth).slice(0, nameWidth)} ${String(c.boxes).padStart(6)} ${String(c.crowd).padStart(7)}`);
  }
  lines.push('', `  box side sqrt(w·h) at input ${stats.inputSize}: min ${stats.boxSide.min}, median ${stats.boxSide.median}, max ${stats.boxSide.max} px (crowds excluded)`);
  lines.push(`  nearest anchor        boxes   per scale (anchor side px: boxes; anchors of size ${stats.anchorSize})`);
  const totalBoxes = stats.levels.reduce((a, l) => a + l.total, 0) || 1;
  const barWidth = 30;
  for (const level of stats.levels) {
    const name = level.level === 'below' ? 'below P3' : level.level === 'above' ? 'above P7' : `P${level.level}`;
    const bar = '█'.repeat(Math.round((level.total / totalBoxes) * barWidth));
    const scales = level.anchorSides.map((side, i) => `${side}: ${level.counts[i]}`).join(', ');
    lines.push(`  ${name.padEnd(18)} ${String(level.total).padStart(8)}   ${scales.padEnd(44)} ${bar}`);
  }
  return lines.join('\n') + '\n';
}
