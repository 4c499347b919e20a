// Checked IR → .fpn text: how sampled architectures (search) and converted specs (import) become files a
// person can read, check and draw. The output is already in the formatter's canonical layout.
import { coarserInput, type BinaryOp, type PyramidIR } from '../semantics/ir.js';
import { levelName } from '../semantics/levels.js';
import { assertNever } from '../util/assert-never.js';

/** The op as a call, writing options only where they differ from the defaults the checker would pick. */
function opCall(op: BinaryOp, inputs: [string, string], levels: [number, number]): string {
  switch (op.kind) {
    case 'sum':
    case 'wsum':
      return `${op.kind}(${inputs.join(', ')})`;
    case 'global_pool': {
      const options: string[] = [];
      if (op.pool !== 'max') options.push(`pool=${op.pool}`);
      if (op.pooled !== coarserInput(...levels)) options.push(`pooled=${inputs[op.pooled]}`);
      return `global_pool(${[...inputs, ...options].join(', ')})`;
    }
    default:
      return assertNever(op, 'op');
  }
}

export function printPyramid(p: PyramidIR, comment?: string): string {
  const lines: string[] = [];
  if (comment) for (const line of comment.split('\n')) lines.push(`# ${line}`.trimEnd());
  lines.push(`pyramid ${p.name} {`, `  inputs ${levelName(p.minLevel)}..${levelName(p.maxLevel)}`);
  if (p.allowStride8Intermediates) lines.push('  allow stride8');
  for (const cell of p.cells) {
    const names: [string, string] = [p.nodes[cell.inputs[0]].name, p.nodes[cell.inputs[1]].name];
    const levels: [number, number] = [p.nodes[cell.inputs[0]].level, p.nodes[cell.inputs[1]].level];
    const dangling = cell.danglingSums.length ? `  # + ${cell.danglingSums.map((n) => p.nodes[n].name).join(', ')} (dangling)` : '';
    lines.push(`  ${cell.isOutput ? 'output' : 'cell'} ${cell.name} @${levelName(cell.level)} = ${opCall(cell.op, names, levels)}${dangling}`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}
