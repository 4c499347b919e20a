// The structural diff of two pyramids (`nasfpn diff`): which cells of A and B are the same cell, and what
// changed. Data in, data out; printing is src/diff/print.ts and drawing src/viz/graph-diff.ts.
//
// Cells are matched by what they compute, in the canonical form of the structural hash (src/semantics/hash.ts):
//   1. inputs by level;
//   2. cells with equal Merkle hashes (the same computation, whatever their names or order);
//   3. the rest in B's creation order, each with the unmatched A cell that differs from it in the fewest of five
//      parts (level, op, each of the two inputs, output role), inputs compared through the matching so far and in
//      the op's canonical order (sorted where the op is symmetric, the pooled input first for global pooling).
//      A pass takes only pairs differing in at most 0, then 1, then MAX_CHANGED_PARTS parts, so a cell pairs
//      with its closest partner before anything looser is tried. A cell that keeps neither of its inputs is
//      another cell, whatever else it shares.
// A pair that differs in some part is a changed cell; a cell left without a partner is added (B) or removed (A).
// The two pyramids are structurally equal exactly when their structural hashes are.
import { printCell } from '../format/print.js';
import { canonicalCall, nodeHashes, opSignature, pyramidHash } from '../semantics/hash.js';
import { inputCount, type Level, type MergingCell, type PyramidIR, type PyramidKind, type PyramidNetworkIR } from '../semantics/ir.js';
import { levelRange } from '../semantics/levels.js';

/** Of the five parts of a cell (level, op, two inputs, output role), at most this many may differ in a changed cell. */
export const MAX_CHANGED_PARTS = 2;

/** One side of a diff, as its header names it. */
export interface PyramidSummary {
  name: string;
  kind: PyramidKind;
  minLevel: Level;
  maxLevel: Level;
  /** Merging cells (none in a `kind fpn` pyramid). */
  cells: number;
  hash: string;
}

/** One merging cell of one side. */
export interface CellSummary {
  /** Its index in the pyramid's nodes. */
  node: number;
  name: string;
  level: Level;
  /** The op with its options, as the structural hash names it: sum, wsum, global_pool:max, global_pool:avg. */
  op: string;
  /** The inputs' names, in the order the file writes them. */
  inputs: [string, string];
  /** Global pooling: the input that is pooled (and added unchanged); null for the other ops. */
  pooled: string | null;
  isOutput: boolean;
  /** The dangling-layer sums added to it, by name. */
  danglingSums: string[];
  /** The cell as a file writes it (`output n7 @P3 = sum(P3, n6)`). */
  source: string;
}

/** The parts of a cell that a changed cell reports. */
export type CellField = 'level' | 'op' | 'inputs' | 'output';

/** A cell of A and the cell of B it was matched with. */
export interface MatchedCell {
  a: CellSummary;
  b: CellSummary;
  /** The parts that differ; empty when the cell is unchanged (it may still be renamed). */
  changed: CellField[];
  /** Equal Merkle hashes: the same computation. False for an unchanged cell that reads a changed one. */
  sameComputation: boolean;
}

/** A matched output whose dangling-layer sums differ. */
export interface DanglingChange {
  /** Its level in B. */
  level: Level;
  /** The output in A and in B. */
  outputs: { a: string; b: string };
  /** The nodes summed into it, by name, on each side. */
  a: string[];
  b: string[];
}

export interface PyramidDiff {
  a: PyramidSummary;
  b: PyramidSummary;
  /** Structurally equal: the same structural hash (names, independent cell order and unused cells aside). */
  equal: boolean;
  /** Input levels that only B has (added) or only A has (removed). */
  inputs: { added: Level[]; removed: Level[] };
  /** Matched cells, in B's order. */
  matched: MatchedCell[];
  /** Cells of B without a partner, in B's order. */
  added: CellSummary[];
  /** Cells of A without a partner, in A's order. */
  removed: CellSummary[];
  /** The levels of the outputs in the order they are built, where that differs. */
  outputOrder: { a: Level[]; b: Level[] } | null;
  dangling: DanglingChange[];
  /** Every matched node, inputs included, as [index in A's nodes, index in B's nodes], in B's order. */
  nodes: [a: number, b: number][];
}

