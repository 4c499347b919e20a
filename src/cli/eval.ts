// `nasfpn eval --gt instances.json --pred detections.json`: COCO bbox metrics, pycocotools' COCOeval numbers.
// Prints the 12 standard numbers in pycocotools' layout and a per-category table (or JSON with --json), writes
// them with -o, and precision–recall curves with --plot. Everything is computed before anything is written, and
// every file is written atomically, so bad input leaves nothing behind.
//
// The inputs are gathered by `loadInputs` and the evaluation reported by `report`: another way to name the
// inputs (a training run's predictions) only needs another loader. With a RUN, `--exit K` evaluates the model
// that stops after pyramid K, and `--exits` every anytime exit in one pass, with each exit's forward time and
// FLOPs: a table, RUN/exits.json and the trade-off plot RUN/exits.svg.
import type { Command } from 'commander';
import { dirname, join } from 'node:path';
import type { CocoDetections, CocoGroundTruth } from '../coco/types.js';
import type { AreaRange, CocoEvalParamsInput } from '../eval/params.js';
import type { CocoEvaluation } from '../eval/evaluator.js';
import { writeFileAtomic } from '../runtime/atomic.js';
import type { DetectorIR } from '../semantics/ir.js';
import { InputError, UsageError } from './errors.js';
import { parseExit } from './options.js';
import { displayPath } from './report.js';
import { terminalLine, terminalText } from '../util/escape.js';
import { textTable } from '../util/table.js';

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
  exit?: string;
  exits?: boolean;
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
    .option('--exit <k>', 'with RUN: evaluate the model that stops after pyramid k (an anytime exit; default: the last)')
    .option('--exits', 'with RUN: every anytime exit in one pass, with its forward time per image and FLOPs (a table, RUN/exits.json, RUN/exits.svg)')
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
      const exit = parseExit(options.exit);
      if (run !== undefined) {
        if (options.gt !== undefined || options.pred !== undefined) throw new UsageError('give a RUN (with --data) or --gt and --pred, not both');
        if (options.exits) {
          if (exit !== undefined) throw new UsageError('--exit evaluates one exit, --exits all of them; give one');
          if (options.plot !== undefined) throw new UsageError('--exits draws its own plot (RUN/exits.svg); leave out --plot');
          await evaluateExits(run, options, params);
          return;
        }
        const { evaluation, gt } = await evaluateRun(run, options, params, exit);
        await report(evaluation, gt, options);
        return;
      }
      if (options.data !== undefined || options.images !== undefined || exit !== undefined || options.exits) {
        throw new UsageError('--data, --images, --exit and --exits go with a RUN');
      }
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

/** A training run's model (up to `exit`, default the last) on the val split of a dataset folder: predicted here, then evaluated. */
async function evaluateRun(run: string, options: EvalOptions, params: CocoEvalParamsInput, exit: number | undefined): Promise<{ evaluation: CocoEvaluation; gt: CocoGroundTruth }> {
  const { exitOrLast } = await import('./exits.js');
  const { tf, read, set, limit, chosen } = await openRun(run, options, params, (detector) => exitOrLast(detector, exit));
  const detector = read.recipe.detector;
  const [{ openSavedRun }, { evaluateHeads }, { headLayout }] = await Promise.all([
    import('./saved-run.js'), import('../predict/evaluate.js'), import('../targets/layout.js'),
  ]);
  const saved = await openSavedRun(tf, read, { exit: chosen });
  const layout = headLayout(detector, detector.inputSize, chosen);
  const [evaluation] = await evaluateHeads(tf, saved.model, layout, set, limit, layout.heads);
  saved.model.dispose();
  return { evaluation, gt: set.groundTruth };
}

/**
 * The run read (and from its detector, before anything slow, what `choose` picks: the exit to evaluate), the
 * backend started, the val split loaded (and said on stderr): what evaluating a run starts with.
 */
