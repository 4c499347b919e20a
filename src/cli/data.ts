// `nasfpn data …`: make, check, see and measure detection datasets. Each subcommand is one `register…`
// function in DATA_SUBCOMMANDS, so later rooms add theirs (targets, show --detector) beside these. The data
// room (and sharp) is imported inside the actions, so `nasfpn check` never loads it.
import type { Command } from 'commander';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEFAULT_ANCHOR_SIZE, DEFAULT_INPUT_SIZE } from '../semantics/defaults.js';
import type { Dataset, DatasetImage, DatasetSource } from '../data/dataset.js';
import type { LegendEntry, ShownBox } from '../data/show.js';
import type { DetectorIR } from '../semantics/ir.js';
import { writeDirAtomic, writeFileAtomic } from '../runtime/atomic.js';
import { InputError, UsageError } from './errors.js';
import { displayPath, relativePath } from './report.js';
import { terminalText } from '../util/escape.js';

/** The options every dataset-reading subcommand takes besides its DIR argument. */
export interface DatasetArgs {
  images?: string;
  annotations?: string;
  split?: string;
}

/** Adds `--images`, `--annotations` and `--split` to a subcommand that reads a dataset. */
export function datasetOptions(command: Command): Command {
  return command
    .argument('[dir]', 'a COCO folder: annotations/instances_<split>.json and the images in <split>/ (or images/<split>/)')
    .option('--annotations <file>', 'an instances JSON file (instead of DIR; with --images)')
    .option('--images <dir>', 'the folder the annotation file\'s file_name entries are in (with --annotations)')
    .option('--split <name>', 'only this split of DIR (e.g. train, val2017)');
}

/** The dataset sources a subcommand's DIR / --images / --annotations / --split name. */
export async function resolveSources(dir: string | undefined, args: DatasetArgs): Promise<DatasetSource[]> {
  const { explicitSource, findSplits } = await import('../data/dataset.js');
  if (args.annotations !== undefined || args.images !== undefined) {
    if (dir !== undefined) throw new UsageError('give either DIR or --annotations FILE --images DIR, not both');
    if (args.annotations === undefined || args.images === undefined) throw new UsageError('--annotations and --images go together');
    if (!existsSync(args.images) || !statSync(args.images).isDirectory()) throw new InputError(`${args.images}: no such image folder`);
    return [explicitSource(args.annotations, args.images)];
  }
  if (dir === undefined) throw new UsageError('name a dataset: DIR, or --annotations FILE --images DIR');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError(`${dir}: no such folder`);
  const splits = findSplits(dir);
  if (splits.length === 0) throw new InputError(`${dir}: not a COCO folder (no annotations/instances_*.json)`);
  if (args.split === undefined) return splits;
  const chosen = splits.filter((s) => s.split === args.split);
  if (chosen.length === 0) throw new InputError(`${dir}: no split '${args.split}' (there are: ${splits.map((s) => s.split).join(', ')})`);
  return chosen;
}

/** How many of a bad dataset's problems a command other than `check` lists before pointing at `check`. */
const PROBLEMS_LISTED = 20;

/** Loads one source's annotations, turning a bad dataset into an input error that lists its problems. */
export async function loadSource(source: DatasetSource, numClasses?: number) {
  const { loadDataset, DatasetError, formatProblems } = await import('../data/dataset.js');
  try {
    return await loadDataset(source, numClasses);
  } catch (error) {
    if (error instanceof DatasetError) {
      const problems = error.problems.map((p) => ({ ...p, file: displayPath(p.file) }));
      throw new InputError(`${formatProblems(problems, PROBLEMS_LISTED)}\n(run 'nasfpn data check' to see every problem)`);
    }
    if (error instanceof RangeError) throw new InputError(`${displayPath(source.annotations)}: ${error.message}`);
    throw error;
  }
}

/** An integer option ≥ `min`, or a usage error naming the option. */
export function integerOption(name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} must be an integer ≥ ${min}, not '${value}'`);
  return n;
}

function numberOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${name} must be a number, not '${value}'`);
  return n;
}

// ---------------------------------------------------------------------------------------------------------
// data synth