export function diffPyramids(a: PyramidNetworkIR, b: PyramidNetworkIR): PyramidDiff {
  const inputs = {
    added: levelRange(b.minLevel, b.maxLevel).filter((l) => l < a.minLevel || l > a.maxLevel),
    removed: levelRange(a.minLevel, a.maxLevel).filter((l) => l < b.minLevel || l > b.maxLevel),
  };
  const base = { a: summary(a), b: summary(b), equal: pyramidHash(a) === pyramidHash(b), inputs };
  if (a.kind !== 'cells' || b.kind !== 'cells') {
    // A fixed FPN has no cells to match: the other side's cells are all new (or all gone).
    return {
      ...base, matched: [], outputOrder: null, dangling: [], nodes: [],
      added: b.kind === 'cells' ? b.cells.map((_, i) => cellSummary(b, i)) : [],
      removed: a.kind === 'cells' ? a.cells.map((_, i) => cellSummary(a, i)) : [],
    };
  }
  const hashA = nodeHashes(a);
  const hashB = nodeHashes(b);
  const matching = matchNodes(a, b, hashA, hashB);
  const { aToB, bToA } = matching;
  const firstA = inputCount(a);
  const firstB = inputCount(b);
  const matched: MatchedCell[] = [];
  const added: CellSummary[] = [];
  b.cells.forEach((_, j) => {
    const i = bToA[firstB + j];
    if (i === null) {
      added.push(cellSummary(b, j));
      return;
    }
    matched.push({
      a: cellSummary(a, i - firstA), b: cellSummary(b, j),
      changed: changedFields(a, i, b, firstB + j, bToA),
      sameComputation: hashA[i] === hashB[firstB + j],
    });
  });
  const removed = a.cells.flatMap((_, i) => (aToB[firstA + i] === null ? [cellSummary(a, i)] : []));
  const sameOrder = a.outputLevels.join() === b.outputLevels.join();
  return {
    ...base, matched, added, removed,
    outputOrder: sameOrder ? null : { a: [...a.outputLevels], b: [...b.outputLevels] },
    dangling: danglingChanges(a, b, matching),
    nodes: bToA.flatMap((i, j) => (i === null ? [] : [[i, j] as [number, number]])),
  };
}

/** How many cells of the diff fall in each kind of change (each matched cell counts once: changed, else renamed, else unchanged). */
export interface CellCounts {
  added: number;
  removed: number;
  changed: number;
  renamed: number;
  unchanged: number;
}

export function countCells(diff: PyramidDiff): CellCounts {
  const changed = diff.matched.filter((m) => m.changed.length > 0).length;
  const renamed = diff.matched.filter((m) => m.changed.length === 0 && m.a.name !== m.b.name).length;
  return { added: diff.added.length, removed: diff.removed.length, changed, renamed, unchanged: diff.matched.length - changed - renamed };
}

function summary(p: PyramidNetworkIR): PyramidSummary {
  return { name: p.name, kind: p.kind, minLevel: p.minLevel, maxLevel: p.maxLevel, cells: p.kind === 'cells' ? p.cells.length : 0, hash: pyramidHash(p) };
}

function cellSummary(p: PyramidIR, index: number): CellSummary {
  const cell = p.cells[index];
  const name = (node: number) => p.nodes[node].name;
  return {
    node: inputCount(p) + index, name: cell.name, level: cell.level, op: opSignature(cell.op).op,
    inputs: [name(cell.inputs[0]), name(cell.inputs[1])],
    pooled: cell.op.kind === 'global_pool' ? name(cell.inputs[cell.op.pooled]) : null,
    isOutput: cell.isOutput, danglingSums: cell.danglingSums.map(name), source: printCell(p, cell),
  };
}

// ---------------------------------------------------------------------------------------------------
// Matching

/** Partner of each node (index into the other pyramid's nodes), or null. */
interface Matching {
  aToB: (number | null)[];
  bToA: (number | null)[];
}

/** Matches the nodes of `a` and `b`, given the Merkle hash of every node of each. */
function matchNodes(a: PyramidIR, b: PyramidIR, hashA: readonly string[], hashB: readonly string[]): Matching {
  const aToB = new Array<number | null>(a.nodes.length).fill(null);
  const bToA = new Array<number | null>(b.nodes.length).fill(null);
  const pair = (i: number, j: number) => {
    aToB[i] = j;
    bToA[j] = i;
  };
  const firstA = inputCount(a);
  const firstB = inputCount(b);
  for (let j = 0; j < firstB; j++) {
    const level = b.nodes[j].level;
    if (level >= a.minLevel && level <= a.maxLevel) pair(level - a.minLevel, j);
  }

  // The same computation: equal Merkle hashes (in order, should a pyramid compute one thing twice).
  const byHash = new Map<string, number[]>();
  for (let i = firstA; i < a.nodes.length; i++) {
    if (!byHash.has(hashA[i])) byHash.set(hashA[i], []);
    byHash.get(hashA[i])!.push(i);
  }
  for (let j = firstB; j < b.nodes.length; j++) {
    const partner = byHash.get(hashB[j])?.shift();
    if (partner !== undefined) pair(partner, j);
  }

  // The closest partner for the rest, loosening one part at a time.
  for (let tolerance = 0; tolerance <= MAX_CHANGED_PARTS; tolerance++) {
    for (let j = firstB; j < b.nodes.length; j++) {
      if (bToA[j] !== null) continue;
      let best: { i: number; rank: number[] } | null = null;
      for (let i = firstA; i < a.nodes.length; i++) {
        if (aToB[i] !== null) continue;
        const parts = differingParts(a, i, b, j, bToA);
        if (parts > tolerance) continue;
        // Fewest differing parts, then the same name, then the nearest position.
        const rank = [parts, a.nodes[i].name === b.nodes[j].name ? 0 : 1, Math.abs(i - firstA - (j - firstB))];
        if (!best || lexLess(rank, best.rank)) best = { i, rank };
      }
      if (best) pair(best.i, j);
    }
  }
  return { aToB, bToA };
}

