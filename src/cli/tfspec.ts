// `nasfpn export FILE --to tf-spec` and `nasfpn import SPEC --from tf-spec`: convert pyramids to and from the
// block-spec JSON of the TF reference / Model Garden (src/interop/tfspec.ts).
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { writeFileAtomic } from '../runtime/atomic.js';
import { hasErrors } from '../diagnostics/diagnostics.js';
import { InputError, UsageError } from './errors.js';
import { displayPath, printDiagnostics, summary } from './report.js';

const FORMATS = ['tf-spec'];

function requireFormat(format: string, option: string): void {
  if (!FORMATS.includes(format)) throw new UsageError(`${option} must be one of: ${FORMATS.join(', ')} (not '${format}')`);
}

function output(text: string, path: string | undefined, force: boolean | undefined): void {
  if (!path) {
    process.stdout.write(text);
    return;
  }
  if (existsSync(path) && !force) throw new InputError(`${path} exists; use --force to overwrite it`);
  writeFileAtomic(path, text);
  process.stderr.write(`wrote ${displayPath(path)}\n`);
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description("write a pyramid as the TF reference's block-spec list (JSON)")
    .argument('<file>', '.fpn file')
    .requiredOption('--to <format>', 'tf-spec')
    .option('--pyramid <name>', 'which pyramid (default: the first)')
    .option('-o, --output <path>', 'write here instead of standard output')
    .option('-f, --force', 'overwrite the output file')
    .action(async (file: string, options: { to: string; pyramid?: string; output?: string; force?: boolean }) => {
      requireFormat(options.to, '--to');
      const [{ exportTfSpec }, { checkPath, selectPyramid }] = await Promise.all([import('../interop/tfspec.js'), import('./load.js')]);
      const result = checkPath(file);
      const errors = result.diagnostics.filter((d) => d.severity === 'error');
      if (!result.program) {
        printDiagnostics(errors, result.sources);
        throw new InputError(`${displayPath(file)}: ${summary(result.diagnostics)}`);
      }
      const pyramid = selectPyramid(result.program, options.pyramid).pyramid;
      const exported = exportTfSpec(pyramid);
      if ('problems' in exported) {
        const declaration = result.ast?.declarations.find((d) => d.kind === 'pyramid' && d.name.text === pyramid.name);
        const cells = declaration?.body.filter((s) => s.kind === 'cell') ?? [];
        for (const problem of exported.problems) {
          const range = (problem.cell === null ? undefined : cells[problem.cell]?.range) ?? declaration!.name.range;
          printDiagnostics([{ code: problem.code, severity: 'error', message: problem.message, hint: problem.hint, range }], result.sources);
        }
        throw new InputError(`pyramid '${pyramid.name}' cannot be written as a TF spec`, true);
      }
      output(exported.text, options.output, options.force);
    });
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description("read the TF reference's block-spec list (JSON) and print it as a .fpn pyramid")
    .argument('<spec>', 'JSON spec file')
    .requiredOption('--from <format>', 'tf-spec')
    .option('--name <name>', 'the pyramid name (default: from the file name)')
    .option('-o, --output <path>', 'write the .fpn file here instead of standard output')
    .option('-f, --force', 'overwrite the output file')
    .action(async (spec: string, options: { from: string; name?: string; output?: string; force?: boolean }) => {
      requireFormat(options.from, '--from');
      const [{ printPyramid }, { importTfSpec }, { readInput }] = await Promise.all([import('../format/print.js'), import('../interop/tfspec.js'), import('./load.js')]);
      const text = readInput(spec);
      const name = options.name ?? (basename(spec, extname(spec)).replace(/[^A-Za-z0-9_]/g, '_').replace(/^(?=\d)/, 'p_') || 'imported');
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UsageError(`--name must be a name (letters, digits, _), not '${name}'`);
      const imported = importTfSpec(text, spec, name);
      const sources = new Map([[imported.diagnostics[0]?.range.file ?? spec, text]]);
      printDiagnostics(imported.diagnostics.filter((x) => x.severity !== 'info'), sources);
      if (hasErrors(imported.diagnostics) || !imported.pyramid) {
        throw new InputError(`${displayPath(spec)}: ${summary(imported.diagnostics)}`, false);
      }
      output(printPyramid(imported.pyramid, `Imported from ${basename(spec)} (TF reference block specs).`), options.output, options.force);
    });
}