async function openRun<T>(run: string, options: EvalOptions, params: CocoEvalParamsInput, choose: (detector: DetectorIR) => T) {
  let limit: number | null = null;
  if (options.images !== undefined) {
    limit = Number(options.images);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--images must be a whole number of at least 1, not '${options.images}'`);
  }
  if (Object.keys(params).length) throw new UsageError('--max-dets, --area-ranges, --cat-ids and --img-ids go with --gt/--pred (a RUN is evaluated with the defaults)');
  const { readRun } = await import('./saved-run.js');
  const read = await readRun(run);
  const chosen = choose(read.recipe.detector);
  const { initBackend } = await import('../runtime/backend.js');
  const backend = await initBackend(options.backend);
  const tf = await import('@tensorflow/tfjs');
  const { loadEvaluationSet } = await import('../predict/evaluate.js');
  const dataDir = options.data ?? read.recipe.data.path;
  const set = await loadEvaluationSet(read.recipe.detector, dataDir, { allowOutside: options.allowOutsideImages === true }).catch((error: unknown) => {
    throw new InputError(`${displayPath(dataDir)}: ${error instanceof Error ? error.message : String(error)}`);
  });
  process.stderr.write(`evaluating ${displayPath(read.checkpoint)} (step ${read.step}) on ${limit ?? set.dataset.images.length} images of ${displayPath(set.dataset.source.annotations)}\n`);
  return { tf, backend, read, set, limit, chosen };
}

/**
 * Every exit of a run's detector: the whole model's heads evaluated from one forward pass a batch (the exits
 * share the backbone and pyramids), then each exit's forward time measured on its own model, and its FLOPs
 * counted. Printed as a table (or JSON), written to the run folder as exits.json and the plot exits.svg.
 */
async function evaluateExits(run: string, options: EvalOptions, params: CocoEvalParamsInput): Promise<void> {
  const { tf, backend, read, set, limit } = await openRun(run, options, params, () => undefined);
  const detector = read.recipe.detector;
  const [{ exitTimes }, { openSavedRun }, { evaluateHeads }, { headLayout }, { countExits }, { anytimeTradeOffSvg }] = await Promise.all([
    import('./exits.js'), import('./saved-run.js'), import('../predict/evaluate.js'), import('../targets/layout.js'), import('../codegen/exits.js'),
    import('../viz/anytime.js'),
  ]);
  const saved = await openSavedRun(tf, read);
  const layout = headLayout(detector);
  const evaluations = await evaluateHeads(tf, saved.model, layout, set, limit, layout.heads);
  saved.model.dispose();
  const { times } = await exitTimes(tf, read, backend.name, true);
  const counts = countExits(detector);
  const exits = layout.heads.map((head, i) => {
    const { AP, AP50, AP75 } = evaluations[i].summary;
    const { ms, minMs, cpuMs } = times.exits.find((t) => t.exit === head.exit)!;
    const count = counts.find((c) => c.exit === head.exit)!;
    return { exit: head.exit, ap: AP, ap50: AP50, ap75: AP75, ms, fastestMs: minMs, cpuMs, flops: count.flops, params: count.trainable + count.nonTrainable };
  });
  const result = {
    run: displayPath(run), checkpoint: displayPath(read.checkpoint), step: read.step, detector: detector.name,
    images: limit ?? set.dataset.images.length, backend: backend.name, inputSize: detector.inputSize, passes: times.passes, exits,
  };
  const json = JSON.stringify(result, null, 2) + '\n';
  const table = formatExits(result);
  const folder = read.runDir ?? dirname(read.checkpoint);
  const files = [
    { path: join(folder, 'exits.json'), data: json },
    { path: join(folder, 'exits.svg'), data: anytimeTradeOffSvg(`${detector.name}: anytime exits (${displayPath(read.checkpoint)}, ${backend.name})`, exits) },
    ...(options.output === undefined ? [] : [{ path: options.output, data: json }]),
  ];
  process.stdout.write(options.json ? json : table);
  for (const file of files) writeFileAtomic(file.path, file.data);
  if (!options.json) process.stderr.write(`wrote ${files.map((f) => displayPath(f.path)).join(', ')}\n`);
}

interface ExitsResult {
  detector: string;
  images: number;
  backend: string;
  inputSize: number;
  passes: number;
  exits: { exit: number; ap: number; ap50: number; ap75: number; ms: number; fastestMs: number; cpuMs: number; flops: number; params: number }[];
}

function formatExits(result: ExitsResult): string {
  const last = result.exits[result.exits.length - 1];
  const header = ['exit', 'AP', 'AP50', 'AP75', 'ms/image', 'fastest', 'CPU ms', 'of the last', 'GFLOPs', 'of the last', 'params M'];
  const rows = result.exits.map((e) => [
    `${e.exit}`, e.ap.toFixed(3), e.ap50.toFixed(3), e.ap75.toFixed(3), e.ms.toFixed(1), e.fastestMs.toFixed(1), e.cpuMs.toFixed(1),
    percentOf(e.cpuMs, last.cpuMs), (e.flops / 1e9).toFixed(2), percentOf(e.flops, last.flops), (e.params / 1e6).toFixed(2),
  ]);
  return `${result.detector}: COCO AP on ${result.images} val images; forward pass of one ${result.inputSize}×${result.inputSize} image on ${result.backend}, ` +
    `${result.passes} passes: wall time (median, fastest) and processor time of all threads (median)\n` +
    `${textTable(header, rows, 0)}\n`;
}

const percentOf = (part: number, whole: number) => `${((100 * part) / whole).toFixed(0)} %`;

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
    // Category names come from the annotation file: shown, never obeyed.
    process.stdout.write(formatSummary(evaluation.result, evaluation.summary) + (tableRows.length ? `\n${terminalText(formatCategoryTable(tableRows))}` : ''));
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
