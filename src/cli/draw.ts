// `nasfpn draw FILE`: diagrams of a checked file. Three views: `graph` (Figure 7), `cells` (Figure 6) and
// `stack` (the detector; `--exit K` greys what stopping after pyramid K skips). SVG by default, PNG with
// --png. Everything is rendered before anything is written, every file is written atomically, and a file with
// errors prints its diagnostics and writes nothing.
import type { Command } from 'commander';
import { basename, dirname, extname, join } from 'node:path';
import type { CheckedProgram, PyramidNetworkIR } from '../semantics/ir.js';
import { THEME_NAMES } from '../viz/theme.js';
import { writeFileAtomic } from '../runtime/atomic.js';
import { InputError, UsageError } from './errors.js';
import { oneOf, parseExit, parseScale } from './options.js';
import { displayPath } from './report.js';

const VIEWS = ['graph', 'cells', 'stack'] as const;

/** The stack view draws detectors: a file's own, else its search spaces' proxy detectors. */
const STACK = { proxies: true, purpose: 'the stack view draws a detector; use --view graph or cells for a pyramid' };

interface DrawOptions {
  view: string;
  name?: string;
  all?: boolean;
  compare?: boolean;
  output?: string;
  png?: boolean;
  scale: string;
  theme: string;
  exit?: string;
}

/** One picture to make: what it shows and the file it goes to. */
interface Drawing {
  label: string;
  path: string;
  render: () => Promise<string>;
}