const lexLess = (x: number[], y: number[]): boolean => {
  const k = x.findIndex((v, n) => v !== y[n]);
  return k >= 0 && x[k] < y[k];
};

const cellOf = (p: PyramidIR, node: number): MergingCell => p.cells[node - inputCount(p)];

/**
 * The keys of a cell's inputs in A's terms: an A node is `a<index>`, a B node its partner's key, or `b<index>`
 * while it has none. Equal keys are the same node.
 */
function inputKeys(cell: MergingCell, side: 'a' | 'b', bToA: readonly (number | null)[]): [string, string] {
  const key = (node: number) => (side === 'a' ? `a${node}` : bToA[node] !== null ? `a${bToA[node]}` : `b${node}`);
  return [key(cell.inputs[0]), key(cell.inputs[1])];
}

/**
 * How many of the two inputs differ: as sets, in the ops' canonical form; where neither op is symmetric, inputs
 * that trade places (global pooling now pools the other one) count as one difference.
 */
function differingInputs(a: MergingCell, keysA: [string, string], b: MergingCell, keysB: [string, string]): number {
  const callA = canonicalCall(a.op, ...keysA);
  const callB = canonicalCall(b.op, ...keysB);
  const unmatched = [...callA.args];
  let differing = 0;
  for (const key of callB.args) {
    const at = unmatched.indexOf(key);
    if (at >= 0) unmatched.splice(at, 1);
    else differing++;
  }
  const ordered = !opSignature(a.op).symmetric && !opSignature(b.op).symmetric;
  const tradedPlaces = ordered && differing === 0 && callA.args[0] !== callB.args[0];
  return tradedPlaces ? 1 : differing;
}

/** How many of the five parts of two cells differ; Infinity when both inputs do (they are not the same cell). */
function differingParts(a: PyramidIR, i: number, b: PyramidIR, j: number, bToA: readonly (number | null)[]): number {
  const ca = cellOf(a, i);
  const cb = cellOf(b, j);
  const inputs = differingInputs(ca, inputKeys(ca, 'a', bToA), cb, inputKeys(cb, 'b', bToA));
  if (inputs === 2) return Infinity;
  return Number(ca.level !== cb.level) + Number(opSignature(ca.op).op !== opSignature(cb.op).op) + inputs + Number(ca.isOutput !== cb.isOutput);
}

function changedFields(a: PyramidIR, i: number, b: PyramidIR, j: number, bToA: readonly (number | null)[]): CellField[] {
  const ca = cellOf(a, i);
  const cb = cellOf(b, j);
  const fields: CellField[] = [];
  if (ca.level !== cb.level) fields.push('level');
  if (opSignature(ca.op).op !== opSignature(cb.op).op) fields.push('op');
  if (differingInputs(ca, inputKeys(ca, 'a', bToA), cb, inputKeys(cb, 'b', bToA)) > 0) fields.push('inputs');
  if (ca.isOutput !== cb.isOutput) fields.push('output');
  return fields;
}

// ---------------------------------------------------------------------------------------------------
// Dangling sums

/** Matched outputs whose dangling-layer sums are different nodes (an added or removed output shows its own). */
function danglingChanges(a: PyramidIR, b: PyramidIR, { aToB, bToA }: Matching): DanglingChange[] {
  const changes: DanglingChange[] = [];
  b.cells.forEach((cb, j) => {
    const i = bToA[inputCount(b) + j];
    if (i === null) return;
    const ca = cellOf(a, i);
    if (!ca.isOutput || !cb.isOutput) return;
    // In B's terms: a node of A is its partner in B, or itself when it has none.
    const keysA = ca.danglingSums.map((n) => (aToB[n] !== null ? `b${aToB[n]}` : `a${n}`)).sort();
    const keysB = cb.danglingSums.map((n) => `b${n}`).sort();
    if (keysA.join() === keysB.join()) return;
    changes.push({
      level: cb.level, outputs: { a: ca.name, b: cb.name },
      a: ca.danglingSums.map((n) => a.nodes[n].name), b: cb.danglingSums.map((n) => b.nodes[n].name),
    });
  });
  return changes;
}
