// `nasfpn plot RUN`: the training curves of a run (the loss and its parts, the learning rate, COCO AP when
// the run evaluated) from RUN/metrics.jsonl, as SVG (or PNG with --png), into RUN/curves.svg unless -o says.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../runtime/atomic.js';
import { InputError } from './errors.js';
import { displayPath, relativePath } from './report.js';
import { terminalLine } from '../util/escape.js';

interface PlotOptions {
  output?: string;
  png?: boolean;
}

export function registerPlot(program: Command): void {
  program
    .command('plot')
    .description('draw a training run\'s curves (loss parts, learning rate, AP) from its metrics.jsonl')
    .argument('<run>', 'a training run folder')
    .option('-o, --output <file>', 'where to write (default: RUN/curves.svg, or .png with --png)')
    .option('--png', 'write PNG (rendered with resvg) instead of SVG')
    .action(async (run: string, options: PlotOptions) => {
      const { metricsFile, readMetrics } = await import('../train/metrics.js');
      if (!existsSync(metricsFile(run))) throw new InputError(`${displayPath(run)} has no metrics.jsonl (is it a run folder of \`nasfpn train\`?)`);
      const records = readMetrics(run, (message) => process.stderr.write(`nasfpn plot: warning: ${terminalLine(message)}\n`));
      const { trainingCurvesSvg } = await import('../viz/training.js');
      const train = records.flatMap((r) => (r.kind === 'train' ? [r] : []));
      const evals = records.flatMap((r) => (r.kind === 'eval' ? [r] : []));
      const partNames = [...new Set(train.flatMap((r) => Object.keys(r.parts)))];
      const svg = trainingCurvesSvg(`training curves of ${relativePath(run)}`, [
        { title: 'loss', log: true, series: [
          { name: 'total', points: train.map((r) => [r.step, r.loss] as const) },
          ...partNames.map((name) => ({ name, points: train.filter((r) => Object.hasOwn(r.parts, name)).map((r) => [r.step, r.parts[name]] as const) })),
        ] },
        { title: 'learning rate', series: [{ name: 'lr', points: train.map((r) => [r.step, r.lr] as const) }] },
        { title: 'COCO AP (val)', series: ['AP', 'AP50', 'AP75'].map((k) => ({ name: k, points: evals.map((r) => [r.step, r.metrics[k]] as const) })) },
      ]);
      const output = options.output ?? join(run, options.png ? 'curves.png' : 'curves.svg');
      const data = options.png ? await (await import('../viz/png.js')).renderPng(svg) : svg;
      writeFileAtomic(output, data);
      process.stdout.write(`wrote ${displayPath(output)}: ${train.length} training records, ${evals.length} evaluations\n`);
    });
}
