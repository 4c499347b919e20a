// The file's structure for the editor: the outline (declarations with their cells and settings), folding
// ranges (blocks, runs of comments, runs of imports) and selection ranges (name → value → statement →
// declaration → file), all from the syntax tree.
import {
  FoldingRangeKind, SymbolKind, type DocumentSymbol, type FoldingRange, type Position, type SelectionRange,
} from 'vscode-languageserver-types';
import type { SourceRange } from '../diagnostics/diagnostics.js';
import type { Declaration, Statement } from '../parser/ast.js';
import { assertNever } from '../util/assert-never.js';
import type { Analysis } from './analysis.js';
import { locate, type Located } from './locate.js';
import { toRange } from './positions.js';

const declarationSymbol = (kind: Declaration['kind']): SymbolKind => {
  switch (kind) {
    case 'pyramid':
      return SymbolKind.Class;
    case 'detector':
      return SymbolKind.Struct;
    case 'search':
      return SymbolKind.Namespace;
    case 'train':
      return SymbolKind.Event;
    default:
      return assertNever(kind, 'declaration kind');
  }
};

function statementSymbol(s: Statement): DocumentSymbol {
  if (s.kind === 'cell') {
    const args = [...s.inputs.map((i) => i.text), ...s.options.map((o) => `${o.key.text}=…`)].join(', ');
    return {
      name: s.name.text, detail: `${s.isOutput ? 'output' : 'cell'} @${s.level.text} = ${s.op.text}(${args})`,
      kind: s.isOutput ? SymbolKind.Field : SymbolKind.Variable, range: toRange(s.range), selectionRange: toRange(s.name.range),
    };
  }
  return { name: s.key.text, detail: `${s.values.length} value${s.values.length === 1 ? '' : 's'}`, kind: SymbolKind.Property, range: toRange(s.range), selectionRange: toRange(s.key.range) };
}

export function documentSymbols(analysis: Analysis): DocumentSymbol[] {
  const ast = analysis.ast;
  if (!ast) return [];
  return [
    ...ast.imports.map((s) => ({ name: s.path.value, detail: s.names ? `import { ${s.names.map((n) => n.text).join(', ')} }` : 'import', kind: SymbolKind.Module, range: toRange(s.range), selectionRange: toRange(s.path.range) })),
    ...ast.declarations.map((d) => ({
      name: d.name.text, detail: d.kind, kind: declarationSymbol(d.kind), range: toRange(d.range), selectionRange: toRange(d.name.range),
      children: d.body.map(statementSymbol),
    })),
  ];
}

export function foldingRanges(analysis: Analysis): FoldingRange[] {
  const ast = analysis.ast;
  if (!ast) return [];
  const ranges: FoldingRange[] = [];
  // A block folds up to the line before its '}' (which stays visible, as editors fold braces).
  for (const d of ast.declarations) {
    const first = d.range.start.line - 1;
    const last = d.range.end.line - 1;
    if (last > first) ranges.push({ startLine: first, endLine: last - 1 > first ? last - 1 : last });
  }
  const runs = (lines: number[], kind: FoldingRangeKind) => {
    const sorted = [...new Set(lines)].sort((a, b) => a - b);
    let start = 0;
    for (let i = 1; i <= sorted.length; i++) {
      if (i === sorted.length || sorted[i] !== sorted[i - 1] + 1) {
        if (i - start >= 2) ranges.push({ startLine: sorted[start], endLine: sorted[i - 1], kind });
        start = i;
      }
    }
  };
  // Comments on lines of their own.
  runs(ast.comments.filter((c) => analysis.lines.lineText(c.range.start.line - 1).trim().startsWith('#')).map((c) => c.range.start.line - 1), FoldingRangeKind.Comment);
  runs(ast.imports.map((s) => s.range.start.line - 1), FoldingRangeKind.Imports);
  return ranges;
}

/** The ranges around `located`, innermost first. */
function enclosing(located: Located): SourceRange[] {
  const chain: SourceRange[] = [located.range];
  if ('option' in located) chain.push({ ...located.option.key.range, end: located.option.value.range.end });
  if ('cell' in located) chain.push(located.cell.range);
  if ('setting' in located) chain.push(located.setting.range);
  if ('statement' in located) chain.push(located.statement.range);
  if ('declaration' in located) chain.push(located.declaration.range);
  return chain;
}

export function selectionRanges(analysis: Analysis, positions: Position[]): SelectionRange[] {
  const whole = analysis.lines.rangeOf(0, analysis.text.length);
  return positions.map((position) => {
    const offset = analysis.lines.offsetAt(position);
    const located = analysis.ast ? locate(analysis.ast, offset) : null;
    let selection: SelectionRange = { range: whole };
    const chain = located ? enclosing(located) : [];
    // Outermost first, skipping a range equal to the one around it.
    for (const range of chain.reverse()) {
      const r = toRange(range);
      if (JSON.stringify(r) !== JSON.stringify(selection.range)) selection = { range: r, parent: selection };
    }
    return selection;
  });
}
