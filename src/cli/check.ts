// `nasfpn check FILE...`: run the checker and print every diagnostic (exit 1 when any file has errors).
import type { Command } from 'commander';
import { hasErrors, type Diagnostic } from '../diagnostics/diagnostics.js';
import { UsageError } from './errors.js';
import { colorFor, displayPath, formatDiagnostic, summary, toJson } from './report.js';

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('check .fpn files against the language rules and the paper\'s; print every problem with a hint')
    .argument('<files...>', '.fpn files to check')
    .option('--format <format>', 'human or json', 'human')
    .option('-q, --quiet', 'print errors and warnings only, not the notes about dangling-layer sums')
    .action(async (files: string[], options: { format: string; quiet?: boolean }) => {
      if (options.format !== 'human' && options.format !== 'json') throw new UsageError(`--format must be human or json, not '${options.format}'`);
      const { checkPath } = await import('./load.js');
      const all: Diagnostic[] = [];
      let failed = false;
      const human: string[] = [];
      // Diagnostics are check's output, so they go to (and are coloured for) standard output.
      const color = colorFor(process.stdout);
      for (const file of files) {
        const result = checkPath(file);
        const shown = result.diagnostics.filter((d) => !options.quiet || d.severity !== 'info');
        for (const d of shown) all.push(d);
        if (hasErrors(result.diagnostics)) failed = true;
        if (options.format === 'human') {
          for (const d of shown) human.push(formatDiagnostic(d, result.sources, color));
          const p = result.program;
          const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
          // Training recipes are named only where a file has some (most files are architectures only).
          const what = p ? [count(p.pyramids.length, 'pyramid'), count(p.detectors.length, 'detector'), count(p.searchSpaces.length, 'search space'),
            ...(p.trains.length ? [count(p.trains.length, 'training recipe')] : [])].join(', ') : '';
          human.push(`${displayPath(file)}: ${p ? `ok (${what})` : 'failed'}; ${summary(result.diagnostics)}`);
        }
      }
      if (options.format === 'json') process.stdout.write(JSON.stringify(all.map(toJson), null, 2) + '\n');
      else process.stdout.write(human.join('\n\n') + '\n');
      if (failed) process.exitCode = 1;
    });
}
