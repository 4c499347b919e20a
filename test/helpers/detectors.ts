// Small detectors for model tests: tiny inputs and widths so the pure-JS cpu backend builds and runs them in
// well under a second each.
import type { DetectorIR } from '../../src/semantics/ir.js';
import { detector, fpnReference, NASFPN_BLOCK_SPECS, nasfpnPyramid, pyramidFromSpecs } from './ir.js';

/** A 5-cell P3..P6 pyramid (Lite-like): attention and sum cells, one dangling sum (P5 into the level-5 output). */
export const litePyramid = () =>
  pyramidFromSpecs('lite_small', [
    [4, 'attention', [1, 3], false],
    [3, 'sum', [0, 4], true],
    [4, 'sum', [4, 5], true],
    [5, 'attention', [5, 6], true],
    [6, 'attention', [6, 7], true],
  ], 3, 6);

/** The 7-cell NAS-FPN with its two sum outputs (P3 and P4, cells 2 and 3) made weighted sums (BiFPN fusion). */
export const wsumPyramid = () =>
  pyramidFromSpecs('nasfpn_wsum', NASFPN_BLOCK_SPECS.map(([level, op, inputs, isOutput]) =>
    [level, op === 'sum' && isOutput ? 'wsum' : op, inputs, isOutput]));

/** The TF reference's FPN (kind fpn) over P3..P6. */
export const fpnReferencePyramid = (): DetectorIR['pyramid'] => fpnReference(3, 6);

const smallHead = (width: number, classes = 3): DetectorIR['head'] => ({
  ...detector().head, convs: 1, width, classes, anchors: { scales: 1, ratios: [1, 2], size: 4 },
});

/** ResNet-10, NAS-FPN 2@16, input 128, 3 classes. */
export const tinyResnet = (overrides: Partial<DetectorIR> = {}): DetectorIR =>
  detector({
    name: 'tiny_r10', backbone: { kind: 'resnet', depth: 10 }, pyramid: nasfpnPyramid(), repeats: 2, width: 16,
    inputSize: 128, head: smallHead(16), ...overrides,
  });

/** MobileNetV2 ×0.35, separable convs, Lite-like P3..P6 pyramid 2@16, input 64. */
export const tinyLite = (overrides: Partial<DetectorIR> = {}): DetectorIR =>
  detector({
    name: 'tiny_lite', backbone: { kind: 'mobilenet_v2', widthMultiplier: 0.35 }, pyramid: litePyramid(), repeats: 2,
    width: 16, minLevel: 3, maxLevel: 6, conv: 'separable', inputSize: 64, head: smallHead(16), ...overrides,
  });

/** ResNet-10 under three stacked P3–P6 pyramids 16 wide at 64², with anytime heads (a head after each pyramid). */
export const tinyAnytime = (overrides: Partial<DetectorIR> = {}): DetectorIR =>
  tinyResnet({ name: 'tiny_anytime', pyramid: litePyramid(), maxLevel: 6, inputSize: 64, repeats: 3, anytimeHeads: true, ...overrides });
