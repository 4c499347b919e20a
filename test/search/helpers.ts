// Search spaces for the search tests, checked from .fpn text like users write them.
import { checkFile, checkText } from '../../src/semantics/program.js';
import { fileHost } from '../../src/semantics/file-host.js';
import type { SearchSpaceIR } from '../../src/semantics/ir.js';

/** The search space of examples/search.fpn (the paper's: 7 cells over P3..P7, sum and global pooling). */
export function paperSpace(): SearchSpaceIR {
  const result = checkFile('examples/search.fpn', fileHost);
  if (!result.program) throw new Error('examples/search.fpn does not check');
  return result.program.searchSpaces[0];
}

/** A space from the body of a `search` declaration (no proxy detector). */
export function spaceFrom(body: string, name = 'space'): SearchSpaceIR {
  const result = checkText(`search ${name} {\n${body}\n}\n`, 'test.fpn');
  if (!result.program) throw new Error(`the space does not check: ${result.diagnostics.map((d) => d.message).join('; ')}`);
  return result.program.searchSpaces[0];
}

/** A `warn` for the run store's readers where nothing may be damaged: any warning fails the test. */
export const noDamage = (message: string): never => {
  throw new Error(`unexpected damage: ${message}`);
};
