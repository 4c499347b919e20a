// The architectures a run directory (or a queue's stream) holds, checked again from their text: the run's search
// space from its config and each trial's pyramid, for the dashboard's views and the report. Reading the run
// directory itself is the run store's (src/search/store.ts).
import type { RunConfig } from '../search/records.js';
import { checkText } from '../semantics/program.js';
import { fileHost } from '../semantics/file-host.js';
import type { PyramidIR, SearchSpaceIR } from '../semantics/ir.js';

/** A run config's search space, checked from its text; null when it does not check (e.g. its imports are not on this machine). */
export function searchSpaceOfConfig(config: RunConfig): SearchSpaceIR | null {
  const result = checkText(config.spaceText, config.spaceFile, fileHost);
  return result.program?.searchSpaces.find((s) => s.name === config.space) ?? null;
}

/** The pyramid a trial's .fpn text declares, checked; null when it does not check. */
export function pyramidOf(fpn: string, label = 'trial.fpn'): PyramidIR | null {
  const pyramid = checkText(fpn, label).program?.pyramids[0];
  // Trials are merging-cell pyramids; a fixed `kind fpn` pyramid has no cells to draw as a grid.
  return pyramid?.kind === 'cells' ? pyramid : null;
}
