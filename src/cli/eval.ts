// `nasfpn eval --gt instances.json --pred detections.json`: COCO bbox metrics, pycocotools' COCOeval numbers.
// Prints the 12 standard numbers in pycocotools' layout and a per-category table (or JSON with --json), writes
// them with -o, and precision–recall curves with --plot. Everything is computed before anything is written, and
// every file is written atomically, so bad input leaves nothing behind.
//
// The inputs are gathered by `loadInputs` and the evaluation reported by `report`: another way to name the
// inputs (a training run's predictions) only needs another loader.
import type { Command } from 'commander';
import { join } from 'node:path';
import type { CocoDetections, CocoGroundTruth } from '../coco/types.js';
import type { AreaRange, CocoEvalParamsInput } from '../eval/params.js';
import type { CocoEvaluation } from '../eval/evaluator.js';
import { writeFileAtomic } from '../runtime/atomic.js';
import { InputError, UsageError } from './errors.js';
import { displayPath } from './report.js';

const IOU_TYPES = ['bbox'] as const;

interface EvalOptions {
  data?: string;
  images?: string;
  backend?: string;
  allowOutsideImages?: boolean;
  gt?: string;
  pred?: string;
  iouType: string;
  json?: boolean;
  output?: string;
  maxDets?: string;
  areaRanges?: string;
  catIds?: string;
  imgIds?: string;
  plot?: string;
  png?: boolean;
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('COCO detection metrics (pycocotools\' COCOeval, bbox) of a detection results file against a ground truth, or of a training run on a dataset\'s val split')
    .argument('[run]', 'a training run folder (or one of its checkpoints): predict the val split of --data and evaluate that')
    .option('--data <dir>', 'with RUN: the dataset folder (default: the one its recipe trained on)')
    .option('--images <n>', 'with RUN: evaluate the first n val images only')
    .option('--backend <name>', 'with RUN: TF.js backend (default: the fastest available)')
    .option('--allow-outside-images', 'with RUN: read images whose file_name leads out of the dataset folder (../…, an absolute path); refused by default')
    .option('--gt <file>', 'ground truth: a COCO instances_*.json file')
    .option('--pred <file>', 'detections: a COCO results file [{image_id, category_id, bbox, score}]')
    .option('--iou-type <type>', 'bbox (the only type for now)', 'bbox')
    .option('--json', 'print one JSON object (AP, AP50, …, ARl, perCategory) instead of tables')
    .option('-o, --output <file>', 'also write that JSON object to this file')
    .option('--max-dets <list>', 'three detection limits per image, as pycocotools\' maxDets (default 1,10,100)')
    .option('--area-ranges <list>', 'label=min:max,… in px² (default all=0:1e10,small=0:1024,medium=1024:9216,large=9216:1e10)')
    .option('--cat-ids <list>', 'evaluate these category ids only (comma-separated)')
    .option('--img-ids <list>', 'evaluate these image ids only (comma-separated)')
    .option('--plot <dir>', 'write precision–recall curves (overall and per category) into this directory')
    .option('--png', 'with --plot: PNG (rendered with resvg) instead of SVG')
    .action(async (run: string | undefined, options: EvalOptions) => {
      const params = parseParams(options);
      if (options.png && options.plot === undefined) throw new UsageError('--png goes with --plot DIR');
      if (run !== undefined) {
        if (options.gt !== undefined || options.pred !== undefined) throw new UsageError('give a RUN (with --data) or --gt and --pred, not both');
        const { evaluation, gt } = await evaluateRun(run, options, params);
        await report(evaluation, gt, options);
        return;
      }
      if (options.data !== undefined || options.images !== undefined) throw new UsageError('--data and --images go with a RUN');
      const { gt, dt } = await loadInputs(options);
      const { evaluateDetections } = await import('../eval/evaluator.js');
      const { makeParams } = await import('../eval/params.js');
      let evaluation: CocoEvaluation;
      try {
        evaluation = evaluateDetections(gt, dt, makeParams(gt, params));
      } catch (error) {
        // makeParams and loadRes's image check: the values given do not fit these files.
        if (error instanceof RangeError) throw new InputError(`${displayPath(dt.path)}: ${error.message}`);
        throw error;
      }
      await report(evaluation, gt, options);
    });
}

