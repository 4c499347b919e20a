// `nasfpn fmt FILE... [--write | --check]`: print, rewrite or verify the canonical layout.
import type { Command } from 'commander';
import { writeFileAtomic } from '../runtime/atomic.js';
import { UsageError } from './errors.js';
import { displayPath, printDiagnostics } from './report.js';

export function registerFmt(program: Command): void {
  program
    .command('fmt')
    .description('format .fpn files canonically (comments kept); prints the result unless --write or --check')
    .argument('<files...>', '.fpn files')
    .option('-w, --write', 'rewrite the files in place')
    .option('-c, --check', 'exit 1 and list the files that are not formatted')
    .action(async (files: string[], options: { write?: boolean; check?: boolean }) => {
      if (options.write && options.check) throw new UsageError('--write and --check exclude each other');
      if (!options.write && !options.check && files.length > 1) throw new UsageError('formatting several files to standard output is ambiguous: use --write or --check');
      const [{ formatFile }, { parseFpn }, { readInput }] = await Promise.all([import('../format/format.js'), import('../parser/parse.js'), import('./load.js')]);
      let failed = false;
      const unformatted: string[] = [];
      for (const file of files) {
        const text = readInput(file);
        const { ast, diagnostics } = parseFpn(text, file);
        if (diagnostics.length) {
          // Formatting around syntax errors could lose text: report them and leave the file alone.
          const sources = new Map([[file, text]]);
          printDiagnostics(diagnostics, sources);
          process.stderr.write(`${displayPath(file)}: not formatted, it has syntax errors\n`);
          failed = true;
          continue;
        }
        const formatted = formatFile(ast);
        if (options.check) {
          if (formatted !== text) unformatted.push(file);
        } else if (options.write) {
          if (formatted !== text) {
            writeFileAtomic(file, formatted);
            process.stdout.write(`formatted ${displayPath(file)}\n`);
          }
        } else {
          process.stdout.write(formatted);
        }
      }
      for (const file of unformatted) process.stdout.write(`${displayPath(file)} is not formatted (run nasfpn fmt --write)\n`);
      if (failed || unformatted.length) process.exitCode = 1;
    });
}
