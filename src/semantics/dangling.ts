// The dangling-layer rule, exactly as the TF reference implements it ([TPU] nasfpn.py `Nasfpn.__call__`,
// github.com/tensorflow/tpu models/official/detection/modeling/architecture):
//
// Every node carries a counter of how many cells consumed it. When a cell is built, its two inputs are
// counted first. Only when the cell is an output, every earlier node whose counter is still 0 and whose
// level equals the cell's level is added to the cell's binary-op result (before R-C-B) and counted, so it
// is never added twice. A node that stays unconsumed because its level's output was built earlier is
// dropped; the checker reports that case.

import type { Level } from './ir.js';

export interface DanglingCellShape {
  level: Level;
  inputs: readonly [number, number];
  isOutput: boolean;
}

export interface DanglingResult {
  /** Per cell, the node indices summed into it (empty for intermediate cells). */
  sums: number[][];
  /** Node indices that no cell consumed and no output absorbed (their computation is wasted). */
  dropped: number[];
}

/**
 * @param nodeLevels level of every node: the inputs first, then one per cell in order.
 * @param cells the cells in creation order (cell i is node `nodeLevels.length - cells.length + i`).
 */
export function computeDanglingSums(nodeLevels: readonly Level[], cells: readonly DanglingCellShape[]): DanglingResult {
  const firstCellNode = nodeLevels.length - cells.length;
  const consumed = new Array<number>(nodeLevels.length).fill(0);
  const sums: number[][] = [];
  cells.forEach((cell, i) => {
    const self = firstCellNode + i;
    consumed[cell.inputs[0]]++;
    consumed[cell.inputs[1]]++;
    const summed: number[] = [];
    if (cell.isOutput) {
      for (let node = 0; node < self; node++) {
        if (consumed[node] === 0 && nodeLevels[node] === cell.level) {
          summed.push(node);
          consumed[node] = 1;
        }
      }
    }
    sums.push(summed);
  });
  const dropped: number[] = [];
  cells.forEach((cell, i) => {
    const self = firstCellNode + i;
    if (!cell.isOutput && consumed[self] === 0) dropped.push(self);
  });
  for (let node = 0; node < firstCellNode; node++) if (consumed[node] === 0) dropped.push(node);
  return { sums, dropped: dropped.sort((a, b) => a - b) };
}
