// `nasfpn stats FILE...`: trainable and non-trainable parameters, multiply-adds and FLOPs of detectors,
// broken down by backbone, laterals, each pyramid repeat and the heads; `--paper` compares Table 1; `--exit K`
// counts the model that stops after pyramid K, `--exits` every exit of each detector in one table.
// Counted from the model spec alone: no TensorFlow.js, no weights.
import type { Command } from 'commander';
import type { ModelCounts } from '../codegen/count.js';
import type { ExitCounts } from '../codegen/exits.js';
import type { Comparison } from '../codegen/table1.js';
import type { DetectorIR } from '../semantics/ir.js';
import { InputError, UsageError } from './errors.js';
import { parseExit, parseInputSize, withInputSize } from './options.js';
import { displayPath } from './report.js';
import { textTable } from '../util/table.js';

const FLOPS_CONVENTION =
  'FLOPs = 2 × multiply-adds of the convolutions (BN, bias, add, pooling not counted); the paper\'s Table 1 uses this convention.';

interface StatsOptions {
  detector?: string;
  input?: string;
  json?: boolean;
  paper?: boolean;
  exit?: string;
  exits?: boolean;
}

export function registerStats(program: Command): void {
  program
    .command('stats')
    .description('count parameters and FLOPs of the detectors in .fpn files, without building them')
    .argument('<files...>', '.fpn files (FILE#NAME counts one detector of a file)')
    .option('-d, --detector <name>', 'only this detector (default: every detector in the files)')
    .option('--input <size>', 'square input size in pixels, overriding the detectors\' own')
    .option('--paper', 'compare with Table 1 of the paper (rows matched to the detectors by configuration)')
    .option('--exit <k>', 'count the model that stops after pyramid k (an anytime exit)')
    .option('--exits', 'count every exit of each detector (anytime heads: one per pyramid), in one table')
    .option('--json', 'print JSON instead of tables')
    .action(async (files: string[], options: StatsOptions) => {
      const inputSize = parseInputSize(options.input);
      const exit = parseExit(options.exit);
      if (exit !== undefined && options.exits) throw new UsageError('--exit counts one exit, --exits all of them; give one');
      const [{ chosenName, loadProgram, parseTarget, selectDetector }, { countModel }, { countExits }, { lowerDetector }, table1, { checkedExit }] = await Promise.all([
        import('./load.js'), import('../codegen/count.js'), import('../codegen/exits.js'), import('../codegen/lower.js'), import('../codegen/table1.js'), import('./exits.js'),
      ]);
      const detectors: { file: string; detector: DetectorIR }[] = [];
      const names: string[] = [];
      for (const argument of files) {
        const target = parseTarget(argument);
        const program = await loadProgram(target.file);
        if (target.name !== undefined) {
          // FILE#NAME picks one detector of that file (and must agree with --detector when both are given).
          const detector = selectDetector(program, chosenName(target, options.detector, '--detector'));
          names.push(detector.name);
          detectors.push({ file: target.file, detector });
          continue;
        }
        for (const detector of program.detectors) {
          names.push(detector.name);
          if (options.detector === undefined || detector.name === options.detector) detectors.push({ file: target.file, detector });
        }
      }
      if (detectors.length === 0) {
        const where = files.map(displayPath).join(', ');
        throw new InputError(options.detector === undefined
          ? `${where}: no detectors declared`
          : `${where}: no detector named '${options.detector}' (there are: ${names.join(', ') || 'none'})`);
      }
      if (options.paper) {
        if (inputSize !== undefined) throw new UsageError('--paper counts every Table 1 row at its own input size; leave out --input');
        if (exit !== undefined || options.exits) throw new UsageError('--paper counts the whole detectors of Table 1; leave out --exit and --exits');
        const tolerance = { params: table1.PARAMS_TOLERANCE, flops: table1.FLOPS_TOLERANCE };
        printPaper(table1.compareTable1(detectors.map((d) => d.detector)), tolerance, options.json === true);
        return;
      }
      if (options.exits) {
        printExits(detectors.map(({ file, detector }) => ({ file, detector, exits: countExits(withInputSize(detector, inputSize)) })), options.json === true);
        return;
      }
      const counted = detectors.map(({ file, detector }) => ({
        file, counts: countModel(lowerDetector(withInputSize(detector, inputSize), { exit: exit === undefined ? undefined : checkedExit(detector, exit) })),
      }));
      if (options.json) {
        process.stdout.write(JSON.stringify({ convention: FLOPS_CONVENTION, detectors: counted.map(({ file, counts }) => ({ file: displayPath(file), ...counts, params: counts.trainable + counts.nonTrainable })) }, null, 2) + '\n');
      } else {
        process.stdout.write(counted.map(({ file, counts }) => formatCounts(counts, displayPath(file))).join('\n\n') + `\n\n${FLOPS_CONVENTION}\n`);
      }
    });
}

// ---------------------------------------------------------------------------------------------------
// Printing

