// How commands get what they work on, in one place: read a file, check it with its imports, print what the
// checker found (errors and warnings; notes only with --verbose), stop with exit 1 when there are errors, and
// pick the pyramid, detector or search space the command line names — as `FILE#NAME` or with a flag
// (`--detector`, `--name`). Every command that takes a .fpn file (check, draw, build, stats, and the
// train, eval and search commands) goes through here, so they all read names the same way, and all check
// through the language service, as the language server does.
import type { CheckResult } from '../semantics/program.js';
import { fileHost } from '../semantics/file-host.js';
import { LanguageService } from '../service/index.js';
import type { CheckedProgram, DetectorIR, PyramidNetworkIR, SearchSpaceIR } from '../semantics/ir.js';
import { hasErrors } from '../diagnostics/diagnostics.js';
import { NotARegularFileError } from '../util/not-a-regular-file.js';
import { InputError, UsageError } from './errors.js';
import { displayPath, printDiagnostics, summary } from './report.js';

// ---------------------------------------------------------------------------------------------------
// Reading and checking

/**
 * Runs `read`, turning a path that is not a regular file of at most MAX_SOURCE_BYTES (a device, a FIFO, a
 * folder, a file too large) into an InputError that says what it is.
 */
function readingInput<T>(file: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof NotARegularFileError) throw new InputError(`cannot read ${displayPath(file)}: it ${error.reason}`);
    throw error;
  }
}

const unreadable = (file: string) => new InputError(`cannot read ${displayPath(file)}: no such file, or not readable`);

/** The text of a file the user named; throws InputError when it cannot be read. */
export function readInput(file: string): string {
  const text = readingInput(file, () => fileHost.readFile(file));
  if (text === null) throw unreadable(file);
  return text;
}

/** Files on disk, checked as the language server checks them (one code path for `check` and editors). */
const service = new LanguageService(fileHost);

/** Checks `file`; throws InputError when it cannot be read. */
export function checkPath(file: string): CheckResult {
  const result = readingInput(file, () => service.check(file));
  if (!result.sources.size) throw unreadable(file);
  return result;
}

export interface LoadOptions {
  /** Also print info notes (dangling sums). */
  verbose?: boolean;
}

/** Checks `file` and prints its diagnostics; throws InputError (already reported) when it has errors. */
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

// ---------------------------------------------------------------------------------------------------
// FILE#NAME

/** What a command-line argument names: a file, and maybe one declaration in it (`FILE#NAME`). */
export interface Target {
  file: string;
  name?: string;
}

/** `file.fpn#name` → { file, name }; `file.fpn` (or `file.fpn#`) → { file }. */
export function parseTarget(argument: string): Target {
  const hash = argument.lastIndexOf('#');
  if (hash <= 0) return { file: argument };
  const name = argument.slice(hash + 1);
  return name ? { file: argument.slice(0, hash), name } : { file: argument.slice(0, hash) };
}

/**
 * The name a command works on: from `FILE#NAME`, else from the flag (`--detector`, `--name`). Both given and
 * different is a usage error (`flag` names the option in the message).
 */
export function chosenName(target: Target, flagValue: string | undefined, flag: string): string | undefined {
  if (target.name !== undefined && flagValue !== undefined && target.name !== flagValue) {
    throw new UsageError(`${target.file}#${target.name} and ${flag} ${flagValue} name different things; give one of them`);
  }
  return target.name ?? flagValue;
}

// ---------------------------------------------------------------------------------------------------
// Selecting in a checked program

export interface SelectOptions {
  /** Also offer the proxy detectors of the file's search spaces (when the file declares no detector of its own). */
  proxies?: boolean;
  /** Why a detector is needed, for messages (e.g. 'the stack view draws a detector'). */
  purpose?: string;
}

/** A pyramid to show or search over, with the first detector that stacks it (which gives it a width). */
export interface PyramidChoice {
  pyramid: PyramidNetworkIR;
  detector?: DetectorIR;
}

/** The proxy detectors of a file's search spaces. */
const proxyDetectors = (program: CheckedProgram): DetectorIR[] =>
  program.searchSpaces.flatMap((s) => (s.proxy ? [s.proxy] : []));

/** Every detector of a file; with `proxies`, its search spaces' proxy detectors when it declares none. */
export function allDetectors(program: CheckedProgram, options: SelectOptions = {}): DetectorIR[] {
  const found = program.detectors.length || !options.proxies ? program.detectors : proxyDetectors(program);
  if (!found.length) throw new InputError(`${displayPath(program.file)} declares no detector${options.purpose ? `; ${options.purpose}` : ''}`);
  return found;
}

