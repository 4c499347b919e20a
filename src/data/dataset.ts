// A COCO dataset in memory: which images, where their files are, and their ground truth as compact typed
// arrays (one packed array per field for the whole file; each image holds views into them). Images are not
// decoded here; the batch iterator decodes them on demand, so memory does not grow with the pixels.
//
// The annotation file's structure is validated by src/coco/read.ts (every problem by file and JSON path). What a
// problem means for training is judged here: boxes with no area, a negative size or outside their image are
// skipped with a counted warning (the reference removes empty boxes, §9.2); boxes that stick out of the image
// are clipped to it; images without a size or a file name are errors.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { CocoFileError, readCocoGroundTruth } from '../coco/read.js';
import type { CocoCategories, CocoGroundTruth } from '../coco/types.js';
import { channelLookup, classMapFor } from './classmap.js';
import type { ClassMapSpec, ImageAnnotations } from './types.js';

/** Where a dataset's annotation file and image folder are. */
export interface DatasetSource {
  /** The split's name: `train` for instances_train.json (or instances_train2017.json → `train2017`). */
  readonly split: string;
  readonly annotations: string;
  readonly images: string;
}

/** One problem found in a dataset: its file, the entry in it (a JSON path, possibly with the COCO id), what. */
export interface DataProblem {
  readonly severity: 'error' | 'warning';
  readonly code: DataProblemCode;
  readonly file: string;
  readonly entry: string;
  readonly message: string;
}

export type DataProblemCode =
  | 'annotation-file' // the instances file is missing, not JSON, or structurally wrong (src/coco/read.ts)
  | 'image-fields' // an image entry without width, height or file_name
  | 'image-outside' // a file_name that leads out of the image folder (../…, or an absolute path)
  | 'missing-image' // the image file does not exist
  | 'bad-image' // the image file cannot be decoded (truncated, not an image)
  | 'image-size' // the decoded size differs from the entry's width and height
  | 'bbox-empty' // width or height ≤ 0: skipped
  | 'bbox-outside' // no part of the box inside the image: skipped
  | 'bbox-clipped'; // part of the box outside the image (by more than EDGE_TOLERANCE): clipped

/** How a dataset is read. */
export interface DatasetOptions {
  /**
   * Read images whose file_name leads out of the image folder (`../…`, or an absolute path). Off by default: an
   * annotation file from elsewhere must not make a command read arbitrary files.
   */
  readonly allowOutside?: boolean;
}

/**
 * An image entry's file: its file_name resolved against the image folder (an absolute file_name stays as it is),
 * and whether that leads out of the folder. One rule for every name, checked on the path's text: a symbolic
 * link inside the folder that points elsewhere is the folder owner's choice and is followed.
 */
export function imagePath(imagesDir: string, fileName: string): { file: string; outside: boolean } {
  const file = resolve(imagesDir, fileName);
  const inside = relative(imagesDir, file);
  return { file, outside: inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside) };
}

/** How far a box may stick out of its image, in pixels, before it is reported (COCO's own boxes do, by fractions). */
const EDGE_TOLERANCE = 1;

/** One image of a dataset. */
export interface DatasetImage {
  readonly id: number;
  /** The image file's absolute path. */
  readonly file: string;
  readonly width: number;
  readonly height: number;
  /** Boxes as [x1, y1, x2, y2] in original pixels (clipped to the image), classes as head channels. */
  readonly annotations: ImageAnnotations;
}

export interface Dataset {
  readonly source: DatasetSource;
  readonly images: readonly DatasetImage[];
  readonly categories: CocoCategories;
  readonly classMap: ClassMapSpec;
  /** Problems that did not stop loading (skipped and clipped boxes). */
  readonly warnings: readonly DataProblem[];
}

/** A dataset that cannot be loaded: every error found (the message lists them). */
export class DatasetError extends Error {
  constructor(readonly problems: readonly DataProblem[]) {
    super(formatProblems(problems, 20));
  }
}

/** Problems as lines `file: entry: message`, at most `limit` of them, then a count of the rest. */
export function formatProblems(problems: readonly DataProblem[], limit: number): string {
  const lines = problems.slice(0, limit).map((p) => `${p.file}: ${p.entry ? `${p.entry}: ` : ''}${p.message}`);
  if (problems.length > limit) lines.push(`… and ${problems.length - limit} more`);
  return lines.join('\n');
}

