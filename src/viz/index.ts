// The diagram views, one entry point for the CLI (which imports this module lazily, so that commands that
// draw nothing never load d3, elkjs or resvg).
import type { PyramidDiff } from '../diff/pyramid.js';
import type { DetectorIR, PyramidIR, PyramidNetworkIR } from '../semantics/ir.js';
import { renderCells } from './cells.js';
import { renderCompare, renderGraph } from './graph.js';
import { renderGraphDiff } from './graph-diff.js';
import { renderStack } from './stack.js';
import type { ThemeName } from './theme.js';

export { renderPng } from './png.js';

/** What a pyramid view draws: the pyramid, and the detector it came from when there is one (width, conv kind). */
export interface PyramidSubject {
  pyramid: PyramidNetworkIR;
  detector?: DetectorIR;
}

/** The graph view draws a pyramid of either kind; the cells view (Figure 6) only merging cells. */
export async function drawPyramid(view: 'graph', subject: PyramidSubject, theme: ThemeName): Promise<string>;
export async function drawPyramid(view: 'cells', subject: PyramidSubject & { pyramid: PyramidIR }, theme: ThemeName): Promise<string>;
export async function drawPyramid(view: 'graph' | 'cells', subject: PyramidSubject, theme: ThemeName): Promise<string> {
  if (view === 'graph') return renderGraph(subject.pyramid, { theme });
  if (subject.pyramid.kind !== 'cells') throw new Error(`internal error: the cells view of ${subject.pyramid.kind} pyramid '${subject.pyramid.name}'`);
  return renderCells(subject.pyramid, {
    theme,
    width: subject.detector?.width,
    separable: subject.detector?.conv === 'separable',
  });
}

/** The stack view of a detector; with `exit`, what stopping after that pyramid skips is greyed. */
export function drawDetector(detector: DetectorIR, theme: ThemeName, exit?: number): string {
  return renderStack(detector, { theme, exit });
}

export function drawComparison(pyramids: PyramidNetworkIR[], theme: ThemeName): string {
  return renderCompare(pyramids, { theme });
}

/** `nasfpn diff --draw`: B's Figure 7 graph with A's cells overlaid. */
export function drawDiff(a: PyramidNetworkIR, b: PyramidNetworkIR, diff: PyramidDiff, theme: ThemeName): string {
  return renderGraphDiff(a, b, diff, { theme });
}
