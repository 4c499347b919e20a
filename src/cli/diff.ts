// `nasfpn diff A[#NAME] B[#NAME]`: what changed from one pyramid (or detector) to another, cells matched by what
// they compute (src/diff). Text, or JSON with --json; --draw writes B's Figure 7 graph with A overlaid. Like
// diff(1) it exits 0 when the two are structurally equal, 1 when they differ, and 2 on trouble: a file with
// errors or a bad command line (so a script never reads a broken file as "different").
import type { Command } from 'commander';
import { extname } from 'node:path';
import type { CheckedProgram, DetectorIR, PyramidNetworkIR } from '../semantics/ir.js';
import { THEME_NAMES } from '../viz/theme.js';
import { writeFileAtomic } from '../runtime/atomic.js';
import { EXIT_USAGE, InputError, UsageError } from './errors.js';
import { oneOf, parseScale } from './options.js';
import { displayPath } from './report.js';
import { terminalText } from '../util/escape.js';

/** diff(1)'s exit codes: 0 the same, 1 different, 2 trouble (the CLI's usage-error code). */
const EXIT_DIFFERENT = 1;
const EXIT_TROUBLE = EXIT_USAGE;

const DRAWING_EXTENSIONS = ['.svg', '.png'];

interface DiffOptions {
  json?: boolean;
  draw?: string;
  scale: string;
  theme: string;
}

/** One side of the comparison: how the command line named it, its pyramid, and its detector when it named one. */
interface Side {
  label: string;
  pyramid: PyramidNetworkIR;
  detector?: DetectorIR;
}

export function registerDiff(program: Command): void {
  program
    .command('diff')
    .description('compare two pyramids or detectors: cells matched by what they compute; exit 0 when structurally equal, 1 when not, 2 on trouble')
    .argument('<a>', 'the first .fpn file (FILE#NAME picks a pyramid or detector; default: its first pyramid)')
    .argument('<b>', 'the second .fpn file (FILE#NAME as for the first)')
    .option('--json', 'print the diff as JSON')
    .option('--draw <path>', 'also draw B\'s Figure 7 graph with A\'s cells overlaid (.svg or .png)')
    .option('--scale <factor>', 'PNG pixels per SVG unit', '2')
    .option('--theme <theme>', 'light or dark', 'light')
    .action(async (first: string, second: string, options: DiffOptions) => {
      const theme = oneOf(options.theme, THEME_NAMES, '--theme');
      const scale = parseScale(options.scale);
      if (options.draw !== undefined && !DRAWING_EXTENSIONS.includes(extname(options.draw).toLowerCase())) {
        throw new UsageError(`--draw writes an .svg or a .png file, not '${options.draw}'`);
      }
      try {
        const programs = new Map<string, CheckedProgram>();
        const a = await sideOf(first, programs);
        const b = await sideOf(second, programs);
        const [{ diffPyramids }, { diffDetectors }, print] = await Promise.all([
          import('../diff/pyramid.js'), import('../diff/detector.js'), import('../diff/print.js'),
        ]);
        const labels = { a: a.label, b: b.label };
        // Two detectors compare as detectors (their settings and counts too); anything else compares pyramids.
        const detectors = a.detector && b.detector ? diffDetectors(a.detector, b.detector) : null;
        const pyramids = detectors?.pyramid ?? diffPyramids(a.pyramid, b.pyramid);
        const equal = detectors ? detectors.equal : pyramids.equal;
        if (options.json) {
          const json = detectors ? print.detectorDiffJson(detectors, labels) : print.pyramidDiffJson(pyramids, labels);
          process.stdout.write(JSON.stringify(json, null, 2) + '\n');
        } else {
          // The labels are the paths given: shown, never obeyed.
          process.stdout.write(terminalText(detectors ? print.formatDetectorDiff(detectors, labels) : print.formatPyramidDiff(pyramids, labels)));
        }
        if (options.draw !== undefined) {
          const viz = await import('../viz/index.js');
          const svg = viz.drawDiff(a.pyramid, b.pyramid, pyramids, theme);
          writeFileAtomic(options.draw, extname(options.draw).toLowerCase() === '.png' ? await viz.renderPng(svg, scale) : svg);
          // stdout holds the diff (maybe JSON): the note goes to stderr.
          process.stderr.write(`wrote ${displayPath(options.draw)}: ${b.pyramid.name} with ${a.pyramid.name} overlaid\n`);
        }
        if (!equal) process.exitCode = EXIT_DIFFERENT;
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        if (!error.alreadyReported) process.stderr.write(`nasfpn: ${terminalText(error.message)}\n`);
        process.exitCode = EXIT_TROUBLE;
      }
    });
}

/** `FILE[#NAME]`: the pyramid it names, or the detector (and its pyramid); each file is checked once. */
async function sideOf(argument: string, programs: Map<string, CheckedProgram>): Promise<Side> {
  // The loader brings the parser and the checker: imported here, not at start-up (test/architecture/startup).
  const { loadProgram, parseTarget, selectPyramid } = await import('./load.js');
  const target = parseTarget(argument);
  if (!programs.has(target.file)) programs.set(target.file, await loadProgram(target.file));
  const choice = selectPyramid(programs.get(target.file)!, target.name);
  const label = target.name === undefined ? displayPath(target.file) : `${displayPath(target.file)}#${target.name}`;
  const namesDetector = target.name !== undefined && choice.detector?.name === target.name;
  return { label, pyramid: choice.pyramid, detector: namesDetector ? choice.detector : undefined };
}