export function registerDraw(program: Command): void {
  program
    .command('draw')
    .description('draw a pyramid as in the paper\'s Figure 7 (graph) or Figure 6 (cells), or a detector (stack), as SVG or PNG')
    .argument('<files...>', 'the .fpn file (two or more with --compare; FILE#NAME picks a pyramid or detector)')
    .option('--view <view>', 'graph (Figure 7), cells (Figure 6) or stack (the detector)', 'graph')
    .option('-n, --name <name>', 'the pyramid or detector to draw (default: the first in the file)')
    .option('--all', 'draw every pyramid (graph, cells) or detector (stack) of the file')
    .option('--compare', 'draw the pyramids of the given files side by side on the same row scale (graph view)')
    .option('-o, --output <path>', 'output file (a directory with --all; - for SVG on stdout); default: beside the input')
    .option('--png', 'write PNG (rendered with resvg) instead of SVG')
    .option('--scale <factor>', 'PNG pixels per SVG unit', '2')
    .option('--theme <theme>', 'light or dark', 'light')
    .option('--exit <k>', 'with --view stack: grey what stopping after pyramid k skips (an anytime exit)')
    .action(async (files: string[], options: DrawOptions) => {
      const view = oneOf(options.view, VIEWS, '--view');
      const theme = oneOf(options.theme, THEME_NAMES, '--theme');
      const scale = parseScale(options.scale);
      const png = options.png === true || (options.output !== undefined && extname(options.output).toLowerCase() === '.png');
      const exit = parseExit(options.exit);
      if (exit !== undefined && (view !== 'stack' || options.all)) throw new UsageError('--exit goes with --view stack and one detector');
      if (options.all && options.compare) throw new UsageError('--all and --compare do not go together');
      if (options.all && options.name) throw new UsageError('--all draws everything; leave out --name');
      if (options.compare) {
        if (files.length < 2) throw new UsageError('--compare needs two or more files (FILE#NAME picks a pyramid)');
        if (view !== 'graph') throw new UsageError('--compare draws the graph view only');
        if (options.name) throw new UsageError('--compare picks pyramids with FILE#NAME; leave out --name');
      } else if (files.length !== 1) {
        throw new UsageError(`draw takes one file (got ${files.length}); use --compare to put pyramids side by side`);
      }
      if (options.output === '-' && (png || options.all)) throw new UsageError('-o - writes one SVG to stdout; not with --png or --all');
      if (png && !options.all && options.output !== undefined && extname(options.output).toLowerCase() === '.svg') {
        throw new UsageError(`--png writes a PNG; name the output .png, not '${options.output}'`);
      }

      const [viz, { allDetectors, allPyramids, chosenName, loadProgram, parseTarget, selectDetector, selectPyramid }, { checkedExit }] = await Promise.all([
        import('../viz/index.js'), import('./load.js'), import('./exits.js'),
      ]);
      const drawings: Drawing[] = [];
      const ext = png ? '.png' : '.svg';

      if (options.compare) {
        // A file named twice (A.fpn#x A.fpn#y) is checked once, and its diagnostics printed once.
        const programs = new Map<string, CheckedProgram>();
        const subjects: PyramidNetworkIR[] = [];
        for (const argument of files) {
          const { file, name } = parseTarget(argument);
          if (!programs.has(file)) programs.set(file, await loadProgram(file));
          subjects.push(selectPyramid(programs.get(file)!, name).pyramid);
        }
        const first = parseTarget(files[0]).file;
        const stem = subjects.map((p) => p.name).join('-vs-');
        drawings.push({
          label: subjects.map((p) => p.name).join(' vs '),
          path: options.output ?? join(dirname(first), `${stem}-compare${ext}`),
          render: async () => viz.drawComparison(subjects, theme),
        });
      } else {
        const target = parseTarget(files[0]);
        const file = target.file;
        const name = chosenName(target, options.name, '--name');
        if (options.all && name !== undefined) throw new UsageError('--all draws everything; leave out the name');
        const program = await loadProgram(file);
        const stem = basename(file, extname(file));
        const beside = (suffix: string) => join(dirname(file), `${stem}${suffix}${ext}`);
        if (view === 'stack') {
          const detectors = options.all ? allDetectors(program, STACK) : [selectDetector(program, name, STACK)];
          for (const detector of detectors) {
            if (exit !== undefined) checkedExit(detector, exit);
            const suffix = (options.all || name ? `-${detector.name}-stack` : '-stack') + (exit === undefined ? '' : `-exit${exit}`);
            const label = `${detector.name}, stack view${exit === undefined ? '' : `, exit ${exit}`}`;
            drawings.push({ label, path: outputPath(options, beside(suffix), `${stem}-${detector.name}-stack${ext}`), render: async () => viz.drawDetector(detector, theme, exit) });
          }
        } else {
          // The cells view (Figure 6) draws merging cells: --all leaves out the fixed `kind fpn` pyramids, and
          // naming one is an error.
          const subjects = options.all
            ? allPyramids(program).filter((s) => view === 'graph' || s.pyramid.kind === 'cells')
            : [selectPyramid(program, name)];
          for (const subject of subjects) {
            const named = subject.detector && name === subject.detector.name ? subject.detector.name : subject.pyramid.name;
            const suffix = options.all || name ? `-${named}-${view}` : `-${view}`;
            const pyramid = subject.pyramid;
            if (view === 'cells' && pyramid.kind !== 'cells') {
              throw new InputError(`'${pyramid.name}' is a fixed FPN (kind fpn) with no merging cells to draw: use --view graph, or --view stack for a detector`);
            }
            const render = () => (view === 'graph' || pyramid.kind !== 'cells' ? viz.drawPyramid('graph', subject, theme) : viz.drawPyramid('cells', { ...subject, pyramid }, theme));
            drawings.push({ label: `${named}, ${view} view`, path: outputPath(options, beside(suffix), `${stem}-${named}-${view}${ext}`), render });
          }
        }
      }

      // Render everything first: a failure part-way leaves no partial set of files behind.
      const rendered: { drawing: Drawing; data: string | Uint8Array }[] = [];
      for (const drawing of drawings) {
        const svg = await drawing.render();
        rendered.push({ drawing, data: png ? await viz.renderPng(svg, scale) : svg });
      }
      if (options.output === '-') {
        process.stdout.write(rendered[0].data as string);
        return;
      }
      for (const { drawing, data } of rendered) {
        writeFileAtomic(drawing.path, data);
        process.stdout.write(`wrote ${displayPath(drawing.path)}: ${drawing.label}\n`);
      }
    });
}

/** `-o` as given; with --all it names a directory that each drawing goes into. */
function outputPath(options: DrawOptions, besideInput: string, nameInDirectory: string): string {
  if (options.output === undefined) return besideInput;
  return options.all ? join(options.output, nameInDirectory) : options.output;
}
