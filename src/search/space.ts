// A search space's architectures as sequences of decisions, and back: the one place that turns what a strategy
// chooses into a PyramidIR.
//
// The paper's (§3.1) four decisions per merging cell, in this order:
//   1. input 1: any earlier node (an input level or an earlier cell);
//   2. input 2: any earlier node but input 1 (sampled without replacement);
//   3. output level: for intermediate cells any level the checker's stride rule allows; for the last
//      `outputLevels.length` cells, the output levels not produced yet, so the controller picks their order;
//   4. op: one of the space's binary ops.
// Each decision has a fixed vocabulary (node index, level − minLevel, op index) and a mask of the choices that
// are valid given the earlier ones, so every sample passes the checker. A pyramid outputs every level it takes
// in (the checker's FPN130), so a space whose outputs are fewer levels than its inputs has no valid samples:
// `checkSpaceSearchable` says so before a search starts. With an output at every level, the dangling rule can
// absorb any node no cell consumed, so the inputs need no further mask.
import { coarserInput, type BinaryOp, type Level, type MergingCell, type OpKind, type PyramidIR, type PyramidNode, type SearchSpaceIR } from '../semantics/ir.js';
import { levelName } from '../semantics/levels.js';
import { computeDanglingSums, mayBeIntermediate } from '../semantics/rules.js';
import { assertNever } from '../util/assert-never.js';
import type { Random } from '../util/random.js';

export type DecisionKind = 'input1' | 'input2' | 'level' | 'op';
export const DECISION_KINDS: readonly DecisionKind[] = ['input1', 'input2', 'level', 'op'];
/** Decisions per cell. */
export const DECISIONS_PER_CELL = DECISION_KINDS.length;

/** The fixed vocabulary sizes of a space's decisions. */
export interface SpaceShape {
  cells: number;
  inputCount: number;
  /** Vocabulary of input decisions: every node an input may be (all but the last cell). */
  nodes: number;
  levels: number;
  ops: number;
  /** Total decisions of one architecture. */
  length: number;
}

export function spaceShape(space: SearchSpaceIR): SpaceShape {
  const inputCount = space.maxLevel - space.minLevel + 1;
  return {
    cells: space.cells,
    inputCount,
    nodes: inputCount + space.cells - 1,
    levels: inputCount,
    ops: space.ops.length,
    length: space.cells * DECISIONS_PER_CELL,
  };
}

export const vocabularySize = (shape: SpaceShape, kind: DecisionKind): number => {
  switch (kind) {
    case 'input1':
    case 'input2':
      return shape.nodes;
    case 'level':
      return shape.levels;
    case 'op':
      return shape.ops;
    default:
      return assertNever(kind, 'decision kind');
  }
};

export class InvalidDecisionError extends Error {}

/** Why no architecture of `space` would pass the checker, or null when the search can sample it. */
export function checkSpaceSearchable(space: SearchSpaceIR): string | null {
  const inputs = space.maxLevel - space.minLevel + 1;
  if (space.outputLevels.length !== inputs) {
    return `search space '${space.name}' outputs ${space.outputLevels.length} of its ${inputs} input levels, but a pyramid outputs every level it takes in (FPN130): use outputs ${levelName(space.minLevel)}..${levelName(space.maxLevel)}`;
  }
  const intermediates = space.cells - space.outputLevels.length;
  const allowed = space.outputLevels.some((l) => mayBeIntermediate(l, space.allowStride8Intermediates));
  if (intermediates > 0 && !allowed) {
    return `search space '${space.name}' has intermediate cells but no level they may use (stride 16 or coarser, or 'allow stride8')`;
  }
  return null;
}

/**
 * Builds an architecture one decision at a time, knowing at each step which choices are valid. Strategies use
 * it to sample (ask `mask()`, then `choose()`) and to replay stored decisions (the PPO update needs the masks).
 */
export class DecisionWalker {
  readonly shape: SpaceShape;
  private readonly levels: Level[] = [];
  private readonly chosen: number[] = [];
  private readonly remainingOutputs: Set<Level>;
  private readonly cellInputs: [number, number][] = [];
  private readonly cellOps: OpKind[] = [];

  constructor(readonly space: SearchSpaceIR) {
    this.shape = spaceShape(space);
    this.remainingOutputs = new Set(space.outputLevels);
    for (let l = space.minLevel; l <= space.maxLevel; l++) {
      this.levels.push(l);
    }
  }

  get done(): boolean {
    return this.chosen.length === this.shape.length;
  }

  /** The decisions so far. */
  get decisions(): readonly number[] {
    return this.chosen;
  }

  get step(): number {
    return this.chosen.length;
  }

  get kind(): DecisionKind {
    return DECISION_KINDS[this.chosen.length % DECISIONS_PER_CELL];
  }

  private get cell(): number {
    return Math.floor(this.chosen.length / DECISIONS_PER_CELL);
  }

  private isOutputCell(cell: number): boolean {
    return cell >= this.shape.cells - this.space.outputLevels.length;
  }

