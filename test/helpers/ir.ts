// Checked-IR values for tests in every room, built straight from the reference block specs (reference.md
// §1.1) without the parser or the checker, so tests of later stages don't depend on the language; and
// test/semantics/hash.test.ts checks that the checker produces the same IR from examples/nasfpn.fpn.
import * as D from '../../src/semantics/defaults.js';
import { areValidCellInputs, computeDanglingSums, mayBeIntermediate, requiredOutputLevels } from '../../src/semantics/rules.js';
import { Random } from '../../src/util/random.js';
import { coarserInput, type BinaryOp, type DetectorIR, type PyramidIR, type PyramidNetworkIR } from '../../src/semantics/ir.js';

/** A reference block spec; 'wsum' (a weighted sum, which the TF spec cannot express) is this project's extension. */
type Spec = [level: number, op: 'sum' | 'attention' | 'wsum', inputs: [number, number], isOutput: boolean];

/** reference.md §1.1: the 7-cell NAS-FPN of Figure 7(f). */
export const NASFPN_BLOCK_SPECS: Spec[] = [
  [4, 'attention', [1, 3], false],
  [4, 'sum', [1, 5], false],
  [3, 'sum', [0, 6], true],
  [4, 'sum', [6, 7], true],
  [5, 'attention', [7, 8], true],
  [7, 'attention', [6, 9], true],
  [6, 'attention', [9, 10], true],
];

/** Figure 7(a): the FPN top-down path written as five output cells. */
export const FPN_BLOCK_SPECS: Spec[] = [
  [7, 'sum', [4, 3], true],
  [6, 'sum', [3, 5], true],
  [5, 'sum', [2, 6], true],
  [4, 'sum', [1, 7], true],
  [3, 'sum', [0, 8], true],
];

export function pyramidFromSpecs(name: string, specs: Spec[], minLevel = D.DEFAULT_MIN_LEVEL, maxLevel = D.DEFAULT_MAX_LEVEL): PyramidIR {
  const nodes: PyramidIR['nodes'] = [];
  for (let l = minLevel; l <= maxLevel; l++) nodes.push({ name: `P${l}`, level: l, kind: 'input' });
  specs.forEach((s, i) => nodes.push({ name: `n${nodes.length}`, level: s[0], kind: 'cell' }));
  const levels = nodes.map((n) => n.level);
  const { sums } = computeDanglingSums(levels, specs.map((s) => ({ level: s[0], inputs: s[2], isOutput: s[3] })));
  const cells = specs.map((s, i): PyramidIR['cells'][number] => {
    const op: BinaryOp =
      s[1] === 'attention'
        ? { kind: 'global_pool', pool: 'max', pooled: coarserInput(levels[s[2][0]], levels[s[2][1]]) }
        : { kind: s[1] };
    return { name: nodes[maxLevel - minLevel + 1 + i].name, level: s[0], op, inputs: [...s[2]], isOutput: s[3], danglingSums: sums[i] };
  });
  return {
    kind: 'cells', name, minLevel, maxLevel, nodes, cells,
    outputLevels: cells.filter((c) => c.isOutput).map((c) => c.level),
    allowStride8Intermediates: false,
  };
}

/** The pyramid as one of merging cells, for tests that read cells; fails on a `kind fpn` pyramid. */
export function cellPyramid(p: PyramidNetworkIR | undefined): PyramidIR {
  if (p?.kind !== 'cells') throw new Error(`expected a pyramid of merging cells, got ${p ? `kind ${p.kind}` : 'none'}`);
  return p;
}

/** The TF reference's FPN as the checker lowers `kind fpn` (examples/fpn.fpn `fpn`). */
export const fpnReference = (minLevel = 3, maxLevel = 7): PyramidNetworkIR => ({ kind: 'fpn', name: 'fpn', minLevel, maxLevel });

export const nasfpnPyramid = (): PyramidIR => pyramidFromSpecs('nasfpn', NASFPN_BLOCK_SPECS);
export const fpnPyramid = (): PyramidIR => pyramidFromSpecs('fpn_cells', FPN_BLOCK_SPECS);

/** The paper's RetinaNet R-50 NAS-FPN 7@256 at 640, with fields overridable for small test models. */
export function detector(overrides: Partial<DetectorIR> = {}): DetectorIR {
  const width = overrides.width ?? 256;
  return {
    name: 'retinanet_nasfpn_r50',
    backbone: { kind: 'resnet', depth: 50 },
    pyramid: nasfpnPyramid(),
    repeats: 7,
    width,
    minLevel: D.DEFAULT_MIN_LEVEL,
    maxLevel: D.DEFAULT_MAX_LEVEL,
    conv: 'standard',
    dropblock: null,
    anytimeHeads: false,
    inputSize: D.DEFAULT_INPUT_SIZE,
    head: {
      kind: 'retinanet', convs: D.DEFAULT_HEAD_CONVS, width, classes: D.DEFAULT_CLASSES,
      anchors: { scales: D.DEFAULT_ANCHOR_SCALES, ratios: [...D.DEFAULT_ANCHOR_RATIOS], size: D.DEFAULT_ANCHOR_SIZE },
      prior: D.CLASS_PRIOR, focal: { alpha: D.FOCAL_ALPHA, gamma: D.FOCAL_GAMMA },
    },
    batchNorm: { momentum: D.BATCH_NORM_MOMENTUM, epsilon: D.BATCH_NORM_EPSILON },
    ...overrides,
  };
}

/**
 * A deterministic random pyramid with `cellCount` (≥ 5) cells over P3..P7, sampled with the paper's rules
 * (src/semantics/rules.ts): the last five cells are the outputs, one per level in a random order; intermediate
 * cells avoid stride 8; each cell takes two different earlier nodes, mostly recent ones, so long edges are rare
 * but occur.
 */
export function generatedPyramid(cellCount: number, seed = 1): PyramidIR {
  const random = Random.seeded(seed);
  const [minLevel, maxLevel] = [D.DEFAULT_MIN_LEVEL, D.DEFAULT_MAX_LEVEL];
  const outputLevels = random.shuffle(requiredOutputLevels(minLevel, maxLevel));
  const intermediateLevels = requiredOutputLevels(minLevel, maxLevel).filter((level) => mayBeIntermediate(level, false));
  const inputCount = maxLevel - minLevel + 1;
  const firstOutput = cellCount - outputLevels.length;
  const specs: Spec[] = [];
  for (let i = 0; i < cellCount; i++) {
    const nodesBefore = inputCount + i;
    const isOutput = i >= firstOutput;
    const level = isOutput ? outputLevels[i - firstOutput] : random.pick(intermediateLevels);
    const choose = () => (random.bernoulli(0.7) ? Math.max(0, nodesBefore - 1 - random.int(8)) : random.int(nodesBefore));
    const a = choose();
    let b = choose();
    while (!areValidCellInputs(a, b, nodesBefore)) b = random.int(nodesBefore);
    specs.push([level, random.bernoulli(0.5) ? 'sum' : 'attention', [a, b], isOutput]);
  }
  return pyramidFromSpecs(`generated${cellCount}`, specs, minLevel, maxLevel);
}
