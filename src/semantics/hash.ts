// A canonical structural hash of a pyramid: two files that describe the same computation graph get the same
// hash, whatever they call their cells and in whatever order they list cells that do not depend on each
// other. The search uses it to recognise an architecture it has already evaluated.
//
// Each node gets a Merkle hash from what it computes: an input from its level; a cell from its level, its op
// (with pooling flavour and which input is pooled), the hashes of its inputs (sorted where the op is
// symmetric), the hashes of its dangling sums (sorted), and whether it is an output. The pyramid's hash
// combines its level range with its outputs' hashes in level order, so unused layers do not count.
import { assertNever } from '../util/assert-never.js';
import { sha256Hex } from '../util/sha256.js';
import type { BinaryOp, PyramidIR, PyramidNetworkIR } from './ir.js';

// One SHA-256 for the CLI and the browser playground (src/util/sha256.ts): the same file hashes the same everywhere.
const sha = sha256Hex;

/**
 * The Merkle hash of every node of `p` (indexed like `p.nodes`): two nodes, in this pyramid or another, get the
 * same hash exactly when they compute the same thing. `nasfpn diff` matches cells by it.
 */
export function nodeHashes(p: PyramidIR): string[] {
  const hashes: string[] = [];
  const inputs = p.maxLevel - p.minLevel + 1;
  for (let i = 0; i < inputs; i++) hashes.push(sha(`input:${p.nodes[i].level}`));
  for (const cell of p.cells) {
    const { op, args } = canonicalCall(cell.op, hashes[cell.inputs[0]], hashes[cell.inputs[1]]);
    const dangling = cell.danglingSums.map((n) => hashes[n]).sort();
    hashes.push(sha(`cell:${cell.level}:${op}:${args.join(',')}:+${dangling.join(',')}:${cell.isOutput ? 'out' : 'mid'}`));
  }
  return hashes;
}

/** What a cell's op contributes to its hash, and what the op ignores about the order of its inputs. */
export interface OpSignature {
  /** The op with its options: 'sum', 'wsum', 'global_pool:max', 'global_pool:avg'. */
  op: string;
  /** True when swapping the inputs computes the same thing (their keys are then sorted). */
  symmetric: boolean;
  /** For an op that is not symmetric, the input listed first (global pooling: the pooled one). */
  first: 0 | 1;
}

export function opSignature(op: BinaryOp): OpSignature {
  switch (op.kind) {
    case 'sum':
      return { op: 'sum', symmetric: true, first: 0 };
    case 'wsum':
      // Symmetric: swapping the inputs swaps their (identically initialised) weights, the same computation.
      return { op: 'wsum', symmetric: true, first: 0 };
    case 'global_pool':
      return { op: `global_pool:${op.pool}`, symmetric: false, first: op.pooled };
    default:
      return assertNever(op, 'op');
  }
}

/**
 * A cell's op and its two inputs' keys (hashes, or any names that identify nodes) in the canonical order: sorted
 * where the op is symmetric, else the first input (the pooled one) first. Equal calls compute the same thing.
 */
export function canonicalCall(op: BinaryOp, a: string, b: string): { op: string; args: [string, string] } {
  const signature = opSignature(op);
  if (signature.symmetric) return { op: signature.op, args: a <= b ? [a, b] : [b, a] };
  return { op: signature.op, args: signature.first === 0 ? [a, b] : [b, a] };
}

export function pyramidHash(p: PyramidNetworkIR): string {
  switch (p.kind) {
    case 'cells':
      return cellPyramidHash(p);
    case 'fpn':
      // A fixed topology: its kind and levels are all there is to it.
      return sha(`fpn:${p.minLevel}..${p.maxLevel}`);
    default:
      return assertNever(p, 'pyramid kind');
  }
}

function cellPyramidHash(p: PyramidIR): string {
  const hashes = nodeHashes(p);
  const first = p.maxLevel - p.minLevel + 1;
  const outputs = p.cells
    .map((c, i) => ({ level: c.level, hash: hashes[first + i], isOutput: c.isOutput }))
    .filter((o) => o.isOutput)
    .sort((x, y) => x.level - y.level)
    .map((o) => `${o.level}=${o.hash}`);
  return sha(`pyramid:${p.minLevel}..${p.maxLevel}:${outputs.join(';')}`);
}
