// `nasfpn stats FILE...`: trainable and non-trainable parameters, multiply-adds and FLOPs of detectors,
// broken down by backbone, laterals, each pyramid repeat and the heads; `--paper` compares Table 1.
// Counted from the model spec alone: no TensorFlow.js, no weights.
import type { Command } from 'commander';
import { countModel, type ModelCounts } from '../codegen/count.js';
import { lowerDetector } from '../codegen/lower.js';
import type { ModelSpec } from '../codegen/spec.js';
import { compareTable1, FLOPS_TOLERANCE, PARAMS_TOLERANCE, type Comparison } from '../codegen/table1.js';
import type { DetectorIR } from '../semantics/ir.js';
import { InputError, UsageError } from './errors.js';
import { loadProgram } from './load.js';
import { displayPath } from './report.js';

const FLOPS_CONVENTION =
  'FLOPs = 2 × multiply-adds of the convolutions (BN, bias, add, pooling not counted); the paper\'s Table 1 uses this convention.';

interface StatsOptions {
  detector?: string;
  input?: string;
  json?: boolean;
  paper?: boolean;
}

export function registerStats(program: Command): void {
  program
    .command('stats')
    .description('count parameters and FLOPs of the detectors in .fpn files, without building them')
    .argument('<files...>', '.fpn files')
    .option('-d, --detector <name>', 'only this detector (default: every detector in the files)')
    .option('--input <size>', 'square input size in pixels, overriding the detectors\' own')
    .option('--paper', 'compare with Table 1 of the paper (rows matched to the detectors by configuration)')
    .option('--json', 'print JSON instead of tables')
    .action(async (files: string[], options: StatsOptions) => {
      const inputSize = parseInputSize(options.input);
      const detectors: { file: string; detector: DetectorIR }[] = [];
      const names: string[] = [];
      for (const file of files) {
        const program = await loadProgram(file);
        for (const detector of program.detectors) {
          names.push(detector.name);
          if (options.detector === undefined || detector.name === options.detector) detectors.push({ file, detector });
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
        printPaper(compareTable1(detectors.map((d) => d.detector)), options.json === true);
        return;
      }
      const counted = detectors.map(({ file, detector }) => ({ file, counts: countModel(lowerAt(detector, inputSize)) }));
      if (options.json) {
        process.stdout.write(JSON.stringify({ convention: FLOPS_CONVENTION, detectors: counted.map(({ file, counts }) => ({ file: displayPath(file), ...counts, params: counts.trainable + counts.nonTrainable })) }, null, 2) + '\n');
      } else {
        process.stdout.write(counted.map(({ file, counts }) => formatCounts(counts, displayPath(file))).join('\n\n') + `\n\n${FLOPS_CONVENTION}\n`);
      }
    });
}

/** The `--input` option of `stats` and `build`: undefined (the detector's own size) or a positive integer. */
export function parseInputSize(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const size = Number(value);
  if (!Number.isInteger(size) || size <= 0) throw new UsageError(`--input must be a positive integer number of pixels, not '${value}'`);
  return size;
}

/** The detector's model spec at `inputSize`; a size the detector cannot take (lowering's RangeError) is a usage error. */
export function lowerAt(detector: DetectorIR, inputSize: number | undefined): ModelSpec {
  try {
    return lowerDetector(detector, { inputSize });
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(`${detector.name}: ${error.message}`);
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------
// Printing

const thousands = (n: number) => n.toLocaleString('en-US');
const giga = (n: number) => (n / 1e9).toFixed(2);

function table(header: string[], rows: string[][], leftColumns = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < leftColumns ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function formatCounts(counts: ModelCounts, file: string): string {
  const rows = counts.groups.map((g) => [g.group, thousands(g.trainable), thousands(g.nonTrainable), giga(g.macs), giga(2 * g.macs)]);
  rows.push(['total', thousands(counts.trainable), thousands(counts.nonTrainable), giga(counts.macs), giga(counts.flops)]);
  return [
    `${counts.name} (${file}), input ${counts.inputSize}×${counts.inputSize}: ` +
      `${(counts.trainable / 1e6).toFixed(2)} M trainable parameters, ${giga(counts.flops)} GFLOPs`,
    table(['part', 'trainable', 'non-trainable', 'GMACs', 'GFLOPs'], rows),
  ].join('\n');
}

const percent = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(2)} %`;

function printPaper(comparisons: Comparison[], json: boolean): void {
  if (comparisons.length === 0) {
    throw new InputError('none of the detectors has the configuration of a Table 1 row (see docs/table1.md)');
  }
  if (json) {
    process.stdout.write(JSON.stringify({
      convention: FLOPS_CONVENTION,
      tolerance: { params: PARAMS_TOLERANCE, flops: FLOPS_TOLERANCE },
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
    table(['Table 1 row', 'input', 'detector', 'params M (paper)', 'ours', 'diff', 'FLOPs B (paper)', 'ours', 'diff', ''], rows, 3),
    '',
    `Parameters: trainable (conv kernels and biases, BN γ and β), target within ${100 * PARAMS_TOLERANCE} %. ${FLOPS_CONVENTION.replace(/;.*/, '')}, target within ${100 * FLOPS_TOLERANCE} %.`,
    '',
  ].join('\n'));
}