interface SynthArgs {
  output?: string;
  images?: string;
  size?: string;
  classes?: string;
  seed?: string;
  minObjects?: string;
  maxObjects?: string;
  val?: string;
  maxSide?: string;
  context?: string;
  detail?: string;
  force?: boolean;
}

function registerSynth(data: Command): void {
  data
    .command('synth')
    .description('write a synthetic COCO dataset of shapes (PNG files, instances_train.json and instances_val.json)')
    .requiredOption('-o, --output <dir>', 'the dataset folder to create')
    .option('--images <n>', 'images in all, train and val together', '1000')
    .option('--size <px>', 'square image side', '128')
    .option('--classes <k>', 'shape classes, one shape each (1–12; 0–8 with --context)', '8')
    .option('--seed <x>', 'the seed: the same options give byte-identical files', '1')
    .option('--min-objects <a>', 'fewest objects per image (crowd groups come on top)', '2')
    .option('--max-objects <b>', 'most objects per image', '6')
    .option('--val <fraction>', 'fraction of the images in the val split', '0.1')
    .option('--max-side <fraction>', 'largest object side as a fraction of the image (1: up to the top level\'s anchors)', '0.5')
    .option('--context <k>', 'k token classes (0–4), each given by the outline of the plate it lies on: needs a top-down path', '0')
    .option('--detail <k>', 'k plate classes (0–4), each given by the small marks on it: needs a bottom-up path', '0')
    .option('--force', 'replace the output folder if it exists and is not empty')
    .action(async (args: SynthArgs) => {
      const { DEFAULT_MAX_SIDE, DEFAULT_SYNTH, synthCategories, synthOptionsProblem, writeSynthDataset } = await import('../data/synth.js');
      const options = {
        images: integerOption('--images', args.images, 1000),
        size: integerOption('--size', args.size, 128),
        classes: integerOption('--classes', args.classes, 8, 0),
        seed: numberOption('--seed', args.seed, 1),
        minObjects: integerOption('--min-objects', args.minObjects, DEFAULT_SYNTH.minObjects, 0),
        maxObjects: integerOption('--max-objects', args.maxObjects, DEFAULT_SYNTH.maxObjects, 0),
        valFraction: numberOption('--val', args.val, DEFAULT_SYNTH.valFraction),
        maxSide: numberOption('--max-side', args.maxSide, DEFAULT_MAX_SIDE),
        context: integerOption('--context', args.context, 0, 0),
        detail: integerOption('--detail', args.detail, 0, 0),
      };
      const problem = synthOptionsProblem(options);
      if (problem) throw new UsageError(problem);
      const dir = args.output!;
      if (existsSync(dir) && (!statSync(dir).isDirectory() || readdirSync(dir).length > 0) && !args.force) {
        throw new InputError(`${dir} exists and is not empty; use --force to replace it`);
      }
      const start = performance.now();
      let summary: Awaited<ReturnType<typeof writeSynthDataset>> | undefined;
      await writeDirAtomic(resolve(dir), async (temp) => {
        summary = await writeSynthDataset(temp, options);
      });
      const seconds = ((performance.now() - start) / 1000).toFixed(1);
      const { train, val } = summary!;
      process.stdout.write(
        `${displayPath(resolve(dir))}: ${train.images} train + ${val.images} val images of ${options.size}×${options.size}, ` +
          `${train.annotations + val.annotations} boxes, ${synthCategories(options).length} classes, seed ${options.seed} (${seconds} s)\n`,
      );
    });
}

// ---------------------------------------------------------------------------------------------------------
// data check

interface CheckArgs extends DatasetArgs {
  decode?: boolean;
  allowOutsideImages?: boolean;
  strict?: boolean;
  json?: boolean;
  limit?: string;
}