/** A training run's model on the val split of a dataset folder: predicted here, then evaluated. */
async function evaluateRun(run: string, options: EvalOptions, params: CocoEvalParamsInput): Promise<{ evaluation: CocoEvaluation; gt: CocoGroundTruth }> {
  let limit: number | null = null;
  if (options.images !== undefined) {
    limit = Number(options.images);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--images must be a whole number of at least 1, not '${options.images}'`);
  }
  if (Object.keys(params).length) throw new UsageError('--max-dets, --area-ranges, --cat-ids and --img-ids go with --gt/--pred (a RUN is evaluated with the defaults)');
  const { initBackend } = await import('../runtime/backend.js');
  await initBackend(options.backend);
  const tf = await import('@tensorflow/tfjs');
  const [{ openSavedRun }, { evaluateOn, loadEvaluationSet }] = await Promise.all([import('./saved-run.js'), import('../predict/evaluate.js')]);
  const saved = await openSavedRun(tf, run);
  const dataDir = options.data ?? saved.recipe.data.path;
  const set = await loadEvaluationSet(saved.recipe.detector, dataDir, { allowOutside: options.allowOutsideImages === true }).catch((error: unknown) => {
    throw new InputError(`${displayPath(dataDir)}: ${error instanceof Error ? error.message : String(error)}`);
  });
  process.stderr.write(`evaluating ${displayPath(saved.checkpoint)} (step ${saved.step}) on ${limit ?? set.dataset.images.length} images of ${displayPath(set.dataset.source.annotations)}\n`);
  const evaluation = await evaluateOn(tf, saved.model, saved.recipe.detector, set, limit);
  saved.model.dispose();
  return { evaluation, gt: set.groundTruth };
}

/** The ground truth and detections named by --gt and --pred, read and checked (a bad file is an InputError). */
async function loadInputs(options: EvalOptions): Promise<{ gt: CocoGroundTruth; dt: CocoDetections }> {
  if (options.gt === undefined || options.pred === undefined) throw new UsageError('eval needs --gt FILE and --pred FILE');
  const { CocoFileError, readCocoDetections, readCocoGroundTruth } = await import('../coco/read.js');
  try {
    const gt = await readCocoGroundTruth(options.gt);
    const dt = await readCocoDetections(options.pred, gt);
    return { gt, dt };
  } catch (error) {
    if (error instanceof CocoFileError) throw new InputError(error.message);
    throw error;
  }
}

/** Prints (and writes) the evaluation; files are all rendered first, then written one by one atomically. */
async function report(evaluation: CocoEvaluation, gt: CocoGroundTruth, options: EvalOptions): Promise<void> {
  const { formatCategoryTable, formatSummary } = await import('../eval/summary.js');
  const json = JSON.stringify({ ...evaluation.summary, perCategory: evaluation.perCategory }, null, 2) + '\n';
  const files: { path: string; data: string | Uint8Array }[] = [];
  if (options.output !== undefined) files.push({ path: options.output, data: json });
  if (options.plot !== undefined) {
    const { precisionRecallDrawings } = await import('../eval/plot.js');
    const names = new Map<number, string>();
    gt.categories.ids.forEach((id, i) => names.set(id, gt.categories.names[i]));
    const drawings = precisionRecallDrawings(evaluation.result, names);
    const { renderPng } = options.png ? await import('../viz/png.js') : { renderPng: undefined };
    for (const drawing of drawings) {
      files.push(renderPng
        ? { path: join(options.plot, `${drawing.name}.png`), data: await renderPng(drawing.svg) }
        : { path: join(options.plot, `${drawing.name}.svg`), data: drawing.svg });
    }
  }
  if (options.json) {
    process.stdout.write(json);
  } else {
    const tableRows = evaluation.perCategory;
    process.stdout.write(formatSummary(evaluation.result, evaluation.summary) + (tableRows.length ? `\n${formatCategoryTable(tableRows)}` : ''));
  }
  for (const file of files) writeFileAtomic(file.path, file.data);
  if (options.plot !== undefined && !options.json) {
    process.stderr.write(`wrote ${files.length - (options.output === undefined ? 0 : 1)} precision–recall curves to ${displayPath(options.plot)}\n`);
  }
}

// ---------------------------------------------------------------------------------------------------
// Options

function parseParams(options: EvalOptions): CocoEvalParamsInput {
  if (!(IOU_TYPES as readonly string[]).includes(options.iouType)) {
    throw new UsageError(`--iou-type must be one of ${IOU_TYPES.join(', ')}, not '${options.iouType}' (segm and keypoints are not supported)`);
  }
  const params: CocoEvalParamsInput = {};
  if (options.maxDets !== undefined) {
    const maxDets = idList(options.maxDets, '--max-dets');
    if (maxDets.length !== 3 || maxDets.some((m) => m <= 0) || new Set(maxDets).size !== 3) {
      throw new UsageError(`--max-dets takes three different positive integers, as pycocotools' summary reads maxDets[0..2] (got '${options.maxDets}')`);
    }
    params.maxDets = maxDets;
  }
  if (options.areaRanges !== undefined) params.areaRanges = areaRanges(options.areaRanges);
  if (options.catIds !== undefined) params.catIds = idList(options.catIds, '--cat-ids');
  if (options.imgIds !== undefined) params.imgIds = idList(options.imgIds, '--img-ids');
  return params;
}

function idList(text: string, option: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const ids = parts.map(Number);
  const bad = parts.find((s, i) => s === '' || !Number.isSafeInteger(ids[i]));
  if (bad !== undefined) throw new UsageError(`${option} takes comma-separated integers, not '${text}'`);
  return ids;
}

function areaRanges(text: string): AreaRange[] {
  const ranges = text.split(',').map((part) => {
    const match = /^\s*([A-Za-z][\w-]*)\s*=\s*([^:]+):(.+)$/.exec(part);
    const min = match ? Number(match[2]) : NaN;
    const max = match ? Number(match[3]) : NaN;
    if (!match || !Number.isFinite(min) || !Number.isFinite(max) || min > max) {
      throw new UsageError(`--area-ranges takes label=min:max,… with min ≤ max in px² (e.g. small=0:1024), not '${part}'`);
    }
    return { label: match[1], min, max };
  });
  if (new Set(ranges.map((r) => r.label)).size !== ranges.length) throw new UsageError('--area-ranges: a label is repeated');
  return ranges;
}
