// The counter against reference.md §5 and §10 (own arithmetic of the [TPU] conventions) and Table 1.
import { describe, expect, test } from 'vitest';
import { countModel } from '../../src/codegen/count.js';
import { lowerDetector } from '../../src/codegen/lower.js';
import { compareTable1, FLOPS_TOLERANCE, PARAMS_TOLERANCE, TABLE1 } from '../../src/codegen/table1.js';
import { checkPath } from '../../src/cli/load.js';
import type { DetectorIR } from '../../src/semantics/ir.js';
import { detector, fpnPyramid, fpnReference } from '../helpers/ir.js';

/** The reference's counting setup: K = 90 classes. */
const k90 = (overrides: Partial<DetectorIR> = {}): DetectorIR => {
  const d = detector(overrides);
  return { ...d, head: { ...d.head, classes: 90 } };
};
const group = (d: DetectorIR, name: string) => countModel(lowerDetector(d)).groups.find((g) => g.group === name)!;

describe('backbones (reference.md §5)', () => {
  test.each([
    [10, 4_910_016], [18, 11_180_736], [34, 21_288_896], [50, 23_508_032],
  ] as const)('ResNet-%i has %i trainable parameters', (depth, params) => {
    expect(group(k90({ backbone: { kind: 'resnet', depth } }), 'backbone').trainable).toBe(params);
  });

  test('MobileNetV2 ×1.0 up to layer_19 has the 2,223,872 trainable parameters of the classifier-less net', () => {
    const lite = k90({ backbone: { kind: 'mobilenet_v2', widthMultiplier: 1 }, conv: 'separable', inputSize: 384 });
    expect(group(lite, 'backbone').trainable).toBe(2_223_872);
  });
});

describe('Table 1 arithmetic (reference.md §10)', () => {
  test('NAS-FPN R-50 7@256: 60,057,998 parameters and 140.1 GMACs at 640, part by part', () => {
    const counts = countModel(lowerDetector(k90()));
    expect(counts.trainable).toBe(60_057_998);
    const byGroup = Object.fromEntries(counts.groups.map((g) => [g.group, g]));
    expect(byGroup.laterals.trainable).toBe(919_808);
    expect(counts.groups.filter((g) => g.group.startsWith('stack')).reduce((n, g) => n + g.trainable, 0)).toBe(28_939_008);
    expect(byGroup.head.trainable).toBe(2 * 2_370_560 + 1_867_050 + 82_980);
    expect(byGroup.backbone.macs / 1e9).toBeCloseTo(33.36, 2);
    expect(byGroup.stack1.macs / 1e9).toBeCloseTo(6.92, 2);
    expect(counts.macs / 1e9).toBeCloseTo(140.1, 1);
    expect(counts.flops).toBe(2 * counts.macs);
  });

  test('NAS-FPN R-50 7@384 with a 384-wide head: 103,547,534 parameters, 1039.7 GMACs at 1280', () => {
    const counts = countModel(lowerDetector(k90({ width: 384, inputSize: 1280 })));
    expect(counts.trainable).toBe(103_547_534);
    expect(counts.macs / 1e9).toBeCloseTo(1039.7, 1);
  });

  test('the proxy model R-10 3@256 at 512: 24.17 M parameters, 54.5 GMACs', () => {
    const counts = countModel(lowerDetector(k90({ backbone: { kind: 'resnet', depth: 10 }, repeats: 3, inputSize: 512 })));
    expect(counts.trainable / 1e6).toBeCloseTo(24.17, 2);
    expect(counts.macs / 1e9).toBeCloseTo(54.5, 1);
  });

  test('FPN (kind fpn, the [TPU] fpn.py) R-50 @256: 34,070,414 parameters, part by part', () => {
    const counts = countModel(lowerDetector(k90({ pyramid: fpnReference(), repeats: 1 })));
    // Laterals: 1×1 convs with bias from 512, 1024, 2048 channels, and the 3×3/2 convs making P6 and P7.
    expect(group(k90({ pyramid: fpnReference(), repeats: 1 }), 'laterals').trainable).toBe((512 + 1024 + 2048) * 256 + 3 * 256 + 2 * (9 * 256 * 256 + 256));
    // The FPN proper: three 3×3 smoothing convs with bias, BN (γ, β) on five levels.
    expect(group(k90({ pyramid: fpnReference(), repeats: 1 }), 'stack1').trainable).toBe(3 * (9 * 256 * 256 + 256) + 5 * 2 * 256);
    expect(counts.trainable).toBe(34_070_414);
    expect(counts.macs / 1e9).toBeCloseTo(96.7, 1);
  });

  test('FPN as merging cells: the same FLOPs, 1,536 more parameters (BN on the laterals, not per level)', () => {
    const cells = countModel(lowerDetector(k90({ pyramid: fpnPyramid(), repeats: 1 })));
    const reference = countModel(lowerDetector(k90({ pyramid: fpnReference(), repeats: 1 })));
    expect(cells.trainable).toBe(34_070_414 + 1_536);
    expect(cells.macs).toBe(reference.macs);
  });

  test('stacked FPN (Figure 8(a)): a later FPN has laterals on all five levels and no stride-2 convs', () => {
    const one = countModel(lowerDetector(k90({ pyramid: fpnReference(), repeats: 1 })));
    const two = countModel(lowerDetector(k90({ pyramid: fpnReference(), repeats: 2 })));
    // 5 laterals 256→256 + 5 smoothing convs + 5 BNs.
    expect(two.trainable - one.trainable).toBe(5 * (256 * 256 + 256) + 5 * (9 * 256 * 256 + 256) + 5 * 2 * 256);
  });

  test('stats for R-50 7@384 at 1280 takes well under a second', () => {
    const start = performance.now();
    countModel(lowerDetector(detector({ width: 384, inputSize: 1280 })));
    expect(performance.now() - start).toBeLessThan(1000);
  });
});

describe('Table 1 from the example files', () => {
  const detectors = ['examples/nasfpn.fpn', 'examples/fpn.fpn', 'examples/nasfpn-lite.fpn'].flatMap((file) => {
    const program = checkPath(file).program;
    if (!program) throw new Error(`${file} does not check`);
    return program.detectors;
  });
  const comparisons = compareTable1(detectors);

  test('every reproducible row has an example detector', () => {
    const covered = new Set(comparisons.map((c) => `${c.row.label} @${c.row.inputSize}`));
    for (const row of TABLE1.filter((r) => r.reproducible)) expect(covered).toContain(`${row.label} @${row.inputSize}`);
  });

  test.each(comparisons.filter((c) => c.row.reproducible).map((c) => [`${c.row.label} @${c.row.inputSize}`, c] as const))(
    '%s: parameters within 1 %, FLOPs within 3 %',
    (_label, c) => {
      expect(Math.abs(c.paramsDiff)).toBeLessThanOrEqual(PARAMS_TOLERANCE);
      expect(Math.abs(c.flopsDiff)).toBeLessThanOrEqual(FLOPS_TOLERANCE);
    },
  );

  test('the Lite rows are counted and reported as not reproducible (docs/table1.md)', () => {
    const lite = comparisons.filter((c) => !c.row.reproducible);
    expect(lite.map((c) => c.row.label)).toEqual([
      'FPN Lite MobileNetV2 @ 64', 'FPN Lite MobileNetV2 @ 128', 'NAS-FPN Lite MobileNetV2 (3 @ 48)', 'NAS-FPN Lite MobileNetV2 (7 @ 64)',
    ]);
  });
});