/**
 * The splits of a COCO folder: each `annotations/instances_<split>.json` with its image folder, the first of
 * `DIR/<split>`, `DIR/images/<split>`, `DIR/images`, `DIR` that exists (COCO 2017 unpacks as
 * annotations/instances_val2017.json beside val2017/).
 */
export function findSplits(dir: string): DatasetSource[] {
  const annotationsDir = join(dir, 'annotations');
  if (!existsSync(annotationsDir) || !statSync(annotationsDir).isDirectory()) return [];
  return readdirSync(annotationsDir)
    .filter((f) => /^instances_.+\.json$/.test(f))
    .sort()
    .map((f) => {
      const split = f.slice('instances_'.length, -'.json'.length);
      const candidates = [join(dir, split), join(dir, 'images', split), join(dir, 'images'), dir];
      const images = candidates.find((c) => existsSync(c) && statSync(c).isDirectory())!;
      return { split, annotations: resolve(annotationsDir, f), images: resolve(images) };
    });
}

/** A source from `--annotations FILE --images DIR`. */
export function explicitSource(annotations: string, images: string): DatasetSource {
  const name = basename(annotations).replace(/\.json$/, '');
  return { split: name.startsWith('instances_') ? name.slice('instances_'.length) : name, annotations: resolve(annotations), images: resolve(images) };
}

/** Reads the annotation file, turning its structural problems into `DataProblem`s. */
export async function readGroundTruth(source: DatasetSource): Promise<CocoGroundTruth | DataProblem[]> {
  try {
    return await readCocoGroundTruth(source.annotations);
  } catch (error) {
    if (!(error instanceof CocoFileError)) throw error;
    return error.issues.map((issue) => ({ severity: 'error', code: 'annotation-file', file: issue.file, entry: issue.jsonPath, message: issue.message }));
  }
}

/** The ground truth as dataset images (no file access), with the problems found on the way. */
export function datasetFromGroundTruth(
  source: DatasetSource, gt: CocoGroundTruth, numClasses?: number, options: DatasetOptions = {},
): { dataset: Dataset; errors: DataProblem[] } {
  const file = source.annotations;
  const errors: DataProblem[] = [];
  const warnings: DataProblem[] = [];
  const classMap = classMapFor(gt.categories.ids, numClasses);
  const channelOf = channelLookup(classMap);
  const { images, annotations } = gt;

  const imageIndex = new Map<number, number>();
  for (let i = 0; i < images.ids.length; i++) {
    imageIndex.set(images.ids[i]!, i);
    const missing = [images.widths[i]! > 0 ? '' : 'width', images.heights[i]! > 0 ? '' : 'height', images.fileNames[i] ? '' : 'file_name'].filter(Boolean);
    const entry = `images[${i}] (id ${images.ids[i]})`;
    if (missing.length) errors.push({ severity: 'error', code: 'image-fields', file, entry, message: `needs ${missing.join(', ')} to be used for training` });
    const name = images.fileNames[i];
    if (name && !options.allowOutside && imagePath(source.images, name).outside) {
      errors.push({
        severity: 'error', code: 'image-outside', file, entry,
        message: `file_name ${JSON.stringify(name)} leads out of the image folder; such paths are refused unless allowed (--allow-outside-images)`,
      });
    }
  }

  // Count the kept boxes per image first, so each image's annotations are views into one packed array.
  const keep = new Uint8Array(annotations.count);
  const clipped = new Float64Array(annotations.count * 4);
  const perImage = new Int32Array(images.ids.length);
  for (let a = 0; a < annotations.count; a++) {
    const i = imageIndex.get(annotations.imageIds[a]!)!; // read.ts guarantees the image exists
    const [x, y, w, h] = annotations.bboxes.subarray(4 * a, 4 * a + 4) as unknown as [number, number, number, number];
    const W = images.widths[i]!;
    const H = images.heights[i]!;
    const entry = `annotations[${a}] (id ${annotations.ids[a]}, image ${annotations.imageIds[a]})`;
    const warn = (code: DataProblemCode, message: string) => warnings.push({ severity: 'warning', code, file, entry, message });
    if (!(w > 0 && h > 0)) {
      warn('bbox-empty', `bbox [${x}, ${y}, ${w}, ${h}] has ${w < 0 || h < 0 ? 'a negative' : 'no'} ${w <= 0 ? 'width' : 'height'}: skipped`);
      continue;
    }
    const x1 = Math.max(0, x);
    const y1 = Math.max(0, y);
    const x2 = W > 0 ? Math.min(W, x + w) : x + w;
    const y2 = H > 0 ? Math.min(H, y + h) : y + h;
    if (!(x2 > x1 && y2 > y1)) {
      warn('bbox-outside', `bbox [${x}, ${y}, ${w}, ${h}] lies outside the ${W}×${H} image: skipped`);
      continue;
    }
    if (x < -EDGE_TOLERANCE || y < -EDGE_TOLERANCE || x + w > W + EDGE_TOLERANCE || y + h > H + EDGE_TOLERANCE) {
      warn('bbox-clipped', `bbox [${x}, ${y}, ${w}, ${h}] sticks out of the ${W}×${H} image: clipped`);
    }
    clipped.set([x1, y1, x2, y2], 4 * a);
    keep[a] = 1;
    perImage[i]!++;
  }

  // Pack: image i's boxes are rows [start[i], start[i] + perImage[i]).
  const start = new Int32Array(images.ids.length + 1);
  for (let i = 0; i < perImage.length; i++) start[i + 1] = start[i]! + perImage[i]!;
  const total = start[perImage.length]!;
  const boxes = new Float32Array(total * 4);
  const classes = new Int32Array(total);
  const crowd = new Uint8Array(total);
  const fill = start.slice(0, perImage.length);
  for (let a = 0; a < annotations.count; a++) {
    if (!keep[a]) continue;
    const i = imageIndex.get(annotations.imageIds[a]!)!;
    const row = fill[i]!++;
    boxes.set(clipped.subarray(4 * a, 4 * a + 4), 4 * row);
    classes[row] = channelOf(annotations.categoryIds[a]!);
    crowd[row] = annotations.iscrowd[a]!;
  }
  const datasetImages: DatasetImage[] = [];
  for (let i = 0; i < images.ids.length; i++) {
    const [s, e] = [start[i]!, start[i + 1]!];
    datasetImages.push({
      id: images.ids[i]!,
      file: imagePath(source.images, images.fileNames[i] ?? '').file,
      width: images.widths[i]!,
      height: images.heights[i]!,
      annotations: { boxes: boxes.subarray(4 * s, 4 * e), classes: classes.subarray(s, e), crowd: crowd.subarray(s, e) },
    });
  }
  return { dataset: { source, images: datasetImages, categories: gt.categories, classMap, warnings }, errors };
}

