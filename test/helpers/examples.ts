// The example files as tests use them: checked programs, and the pyramid part of a file to build test files on;
// and a pyramid edited through its text (printed, changed, checked again).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { printPyramid } from '../../src/format/print.js';
import type { CheckedProgram, PyramidIR } from '../../src/semantics/ir.js';
import { checkFile, checkText } from '../../src/semantics/program.js';
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

/** `p` with the second input of its middle cell moved to an input level it does not read yet: one edge changed. */
export function withOneEdgeMoved(p: PyramidIR): PyramidIR {
  const middle = p.cells[Math.floor(p.cells.length / 2)];
  const reads = middle.inputs.map((n) => p.nodes[n].name);
  const to = ['P7', 'P6', 'P5'].find((level) => !reads.includes(level))!;
  const text = printPyramid(p).replace(new RegExp(`(${middle.name} @P\\d = \\w+\\(${reads[0]}, )${reads[1]}(?=[,)])`), `$1${to}`);
  const checked = checkText(text, '/virtual/moved.fpn');
  const moved = checked.program?.pyramids[0];
  if (moved?.kind !== 'cells' || text === printPyramid(p)) throw new Error(`moving an edge of ${p.name} failed: ${checked.diagnostics.map((d) => d.message).join('; ')}`);
  return moved;
}
