// Checked-IR values for tests in every room, built straight from the reference block specs (reference.md
// §1.1) without the parser or the checker, so tests of later stages don't depend on the language; and
// test/language/hash.test.ts checks that the checker produces the same IR from examples/nasfpn.fpn.
import { computeDanglingSums } from '../../src/semantics/dangling.js';
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

export function pyramidFromSpecs(name: string, specs: Spec[], minLevel = 3, maxLevel = 7): PyramidIR {
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
    minLevel: 3,
    maxLevel: 7,
    conv: 'standard',
    dropblock: null,
    anytimeHeads: false,
    inputSize: 640,
    head: {
      kind: 'retinanet', convs: 4, width, classes: 91,
      anchors: { scales: 3, ratios: [1, 2, 0.5], size: 4 },
      prior: 0.01, focal: { alpha: 0.25, gamma: 1.5 },
    },
    batchNorm: { momentum: 0.997, epsilon: 1e-4 },
    ...overrides,
  };
}