function registerCheck(data: Command): void {
  datasetOptions(data.command('check'))
    .description('check a dataset: annotation files, boxes and every image file; all problems at once, with counts')
    .option('--no-decode', 'only check that image files exist (skip decoding them)')
    .option('--strict', 'warnings (skipped or clipped boxes) fail the check too')
    .option('--allow-outside-images', 'check images whose file_name leads out of the dataset folder (../…, an absolute path) instead of reporting them')
    .option('--limit <n>', 'problems listed per split (all are counted)', '50')
    .option('--json', 'print the report as JSON')
    .action(async (dir: string | undefined, args: CheckArgs) => {
      const limit = integerOption('--limit', args.limit, 50, 0);
      const sources = await resolveSources(dir, args);
      const { checkDataset } = await import('../data/check.js');
      const { formatProblems } = await import('../data/dataset.js');
      const reports = [];
      // A large dataset takes minutes to decode: show progress on a terminal (never in pipes or tests).
      const progress = process.stderr.isTTY
        ? (done: number, total: number) => {
            // At the end the line is cleared, so the report that follows starts on a clean line.
            if (done === total) process.stderr.write('\r\x1b[K');
            else if (done % 100 === 0) process.stderr.write(`\rchecking image files: ${done}/${total}`);
          }
        : undefined;
      for (const source of sources) reports.push(await checkDataset(source, { decode: args.decode !== false, onImage: progress, allowOutside: args.allowOutsideImages === true }));
      const failed = reports.some((r) => r.errors > 0 || (args.strict && r.warnings > 0));
      if (args.json) {
        process.stdout.write(JSON.stringify({
          ok: !failed,
          splits: reports.map((r) => ({
            split: r.source.split, annotations: relativePath(r.source.annotations), images: relativePath(r.source.images),
            imageCount: r.images, annotationCount: r.annotations, errors: r.errors, warnings: r.warnings, counts: r.counts,
            problems: r.problems.map((p) => ({ ...p, file: relativePath(p.file) })),
          })),
        }, null, 2) + '\n');
      } else {
        for (const r of reports) {
          const out = r.errors ? process.stderr : process.stdout;
          const status = r.errors ? `${r.errors} error${r.errors === 1 ? '' : 's'}` : 'ok';
          const lines = [
            `${displayPath(r.source.annotations)} (images in ${displayPath(r.source.images)}): ` +
              (r.images === null ? 'unreadable, image files not checked: ' : `${r.images} images, ${r.annotations} annotations: `) + status +
              (r.warnings ? `, ${r.warnings} warning${r.warnings === 1 ? '' : 's'}` : ''),
          ];
          for (const [code, count] of Object.entries(r.counts)) {
            const severity = r.problems.find((p) => p.code === code)!.severity;
            lines.push(`  ${severity.padEnd(8)}${code.padEnd(16)}${String(count).padStart(8)}`);
          }
          if (r.problems.length && limit > 0) {
            const shown = r.problems.map((p) => ({ ...p, file: displayPath(p.file), message: `${p.severity}: ${p.message}` }));
            lines.push(formatProblems(shown, limit).replace(/^/gm, '  '));
          }
          // Problems quote the annotation file (category names, file names): shown, never obeyed.
          out.write(terminalText(lines.join('\n')) + '\n');
        }
      }
      if (failed) throw new InputError('the dataset has errors', true);
    });
}

// ---------------------------------------------------------------------------------------------------------
// data show

/** One image of a dataset, found by id among the sources (the first image of the first source without an id). */
async function findImage(sources: readonly DatasetSource[], imageId: number | undefined, numClasses?: number) {
  for (const source of sources) {
    const dataset = await loadSource(source, numClasses);
    const image = imageId === undefined ? dataset.images[0] : dataset.images.find((i) => i.id === imageId);
    if (image) return { source, dataset, image };
  }
  throw new InputError(imageId === undefined ? 'the dataset has no images' : `no image with id ${imageId} in ${sources.map((s) => displayPath(s.annotations)).join(', ')}`);
}

/** `--detector FILE#NAME` → the checked detector (its diagnostics printed; bad input when it has errors). */
async function detectorOption(argument: string) {
  const { loadDetector } = await import('./load.js');
  const { file, chosen } = await loadDetector(argument, { purpose: 'anchors belong to a detector' });
  return { file, detector: chosen };
}

/** A class channel's category id and name (the id where the category has no name), for labels. */
async function categoryLabels(dataset: Dataset): Promise<(channel: number) => { id: number; name: string }> {
  const { categoryOfChannel } = await import('../data/classmap.js');
  const names = new Map(Array.from(dataset.categories.ids, (id, i) => [id, dataset.categories.names[i]!]));
  return (channel) => {
    const id = categoryOfChannel(dataset.classMap, channel)!;
    return { id, name: names.get(id) ?? String(id) };
  };
}

