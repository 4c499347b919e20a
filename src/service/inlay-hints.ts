// Inlay hints: what the checker resolved but the text leaves implicit. After a cell's level, its stride;
// after the `inputs` line of a pyramid of merging cells, the order its outputs are built in; after an output
// cell, the dangling layers the reference sums into it; in a `global_pool` without `pooled=`, the input that
// is pooled.
import { InlayHintKind, type InlayHint, type Range } from 'vscode-languageserver-types';
import type { CellStatement } from '../parser/ast.js';
import { strideOf } from '../semantics/ir.js';
import { levelName, parseLevel } from '../semantics/levels.js';
import type { Analysis } from './analysis.js';

export function inlayHints(analysis: Analysis, range: Range): InlayHint[] {
  const ast = analysis.ast;
  if (!ast) return [];
  const from = analysis.lines.offsetAt(range.start);
  const to = analysis.lines.offsetAt(range.end);
  const hints: InlayHint[] = [];
  const at = (offset: number, label: string, kind?: InlayHintKind, tooltip?: string) => {
    if (offset >= from && offset <= to) hints.push({ position: analysis.lines.positionAt(offset), label, kind, paddingLeft: true, tooltip });
  };
  for (const declaration of ast.declarations) {
    if (declaration.range.end.offset < from || declaration.range.start.offset > to) continue;
    const checked = analysis.checked(declaration);
    const pyramid = checked?.kind === 'pyramid' && checked.ir?.kind === 'cells' ? checked.ir : null;
    const inputs = declaration.body.find((s) => s.kind === 'setting' && s.key.text === 'inputs');
    if (pyramid && inputs) {
      at(inputs.range.end.offset, `outputs in order ${pyramid.outputLevels.map(levelName).join(', ')}`, undefined, 'the order the output cells are built in (the architecture\'s output order)');
    }
    for (const s of declaration.body) {
      if (s.kind !== 'cell') continue;
      const level = parseLevel(s.level.text);
      if (level !== null) at(s.level.range.end.offset, `stride ${strideOf(level)}`, InlayHintKind.Type);
      const cell = pyramid?.cells.find((c) => c.name === s.name.text);
      if (!pyramid || !cell) continue;
      if (cell.danglingSums.length) {
        at(s.range.end.offset, `+ ${cell.danglingSums.map((n) => pyramid.nodes[n].name).join(' + ')} (dangling)`, undefined,
          'summed into this output before R-C-B: no cell consumed them (the reference implementation\'s dangling-layer rule)');
      }
      if (cell.op.kind === 'global_pool' && !s.options.some((o) => o.key.text === 'pooled')) {
        at(closingParen(s), `pooled=${pyramid.nodes[cell.inputs[cell.op.pooled]].name}`, InlayHintKind.Parameter, 'the coarser input is pooled by default (the TF reference)');
      }
    }
  }
  return hints;
}

/** The offset of the ')' that ends a cell's call: the end of its range (the statement ends with it). */
const closingParen = (s: CellStatement): number => s.range.end.offset - 1;
