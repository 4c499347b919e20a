// How commands get a checked program: read the file, check it with its imports, print what the checker
// found (errors and warnings; notes only with --verbose), and stop with exit 1 when there are errors.
// Commands then pick the pyramid or detector they work on by name.
import { checkFile, fileHost, type CheckResult } from '../semantics/program.js';
import type { CheckedProgram, DetectorIR, PyramidNetworkIR } from '../semantics/ir.js';
import { hasErrors } from '../semantics/diagnostics.js';
import { InputError } from './errors.js';
import { displayPath, printDiagnostics, summary } from './report.js';

/** The text of a file the user named; throws InputError when it cannot be read. */
export function readInput(file: string): string {
  const text = fileHost.readFile(file);
  if (text === null) throw new InputError(`cannot read ${file}: no such file, or not readable`);
  return text;
}

/** Checks `file`; throws InputError when it cannot be read. */
export function checkPath(file: string): CheckResult {
  const result = checkFile(file, fileHost);
  if (!result.sources.size) throw new InputError(`cannot read ${file}: no such file, or not readable`);
  return result;
}

export interface LoadOptions {
  /** Also print info notes (dangling sums). */
  verbose?: boolean;
}

export async function loadProgram(file: string, options: LoadOptions = {}): Promise<CheckedProgram> {
  const result = checkPath(file);
  const shown = result.diagnostics.filter((d) => options.verbose || d.severity !== 'info');
  printDiagnostics(shown, result.sources);
  if (hasErrors(result.diagnostics) || !result.program) {
    process.stderr.write(`${displayPath(file)}: ${summary(result.diagnostics)}\n`);
    throw new InputError(`${file} has errors`, true);
  }
  return result.program;
}

function select<T extends { name: string }>(items: T[], name: string | undefined, kind: string, file: string): T {
  if (items.length === 0) throw new InputError(`${displayPath(file)} declares no ${kind}`);
  if (name === undefined) return items[0];
  const found = items.find((i) => i.name === name);
  if (!found) throw new InputError(`${displayPath(file)} has no ${kind} named '${name}' (it has: ${items.map((i) => i.name).join(', ')})`);
  return found;
}

export const selectPyramid = (program: CheckedProgram, name?: string): PyramidNetworkIR =>
  select(program.pyramids, name, 'pyramid', program.file);
export const selectDetector = (program: CheckedProgram, name?: string): DetectorIR =>
  select(program.detectors, name, 'detector', program.file);