  /** Which choices of the next decision are valid (true) in its vocabulary. */
  mask(): boolean[] {
    if (this.done) throw new InvalidDecisionError('the architecture is complete');
    const kind = this.kind;
    const mask = new Array<boolean>(vocabularySize(this.shape, kind)).fill(false);
    const nodeCount = this.levels.length;
    switch (kind) {
      case 'input1':
      case 'input2': {
        const first = kind === 'input2' ? this.chosen[this.chosen.length - 1] : -1;
        for (let node = 0; node < nodeCount; node++) mask[node] = node !== first;
        break;
      }
      case 'level': {
        const cell = this.cell;
        if (this.isOutputCell(cell)) {
          for (const level of this.remainingOutputs) mask[level - this.space.minLevel] = true;
        } else {
          for (let i = 0; i < this.shape.levels; i++) {
            mask[i] = mayBeIntermediate(this.space.minLevel + i, this.space.allowStride8Intermediates);
          }
        }
        break;
      }
      case 'op':
        mask.fill(true);
        break;
      default:
        assertNever(kind, 'decision kind');
    }
    if (!mask.some(Boolean)) {
      throw new InvalidDecisionError(`search space '${this.space.name}' admits no valid ${kind} for cell ${this.cell + 1}`);
    }
    return mask;
  }

  choose(choice: number): void {
    const mask = this.mask();
    if (!Number.isInteger(choice) || !mask[choice]) {
      throw new InvalidDecisionError(`decision ${this.step} (${this.kind} of cell ${this.cell + 1}) cannot be ${choice}`);
    }
    const kind = this.kind;
    this.chosen.push(choice);
    switch (kind) {
      case 'input1':
      case 'input2':
        break;
      case 'level': {
        const level = this.space.minLevel + choice;
        const cell = this.cell;
        if (this.isOutputCell(cell)) this.remainingOutputs.delete(level);
        this.levels.push(level);
        const base = cell * DECISIONS_PER_CELL;
        this.cellInputs.push([this.chosen[base], this.chosen[base + 1]]);
        break;
      }
      case 'op':
        this.cellOps.push(this.space.ops[choice]);
        break;
      default:
        assertNever(kind, 'decision kind');
    }
  }

  /** The finished architecture as a checked-IR pyramid named `name` (cells n5, n6, ... by node index). */
  toPyramid(name: string): PyramidIR {
    if (!this.done) throw new InvalidDecisionError(`only ${this.step} of ${this.shape.length} decisions were made`);
    const { space, shape } = this;
    const nodes: PyramidNode[] = this.levels.map((level, i) =>
      i < shape.inputCount ? { name: levelName(level), level, kind: 'input' } : { name: `n${i}`, level, kind: 'cell' });
    const shapes = this.cellInputs.map((inputs, i) => ({
      level: this.levels[shape.inputCount + i],
      inputs,
      isOutput: this.isOutputCell(i),
    }));
    const { sums } = computeDanglingSums(this.levels, shapes);
    const cells: MergingCell[] = shapes.map((s, i) => ({
      name: nodes[shape.inputCount + i].name,
      level: s.level,
      op: this.op(this.cellOps[i], s.inputs),
      inputs: s.inputs,
      isOutput: s.isOutput,
      danglingSums: sums[i],
    }));
    return {
      kind: 'cells',
      name,
      minLevel: space.minLevel,
      maxLevel: space.maxLevel,
      nodes,
      cells,
      outputLevels: cells.filter((c) => c.isOutput).map((c) => c.level),
      allowStride8Intermediates: space.allowStride8Intermediates,
    };
  }

  private op(kind: OpKind, inputs: [number, number]): BinaryOp {
    switch (kind) {
      case 'sum':
        return { kind: 'sum' };
      case 'global_pool':
        // The TF reference pools the coarser input; the checker's default for `global_pool` is the same.
        return { kind: 'global_pool', pool: this.space.pool, pooled: coarserInput(this.levels[inputs[0]], this.levels[inputs[1]]) };
      case 'wsum':
        return { kind: 'wsum' };
      default:
        return assertNever(kind, 'op kind');
    }
  }
}

/** The pyramid that `decisions` describe; throws InvalidDecisionError when one of them is not valid. */
export function decisionsToPyramid(space: SearchSpaceIR, decisions: readonly number[], name: string): PyramidIR {
  const walker = new DecisionWalker(space);
  if (decisions.length !== walker.shape.length) {
    throw new InvalidDecisionError(`an architecture of space '${space.name}' has ${walker.shape.length} decisions, not ${decisions.length}`);
  }
  for (const d of decisions) walker.choose(d);
  return walker.toPyramid(name);
}

/** Draws each decision uniformly among its valid choices. */
export function sampleDecisions(space: SearchSpaceIR, random: Random): number[] {
  const walker = new DecisionWalker(space);
  while (!walker.done) {
    const valid = walker.mask().flatMap((ok, i) => (ok ? [i] : []));
    walker.choose(random.pick(valid));
  }
  return [...walker.decisions];
}

/** Whether `decisions` describe a valid architecture of `space`. */
export function isValidDecisions(space: SearchSpaceIR, decisions: readonly number[]): boolean {
  try {
    decisionsToPyramid(space, decisions, 'probe');
    return true;
  } catch (error) {
    if (error instanceof InvalidDecisionError) return false;
    throw error;
  }
}