/** The options `show` and `targets` share: which image, and whose anchors. */
interface ImageArgs extends DatasetArgs {
  image?: string;
  detector?: string;
}

/** The image `--image` names (without it, the first) and the detector `--detector` names (without it, none). */
async function imageAndDetector(dir: string | undefined, args: ImageArgs) {
  const imageId = args.image === undefined ? undefined : integerOption('--image', args.image, 0, 0);
  const sources = await resolveSources(dir, args);
  const chosen = args.detector === undefined ? undefined : await detectorOption(args.detector);
  return { ...(await findImage(sources, imageId, chosen?.detector.head.classes)), chosen };
}

interface ShowArgs extends ImageArgs {
  output?: string;
}

function registerShow(data: Command): void {
  datasetOptions(data.command('show'))
    .description('draw one image with its ground-truth boxes and class names (crowd boxes dashed), as SVG or PNG')
    .option('--image <id>', 'the COCO image id (default: the first image)')
    .option('--detector <file#name>', 'also draw the positive anchors of each box, coloured by level, as this detector assigns them')
    .requiredOption('-o, --output <file>', 'out.svg or out.png')
    .action(async (dir: string | undefined, args: ShowArgs) => {
      const output = args.output!;
      const ext = extname(output).toLowerCase();
      if (ext !== '.svg' && ext !== '.png') throw new UsageError(`-o names an .svg or .png file, not '${output}'`);
      const { source, dataset, image, chosen } = await imageAndDetector(dir, args);
      const { drawAnnotatedImage, levelColour } = await import('../data/show.js');
      const { imagePng, ImageError } = await import('../data/image.js');
      let png;
      try {
        png = await imagePng(image.file);
      } catch (error) {
        if (error instanceof ImageError) throw new InputError(`${displayPath(error.file)}: image ${image.id}: ${error.reason}`);
        throw error;
      }
      const categoryOf = await categoryLabels(dataset);
      const { boxes, classes, crowd } = image.annotations;
      const shown: ShownBox[] = Array.from(classes, (channel, i) => {
        const { id, name } = categoryOf(channel);
        return {
          box: [boxes[4 * i]!, boxes[4 * i + 1]!, boxes[4 * i + 2]!, boxes[4 * i + 3]!] as const,
          label: name, colourIndex: id, crowd: crowd[i] === 1,
        };
      });
      let anchorBoxes: ShownBox[] = [];
      let legend: LegendEntry[] = [];
      let title = `${relativePath(image.file)} (image ${image.id}, ${source.split})`;
      if (chosen) {
        const { assignImage, positiveAnchors, toOriginalPixels } = await import('../targets/inspect.js');
        const assignment = assignImageOrFail(assignImage, chosen.detector, image);
        const positives = positiveAnchors(assignment);
        // Anchors first, so the GT boxes and their labels stay on top.
        anchorBoxes = positives.map((p) => ({
          box: toOriginalPixels(assignment.placement, p.box), label: '', colourIndex: 0, crowd: false, colour: levelColour(p.level),
        }));
        legend = assignment.layout.levels.map((level) => {
          const count = positives.filter((p) => p.level === level.level).length;
          return { label: `P${level.level} anchors (stride ${level.stride}): ${count} positive`, colour: levelColour(level.level) };
        });
        title += `, positive anchors of ${chosen.detector.name}`;
      }
      const svg = drawAnnotatedImage({ title, width: image.width, height: image.height, png, boxes: [...anchorBoxes, ...shown], legend });
      if (ext === '.png') {
        const { renderPng } = await import('../viz/png.js');
        writeFileAtomic(output, await renderPng(svg, 1));
      } else {
        writeFileAtomic(output, svg);
      }
      process.stdout.write(
        `${displayPath(resolve(output))}: image ${image.id} of ${displayPath(source.annotations)}, ${shown.length} boxes` +
          (chosen ? `, ${anchorBoxes.length} positive anchors of ${chosen.detector.name}` : '') + '\n',
      );
    });
}

