// The example files as tests use them: checked programs, and the pyramid part of a file to build test files on.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CheckedProgram } from '../../src/semantics/ir.js';
import { checkFile } from '../../src/semantics/program.js';
import { fileHost } from '../../src/semantics/file-host.js';

export const EXAMPLES = ['nasfpn', 'fpn', 'nasfpn-lite', 'search'] as const;

/** examples/NAME.fpn, checked; throws when it has errors. */
export function loadExample(name: string): CheckedProgram {
  const result = checkFile(resolve('examples', `${name}.fpn`), fileHost);
  if (!result.program) throw new Error(`examples/${name}.fpn does not check`);
  return result.program;
}

/** The text of examples/NAME.fpn before its Table 1 detectors: the pyramids, to append test detectors to. */
export const examplePyramids = (name: string): string =>
  readFileSync(resolve('examples', `${name}.fpn`), 'utf8').split('# Table 1')[0];
