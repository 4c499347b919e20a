// `nasfpn predict RUN IMAGE_OR_DIR… -o detections.json [--draw DIR]`: a trained model's detections on image
// files, in the COCO results format (boxes [x, y, w, h] in original-image pixels, the dataset's category ids).
// Image ids: a file named by a number (COCO's 000000139.jpg) keeps it, others are numbered 1, 2, … in the
// order given. --draw writes each image with its boxes (score ≥ --draw-score) as PNG. `--exit K` stops after
// pyramid K (an anytime exit); `--budget-ms T` picks the deepest exit whose forward time here fits T.
import type { Command } from 'commander';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { writeFileAtomic } from '../runtime/atomic.js';
import { InputError, UsageError } from './errors.js';
import { parseBudget, parseExit } from './options.js';
import { displayPath } from './report.js';

interface PredictOptions {
  output?: string;
  draw?: string;
  drawScore: string;
  backend?: string;
  exit?: string;
  budgetMs?: string;
}

const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.tif', '.tiff', '.gif', '.avif'];

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description('detect objects in images with a trained run\'s model; writes COCO detection records')
    .argument('<run>', 'a training run folder (its newest checkpoint) or one checkpoint directory')
    .argument('<images...>', 'image files, or folders of them')
    .requiredOption('-o, --output <file>', 'the detections (COCO results JSON)')
    .option('--draw <dir>', 'also write each image with its boxes into this folder (PNG)')
    .option('--draw-score <s>', 'with --draw: the lowest score drawn', '0.3')
    .option('--backend <name>', 'TF.js backend (default: the fastest available)')
    .option('--exit <k>', 'stop after pyramid k (an anytime exit; default: the last)')
    .option('--budget-ms <ms>', 'the deepest exit whose forward pass of one image fits this many milliseconds here (measured once per backend, kept in the run folder)')
    .action(async (run: string, inputs: string[], options: PredictOptions) => {
      const drawScore = Number(options.drawScore);
      if (!(drawScore >= 0 && drawScore <= 1)) throw new UsageError(`--draw-score must be in [0, 1], not '${options.drawScore}'`);
      const exitOption = parseExit(options.exit);
      const budgetMs = parseBudget(options.budgetMs);
      if (exitOption !== undefined && budgetMs !== undefined) throw new UsageError('--exit names the exit, --budget-ms lets the times choose it; give one');
      const files = imageFiles(inputs);
      const [{ openSavedRun, readRun }, { exitForBudget, exitOrLast }] = await Promise.all([import('./saved-run.js'), import('./exits.js')]);
      const read = await readRun(run);
      const detector = read.recipe.detector;
      const named = budgetMs === undefined ? exitOrLast(detector, exitOption) : undefined;
      const { initBackend } = await import('../runtime/backend.js');
      const backend = await initBackend(options.backend);
      const tf = await import('@tensorflow/tfjs');
      const [{ detectFiles }, { headLayout }] = await Promise.all([import('../predict/detect.js'), import('../targets/layout.js')]);
      const exit = named ?? await exitForBudget(tf, read, backend.name, budgetMs!);
      const saved = await openSavedRun(tf, read, { exit });
      const records = await detectFiles(tf, saved.model, headLayout(detector, detector.inputSize, exit), files, saved.classMap).catch((error: unknown) => {
        throw new InputError(error instanceof Error ? error.message : String(error));
      });
      saved.model.dispose();
      writeFileAtomic(options.output!, JSON.stringify(records) + '\n');
      const exitUsed = detector.anytimeHeads ? `, exit ${exit} of ${detector.repeats}` : '';
      process.stdout.write(`wrote ${displayPath(options.output!)}: ${records.length} detections in ${files.length} images (model ${displayPath(saved.checkpoint)}, step ${saved.step}${exitUsed})\n`);
      if (options.draw !== undefined) {
        const names = new Map<number, string>();
        saved.categories?.ids.forEach((id, i) => names.set(id, saved.categories!.names[i]));
        const [{ drawAnnotatedImage }, { loadSharp }, { renderPng }] = await Promise.all([
          import('../data/show.js'), import('../data/image.js'), import('../viz/png.js'),
        ]);
        const sharp = await loadSharp();
        for (const { file, id } of files) {
          const mine = records.filter((r) => r.image_id === id && r.score >= drawScore);
          const { data, info } = await sharp(file).png().toBuffer({ resolveWithObject: true });
          const svg = drawAnnotatedImage({
            title: `${basename(file)}: ${mine.length} detections with score ≥ ${drawScore}`, width: info.width, height: info.height, png: data,
            boxes: mine.map((r) => ({
              box: [r.bbox[0], r.bbox[1], r.bbox[0] + r.bbox[2], r.bbox[1] + r.bbox[3]] as const,
              label: `${names.get(r.category_id) ?? r.category_id} ${r.score.toFixed(2)}`, colourIndex: r.category_id, crowd: false,
            })),
          });
          writeFileAtomic(join(options.draw, `${basename(file, extname(file))}.png`), await renderPng(svg, 1));
        }
        process.stdout.write(`drew ${files.length} images into ${displayPath(options.draw)}\n`);
      }
    });
}

/** The image files named on the command line (folders expanded, sorted), each with its image id. */
function imageFiles(inputs: string[]): { file: string; id: number }[] {
  const files: string[] = [];
  for (const input of inputs) {
    if (!existsSync(input)) throw new InputError(`${input}: no such file or folder`);
    const stats = statSync(input);
    // Images must be regular files: a FIFO or a device would be read for ever (the rule the language's imports follow).
    if (!stats.isDirectory() && !stats.isFile()) throw new InputError(`${input}: not a regular file (an image must be a file, or a folder of them)`);
    if (stats.isDirectory()) {
      const found = readdirSync(input).filter((f) => IMAGE_EXTENSIONS.includes(extname(f).toLowerCase())).sort();
      if (!found.length) throw new InputError(`${input}: no images (${IMAGE_EXTENSIONS.join(', ')})`);
      for (const f of found) files.push(join(input, f));
    } else {
      files.push(input);
    }
  }
  const numbered = files.map((file) => /^\d+$/.exec(basename(file, extname(file))) ? Number(basename(file, extname(file))) : null);
  const allNumbered = numbered.every((n) => n !== null) && new Set(numbered).size === files.length;
  return files.map((file, i) => ({ file, id: allNumbered ? numbered[i]! : i + 1 }));
}