/** The image's anchor assignment; a detector whose input does not fit its levels is bad input. */
function assignImageOrFail(
  assign: typeof import('../targets/inspect.js').assignImage, detector: DetectorIR, image: DatasetImage,
): ReturnType<typeof assign> {
  try {
    return assign(detector, image);
  } catch (error) {
    if (error instanceof RangeError) throw new InputError(`detector ${detector.name}: ${error.message}`);
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------------
// data targets

interface TargetsArgs extends ImageArgs {
  json?: boolean;
}

function registerTargets(data: Command): void {
  datasetOptions(data.command('targets'))
    .description('the anchors of one image and what each learns: class target (-1 negative, -2 ignored, else the channel) and box target')
    .requiredOption('--detector <file#name>', 'the detector whose anchors and matching to use')
    .requiredOption('--image <id>', 'the COCO image id')
    .option('--json', 'every anchor as JSON (otherwise a summary per level and the positive anchors)')
    .action(async (dir: string | undefined, args: TargetsArgs) => {
      // Both options are required here, so `chosen` is always set.
      const { source, dataset, image, chosen } = await imageAndDetector(dir, args);
      const { file, detector } = chosen!;
      const { assignImage } = await import('../targets/inspect.js');
      const assignment = assignImageOrFail(assignImage, detector, image);
      const categoryOf = await categoryLabels(dataset);
      const { formatTargets, targetsJson } = await import('../targets/report.js');
      const described = {
        image: { id: image.id, file: displayPath(image.file), width: image.width, height: image.height, split: source.split },
        detector: { name: detector.name, file: displayPath(file) },
        categoryOf,
      };
      if (args.json) {
        // Megabytes for a full-size detector: often piped into `head` or `jq`, which may close the pipe early.
        process.stdout.on('error', (error: NodeJS.ErrnoException) => {
          if (error.code !== 'EPIPE') throw error;
        });
        for (const chunk of targetsJson(assignment, described)) process.stdout.write(chunk);
      } else {
        // Category names come from the annotation file: shown, never obeyed.
        process.stdout.write(terminalText(formatTargets(assignment, described)));
      }
    });
}

// ---------------------------------------------------------------------------------------------------------
// data stats

interface StatsArgs extends DatasetArgs {
  input?: string;
  anchorSize?: string;
  json?: boolean;
}

function registerStats(data: Command): void {
  datasetOptions(data.command('stats'))
    .description('images, boxes per class, and box sizes as a histogram over the pyramid levels\' anchors')
    .option('--input <size>', 'the network input side the boxes are measured at (images resized to fit it)', String(DEFAULT_INPUT_SIZE))
    .option('--anchor-size <strides>', 'the detector\'s anchor size: the smallest anchor of level l is this many strides 2^l', String(DEFAULT_ANCHOR_SIZE))
    .option('--json', 'print JSON')
    .action(async (dir: string | undefined, args: StatsArgs) => {
      const inputSize = integerOption('--input', args.input, DEFAULT_INPUT_SIZE);
      const anchorSize = numberOption('--anchor-size', args.anchorSize, DEFAULT_ANCHOR_SIZE);
      if (!(anchorSize > 0)) throw new UsageError(`--anchor-size must be positive, not '${args.anchorSize}'`);
      const sources = await resolveSources(dir, args);
      const { datasetStats, formatStats } = await import('../data/stats.js');
      const all = [];
      for (const source of sources) all.push(datasetStats(await loadSource(source), inputSize, anchorSize));
      if (args.json) {
        process.stdout.write(JSON.stringify(all.map((s) => ({ ...s, annotations: relativePath(s.annotations) })), null, 2) + '\n');
      } else {
        process.stdout.write(terminalText(all.map((s) => formatStats({ ...s, annotations: displayPath(s.annotations) })).join('\n')));
      }
    });
}

/** The `data` subcommands, in help order; later rooms append theirs. */
export const DATA_SUBCOMMANDS: ((data: Command) => void)[] = [registerSynth, registerCheck, registerShow, registerStats, registerTargets];

export function registerData(program: Command): void {
  const data = program.command('data').description('make, check, draw and measure detection datasets (COCO format)');
  for (const register of DATA_SUBCOMMANDS) register(data);
  for (const command of data.commands) command.exitOverride();
}