/** A split read once: its images and annotations, and the COCO ground truth they came from (for scoring). */
export interface LoadedSplit {
  dataset: Dataset;
  groundTruth: CocoGroundTruth;
}

/**
 * Loads a dataset's annotations (not its pixels), reading the file once: throws a `DatasetError` listing every
 * error; warnings come back in `dataset.warnings`. `numClasses` picks the class map (91: raw COCO ids;
 * otherwise contiguous; a count that fits neither is a RangeError saying which one would).
 */
export async function loadSplit(source: DatasetSource, numClasses?: number, options: DatasetOptions = {}): Promise<LoadedSplit> {
  const groundTruth = await readGroundTruth(source);
  if (Array.isArray(groundTruth)) throw new DatasetError(groundTruth);
  const { dataset, errors } = datasetFromGroundTruth(source, groundTruth, numClasses, options);
  if (errors.length) throw new DatasetError(errors);
  return { dataset, groundTruth };
}

/** `loadSplit` for those that need only the dataset. */
export async function loadDataset(source: DatasetSource, numClasses?: number, options: DatasetOptions = {}): Promise<Dataset> {
  return (await loadSplit(source, numClasses, options)).dataset;
}

/** The split of a dataset folder whose name starts with `prefix` (train, val), or an Error naming what is there. */
export function findSplit(dir: string, prefix: 'train' | 'val'): DatasetSource {
  const splits = findSplits(dir);
  const found = splits.find((s) => s.split.startsWith(prefix));
  if (!found) {
    throw new Error(splits.length
      ? `${dir} has no ${prefix} split (it has ${splits.map((s) => s.split).join(', ')})`
      : `${dir} is not a dataset folder: no annotations/instances_*.json (make one with \`nasfpn data synth\`)`);
  }
  return found;
}

/** The train or val split of a dataset folder (as training, evaluation and the proxy reward find it), read once. */
export async function loadSplitOf(dir: string, prefix: 'train' | 'val', numClasses?: number, options: DatasetOptions = {}): Promise<LoadedSplit> {
  return loadSplit(findSplit(dir, prefix), numClasses, options);
}