/** The detector named `name` (default: the first); a pyramid's name gets a message that says so. */
export function selectDetector(program: CheckedProgram, name?: string, options: SelectOptions = {}): DetectorIR {
  const detectors = allDetectors(program, options);
  if (name === undefined) return detectors[0];
  const found = detectors.find((d) => d.name === name);
  if (found) return found;
  if (program.pyramids.some((p) => p.name === name)) {
    throw new InputError(`'${name}' is a pyramid; ${options.purpose ?? 'this needs a detector'} (${detectors.map((d) => d.name).join(', ')})`);
  }
  throw new InputError(`${displayPath(program.file)} has no detector named '${name}' (it has: ${detectors.map((d) => d.name).join(', ')})`);
}

/** Every distinct pyramid of a file (its own first, then its detectors'), each with the first detector that uses it. */
export function allPyramids(program: CheckedProgram): PyramidChoice[] {
  const detectors = [...program.detectors, ...proxyDetectors(program)];
  const seen = new Set<string>();
  const choices: PyramidChoice[] = [];
  for (const pyramid of [...program.pyramids, ...detectors.map((d) => d.pyramid)]) {
    if (seen.has(pyramid.name)) continue;
    seen.add(pyramid.name);
    choices.push({ pyramid, detector: detectors.find((d) => d.pyramid.name === pyramid.name) });
  }
  if (!choices.length) throw new InputError(`${displayPath(program.file)} declares no pyramid or detector`);
  return choices;
}

/**
 * The pyramid `name` names: a pyramid, or a detector (its pyramid, at its width). Without a name, the first
 * pyramid, else the first detector's.
 */
export function selectPyramid(program: CheckedProgram, name?: string): PyramidChoice {
  if (name === undefined) return allPyramids(program)[0];
  const detectors = [...program.detectors, ...proxyDetectors(program)];
  const pyramid = program.pyramids.find((p) => p.name === name);
  if (pyramid) return { pyramid, detector: detectors.find((d) => d.pyramid.name === name) };
  const detector = detectors.find((d) => d.name === name);
  if (detector) return { pyramid: detector.pyramid, detector };
  const known = [...program.pyramids.map((p) => p.name), ...detectors.map((d) => d.name)];
  throw new InputError(`${displayPath(program.file)} has no pyramid or detector named '${name}' (it has: ${known.join(', ') || 'none'})`);
}

/** The search space named `name` (default: the first). */
export function selectSearchSpace(program: CheckedProgram, name?: string): SearchSpaceIR {
  const spaces = program.searchSpaces;
  if (!spaces.length) throw new InputError(`${displayPath(program.file)} declares no search space`);
  if (name === undefined) return spaces[0];
  const found = spaces.find((s) => s.name === name);
  if (!found) throw new InputError(`${displayPath(program.file)} has no search space named '${name}' (it has: ${spaces.map((s) => s.name).join(', ')})`);
  return found;
}

// ---------------------------------------------------------------------------------------------------
// Load and select in one call

export interface LoadTargetOptions extends LoadOptions, SelectOptions {
  /** The value of the command's name flag (`--detector`, `--name`), if given. */
  name?: string;
  /** How that flag is spelled, for messages (default --name). */
  flag?: string;
}

/** A checked file and the declaration the command line picked in it. */
export interface Loaded<T> {
  file: string;
  program: CheckedProgram;
  chosen: T;
}

/** `FILE[#NAME]` (or `--detector NAME`) → the checked file and that detector. */
export async function loadDetector(argument: string, options: LoadTargetOptions = {}): Promise<Loaded<DetectorIR>> {
  const target = parseTarget(argument);
  const name = chosenName(target, options.name, options.flag ?? '--detector');
  const program = await loadProgram(target.file, options);
  return { file: target.file, program, chosen: selectDetector(program, name, options) };
}

/** `FILE[#NAME]` (or `--name NAME`) → the checked file and that pyramid (a detector's name picks its pyramid). */
export async function loadPyramid(argument: string, options: LoadTargetOptions = {}): Promise<Loaded<PyramidChoice>> {
  const target = parseTarget(argument);
  const name = chosenName(target, options.name, options.flag ?? '--name');
  const program = await loadProgram(target.file, options);
  return { file: target.file, program, chosen: selectPyramid(program, name) };
}

/** `FILE[#NAME]` (or `--name NAME`) → the checked file and that search space. */
export async function loadSearchSpace(argument: string, options: LoadTargetOptions = {}): Promise<Loaded<SearchSpaceIR>> {
  const target = parseTarget(argument);
  const name = chosenName(target, options.name, options.flag ?? '--name');
  const program = await loadProgram(target.file, options);
  return { file: target.file, program, chosen: selectSearchSpace(program, name) };
}
