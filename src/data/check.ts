// `nasfpn data check`: every problem of a dataset at once, with counts. The annotation file's structure
// (src/coco/read.ts: duplicate image ids, unknown category ids, malformed entries), the images' fields, each
// box against its image, and each image file: it exists, decodes completely, and has the size its entry says.
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { availableParallelism } from 'node:os';
import { datasetFromGroundTruth, imagePath, readGroundTruth, type DataProblem, type DataProblemCode, type DatasetOptions, type DatasetSource } from './dataset.js';
import { decodeImage, ImageError } from './image.js';

export interface CheckReport {
  readonly source: DatasetSource;
  /** Images and annotations in the file; null when the file itself could not be read. */
  readonly images: number | null;
  readonly annotations: number | null;
  readonly problems: readonly DataProblem[];
  /** Problems per code, in the order codes first occur. */
  readonly counts: Readonly<Partial<Record<DataProblemCode, number>>>;
  readonly errors: number;
  readonly warnings: number;
}

export interface CheckOptions extends DatasetOptions {
  /** Decode every image (finds truncated files); false only checks that the files exist. Default true. */
  readonly decode?: boolean;
  /** Called after each image file is checked. */
  readonly onImage?: (done: number, total: number) => void;
}

export async function checkDataset(source: DatasetSource, options: CheckOptions = {}): Promise<CheckReport> {
  let problems: DataProblem[] = [];
  let images: number | null = null;
  let annotations: number | null = null;
  const gt = await readGroundTruth(source);
  if (Array.isArray(gt)) {
    problems = gt;
  } else {
    // The class map does not matter for checking; contiguous always fits.
    const { dataset, errors } = datasetFromGroundTruth(source, gt, undefined, options);
    // concat, not a spread: a broken annotation file can have more problems than a call takes arguments.
    problems = problems.concat(errors, dataset.warnings);
    images = dataset.images.length;
    annotations = gt.annotations.count;
    // Files outside the dataset folder are reported above and not opened (unless allowed).
    const usable = dataset.images.filter((image, i) => gt.images.fileNames[i] && image.width > 0 && image.height > 0 &&
      (options.allowOutside || !imagePath(source.images, gt.images.fileNames[i]!).outside));
    problems = problems.concat(await checkImageFiles(source, usable, options));
  }
  const counts: Partial<Record<DataProblemCode, number>> = {};
  for (const p of problems) counts[p.code] = (counts[p.code] ?? 0) + 1;
  const errors = problems.filter((p) => p.severity === 'error').length;
  return { source, images, annotations, problems, counts, errors, warnings: problems.length - errors };
}

async function checkImageFiles(
  source: DatasetSource,
  images: readonly { id: number; file: string; width: number; height: number }[],
  options: CheckOptions,
): Promise<DataProblem[]> {
  const problems: DataProblem[] = [];
  const decode = options.decode ?? true;
  let next = 0;
  let done = 0;
  const checkOne = async (image: (typeof images)[number]) => {
    const entry = `image ${image.id}`;
    const error = (code: DataProblemCode, message: string) => problems.push({ severity: 'error', code, file: image.file, entry, message });
    if (!existsSync(image.file)) return error('missing-image', `image file not found (listed in ${basename(source.annotations)})`);
    if (!decode) return;
    try {
      const decoded = await decodeImage(image.file);
      if (decoded.width !== image.width || decoded.height !== image.height) {
        error('image-size', `decodes to ${decoded.width}×${decoded.height} (EXIF orientation applied), but its entry says ${image.width}×${image.height}`);
      }
    } catch (e) {
      if (!(e instanceof ImageError)) throw e;
      error('bad-image', e.reason);
    }
  };
  // A few decodes in flight keep libvips' threads busy; more would only hold more pixels in memory.
  const workers = Array.from({ length: Math.max(2, availableParallelism()) }, async () => {
    while (next < images.length) {
      const image = images[next++]!;
      await checkOne(image);
      options.onImage?.(++done, images.length);
    }
  });
  await Promise.all(workers);
  // Workers finish out of order; report in file order.
  const order = new Map(images.map((image, i) => [image.file, i]));
  return problems.sort((a, b) => order.get(a.file)! - order.get(b.file)!);
}
