// What a position of a file can refer to: the declarations in scope (its own and the ones it imports), and
// the layers of a pyramid defined above a point. Completion offers these; the checker decides what they mean.
import type { CellStatement, Declaration } from '../parser/ast.js';
import { levelName, levelRange, parseLevel } from '../semantics/levels.js';
import type { Level } from '../semantics/ir.js';
import { DEFAULT_MAX_LEVEL, DEFAULT_MIN_LEVEL } from '../semantics/defaults.js';
import type { Analysis } from './analysis.js';

/** The declarations of a kind that the file sees: its own, then the imported ones. */
export function declarationsInScope(analysis: Analysis, kind: Declaration['kind']): Declaration[] {
  const all = analysis.result.declarations.map((d) => d.declaration).filter((d) => d.kind === kind);
  const own = all.filter((d) => d.range.file === analysis.path);
  const imported = (analysis.ast?.imports ?? []).flatMap((statement) => {
    const target = analysis.importTarget(statement);
    const names = statement.names?.map((n) => n.text);
    return all.filter((d) => d.range.file === target && (!names || names.includes(d.name.text)));
  });
  return [...own, ...imported];
}

/** The levels of a pyramid declaration (its `inputs` line, else the default P3..P7) and whether it allows stride 8. */
export function pyramidLevels(declaration: Declaration | undefined): { levels: Level[]; allowStride8: boolean } {
  const setting = (key: string) => declaration?.body.find((s) => s.kind === 'setting' && s.key.text === key);
  const inputs = setting('inputs');
  let levels = levelRange(DEFAULT_MIN_LEVEL, DEFAULT_MAX_LEVEL);
  if (inputs?.kind === 'setting') {
    const [first] = inputs.values;
    const written = first?.kind === 'range' ? [parseLevel(first.from.text), parseLevel(first.to.text)]
      : inputs.values.map((v) => (v.kind === 'name' ? parseLevel(v.text) : null));
    const known = written.filter((l): l is Level => l !== null);
    if (known.length) levels = levelRange(Math.min(...known), Math.max(...known));
  }
  return { levels, allowStride8: setting('allow') !== undefined };
}

/** The layers a cell at `offset` of a pyramid may take: the inputs, then the cells above it. */
export function layersAbove(declaration: Declaration | undefined, offset: number): { name: string; detail: string }[] {
  const { levels } = pyramidLevels(declaration);
  const cells = (declaration?.body ?? []).filter((s): s is CellStatement => s.kind === 'cell' && s.range.end.offset < offset);
  return [
    ...levels.map((l) => ({ name: levelName(l), detail: `input, stride ${2 ** l}` })),
    ...cells.map((c) => ({ name: c.name.text, detail: `${c.isOutput ? 'output' : 'cell'} @${c.level.text}` })),
  ];
}
