// The best architecture as Figure 7 in text: one row per level (P3 at the top), the inputs in the first
// column and every merging cell in its own column in creation order, inputs green and outputs red as in the
// paper; under the grid, each cell's two inputs.
import { inputCount, strideOf, type BinaryOp, type PyramidIR } from '../semantics/ir.js';
import { levelRange } from '../semantics/levels.js';
import { assertNever } from '../util/assert-never.js';
import type { ChartRow, Segment } from './chart.js';

/** The paper's Figure 7 colours, as terminal colour names. */
export const GRID_COLORS = { input: 'green', output: 'red', cell: undefined } as const;

const COLUMN = 3;

/** The grid rows, then one line per cell ("c1 P4 sum ← P3, P5"); `width` limits the cell lines' columns. */
export function pyramidGrid(p: PyramidIR, width = 80): ChartRow[] {
  const levels = levelRange(p.minLevel, p.maxLevel);
  const rowLabel = (level: number) => `P${level} s${strideOf(level)}`;
  const labelWidth = Math.max(...levels.map((l) => rowLabel(l).length));
  const rows: ChartRow[] = [];

  let header = `${' '.repeat(labelWidth)}  in`;
  p.cells.forEach((_, i) => (header += String(i + 1).padStart(COLUMN)));
  rows.push([{ text: header, color: 'gray' }]);

  for (const level of levels) {
    const row: Segment[] = [{ text: `${rowLabel(level).padEnd(labelWidth)}   ` }, { text: '●', color: GRID_COLORS.input }];
    p.cells.forEach((cell) => {
      const glyph = cell.level !== level ? '·' : opGlyph(cell.op);
      const color = cell.level !== level ? 'gray' : cell.isOutput ? GRID_COLORS.output : GRID_COLORS.cell;
      row.push({ text: `${' '.repeat(COLUMN - 1)}${glyph}`, color });
    });
    rows.push(row);
  }

  const name = (node: number) => (node < inputCount(p) ? `in P${p.nodes[node].level}` : `c${node - inputCount(p) + 1}`);
  const lines = p.cells.map((cell, i) => {
    const op = opLabel(cell.op);
    const dangling = cell.danglingSums.length ? ` +${cell.danglingSums.map(name).join(' +')}` : '';
    const out = cell.isOutput ? ' out' : '';
    return `c${i + 1} P${cell.level} ${op} ← ${name(cell.inputs[0])}, ${name(cell.inputs[1])}${dangling}${out}`;
  });
  // Two cell lines per row when they fit side by side.
  const widest = Math.max(0, ...lines.map((l) => l.length));
  const perRow = widest * 2 + 3 <= width ? 2 : 1;
  for (let i = 0; i < lines.length; i += perRow) {
    rows.push([{ text: lines.slice(i, i + perRow).map((l) => l.padEnd(widest)).join('   ').trimEnd(), color: 'gray' }]);
  }
  return rows;
}

/** A row of segments as plain text (tests, logs). */
export const rowText = (row: ChartRow): string => row.map((s) => s.text).join('');

/** One character for a cell's op in the grid. */
function opGlyph(op: BinaryOp): string {
  switch (op.kind) {
    case 'sum':
      return '+';
    case 'global_pool':
      return 'G';
    case 'wsum':
      return 'W';
    default:
      return assertNever(op, 'op');
  }
}

/** A cell's op as the cell lines under the grid write it. */
function opLabel(op: BinaryOp): string {
  switch (op.kind) {
    case 'sum':
      return 'sum';
    case 'global_pool':
      return `gp(${op.pool})`;
    case 'wsum':
      return 'wsum';
    default:
      return assertNever(op, 'op');
  }
}