const thousands = (n: number) => n.toLocaleString('en-US');
const giga = (n: number) => (n / 1e9).toFixed(2);

function formatCounts(counts: ModelCounts, file: string): string {
  const rows = counts.groups.map((g) => [g.group, thousands(g.trainable), thousands(g.nonTrainable), giga(g.macs), giga(2 * g.macs)]);
  rows.push(['total', thousands(counts.trainable), thousands(counts.nonTrainable), giga(counts.macs), giga(counts.flops)]);
  return [
    `${counts.name} (${file}), input ${counts.inputSize}×${counts.inputSize}: ` +
      `${(counts.trainable / 1e6).toFixed(2)} M trainable parameters, ${giga(counts.flops)} GFLOPs`,
    textTable(['part', 'trainable', 'non-trainable', 'GMACs', 'GFLOPs'], rows),
  ].join('\n');
}

const share = (part: number, whole: number) => `${(100 * part / whole).toFixed(1)} %`;

interface CountedExits {
  file: string;
  detector: DetectorIR;
  exits: ExitCounts[];
}

function printExits(counted: CountedExits[], json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify({
      convention: FLOPS_CONVENTION,
      detectors: counted.map(({ file, detector, exits }) => ({
        file: displayPath(file), name: detector.name, inputSize: exits[0].inputSize, repeats: detector.repeats, anytimeHeads: detector.anytimeHeads,
        exits: exits.map((e) => ({ exit: e.exit, trainable: e.trainable, nonTrainable: e.nonTrainable, params: e.trainable + e.nonTrainable, macs: e.macs, flops: e.flops })),
      })),
    }, null, 2) + '\n');
    return;
  }
  const tables = counted.map(({ file, detector, exits }) => {
    const last = exits[exits.length - 1];
    const rows = exits.map((e) => [
      `${e.exit}`, thousands(e.trainable), thousands(e.nonTrainable), giga(e.flops), share(e.flops, last.flops),
    ]);
    const lines = [
      `${detector.name} (${displayPath(file)}), input ${last.inputSize}×${last.inputSize}: ` +
        (detector.anytimeHeads ? `an exit after each of its ${detector.repeats} pyramids (anytime heads)` : `one exit, after pyramid ${detector.repeats}`),
      textTable(['exit', 'trainable', 'non-trainable', 'GFLOPs', 'of the last'], rows),
    ];
    if (!detector.anytimeHeads && detector.repeats > 1) {
      lines.push(`(no anytime heads: the earlier pyramids have no head to exit through; add \`anytime heads\` to ${detector.name} and train it to get them)`);
    }
    return lines.join('\n');
  });
  process.stdout.write(tables.join('\n\n') + `\n\nExit K runs the backbone, pyramids 1..K and the head after pyramid K. ${FLOPS_CONVENTION}\n`);
}

const percent = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(2)} %`;

/** Table 1 against the counts; `tolerance`: the relative differences within which a row is reproduced. */
function printPaper(comparisons: Comparison[], tolerance: { params: number; flops: number }, json: boolean): void {
  if (comparisons.length === 0) {
    throw new InputError('none of the detectors has the configuration of a Table 1 row (see docs/table1.md)');
  }
  if (json) {
    process.stdout.write(JSON.stringify({
      convention: FLOPS_CONVENTION,
      tolerance,
      rows: comparisons.map((c) => ({
        row: c.row.label, input: c.row.inputSize, detector: c.detector.name,
        paper: { paramsM: c.row.paperParamsM, flopsB: c.row.paperFlopsB },
        ours: { params: c.counts.trainable, flops: c.counts.flops, macs: c.counts.macs },
        paramsDiff: c.paramsDiff, flopsDiff: c.flopsDiff,
        reproducible: c.row.reproducible, withinTolerance: c.withinTolerance,
      })),
    }, null, 2) + '\n');
    return;
  }
  const rows = comparisons.map((c) => [
    c.row.label, `${c.row.inputSize}`, c.detector.name,
    c.row.paperParamsM.toFixed(2), (c.counts.trainable / 1e6).toFixed(2), percent(c.paramsDiff),
    c.row.paperFlopsB.toFixed(c.row.paperFlopsB < 10 ? 2 : 1), (c.counts.flops / 1e9).toFixed(c.row.paperFlopsB < 10 ? 2 : 1), percent(c.flopsDiff),
    c.withinTolerance ? 'ok' : c.row.reproducible ? 'OUT OF TOLERANCE' : 'not reproducible (docs/table1.md)',
  ]);
  process.stdout.write([
    textTable(['Table 1 row', 'input', 'detector', 'params M (paper)', 'ours', 'diff', 'FLOPs B (paper)', 'ours', 'diff', ''], rows, 3),
    '',
    `Parameters: trainable (conv kernels and biases, BN γ and β), target within ${100 * tolerance.params} %. ${FLOPS_CONVENTION.replace(/;.*/, '')}, target within ${100 * tolerance.flops} %.`,
    '',
  ].join('\n'));
}
