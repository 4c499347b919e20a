// The head layout and the anchors: counts, offsets, order and sizes (reference §6–7), and the layout checked
// against the output shapes and names of models the builder makes.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { buildModel } from '../../src/codegen/builder.js';
import { lowerDetector } from '../../src/codegen/lower.js';
import { anchorsFor } from '../../src/targets/anchors.js';
import { headLayout, locateAnchor } from '../../src/targets/layout.js';
import { tinyLite, tinyResnet } from '../helpers/detectors.js';
import { detector } from '../helpers/ir.js';
import { gridDetector } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('headLayout', () => {
  test('the paper detector at 640: 9 anchors per location, 76,725 in all, levels back to back', () => {
    const layout = headLayout(detector());
    expect(layout.anchorsPerLocation).toBe(9);
    expect(layout.classes).toBe(91);
    expect(layout.anchorCount).toBe(76_725);
    expect(layout.levels.map((l) => [l.level, l.stride, l.height, l.width, l.anchorOffset, l.anchorCount])).toEqual([
      [3, 8, 80, 80, 0, 57_600],
      [4, 16, 40, 40, 57_600, 14_400],
      [5, 32, 20, 20, 72_000, 3_600],
      [6, 64, 10, 10, 75_600, 900],
      [7, 128, 5, 5, 76_500, 225],
    ]);
    expect(layout.heads).toEqual([{
      exit: 7, prefix: '', classOutputs: [0, 1, 2, 3, 4], boxOutputs: [5, 6, 7, 8, 9],
      classNames: ['class/P3', 'class/P4', 'class/P5', 'class/P6', 'class/P7'],
      boxNames: ['box/P3', 'box/P4', 'box/P5', 'box/P6', 'box/P7'],
    }]);
  });

  test('an input size that is not a multiple of the coarsest stride is refused', () => {
    expect(() => headLayout(detector(), 650)).toThrow(/multiple of 2\^7/);
  });

  test('locateAnchor inverts the order level → y → x → a', () => {
    const layout = headLayout(detector());
    expect(locateAnchor(layout, 0)).toMatchObject({ y: 0, x: 0, a: 0, level: { level: 3 } });
    expect(locateAnchor(layout, 9 * (80 + 2) + 4)).toMatchObject({ y: 1, x: 2, a: 4, level: { level: 3 } });
    expect(locateAnchor(layout, 76_724)).toMatchObject({ y: 4, x: 4, a: 8, level: { level: 7 } });
  });

  // The builder's outputs are what the losses and the post-processing read through the layout.
  test.each([
    ['ResNet-10 2@16 @128, one head', tinyResnet()],
    ['ResNet-10 2@16 @128, anytime heads', tinyResnet({ anytimeHeads: true })],
    ['MobileNetV2 Lite P3–P6 @64', tinyLite()],
  ])('matches the built model: %s', (_, ir) => {
    const spec = lowerDetector(ir);
    const model = buildModel(spec);
    try {
      const layout = headLayout(ir);
      const expected: { name: string; shape: number[] }[] = [];
      for (const head of layout.heads) {
        layout.levels.forEach((level, i) => {
          expected[head.classOutputs[i]] = { name: head.classNames[i], shape: [level.height, level.width, layout.anchorsPerLocation * layout.classes] };
          expected[head.boxOutputs[i]] = { name: head.boxNames[i], shape: [level.height, level.width, layout.anchorsPerLocation * 4] };
        });
      }
      expect(layout.heads).toHaveLength(ir.anytimeHeads ? ir.repeats : 1);
      expect(spec.outputs.map((o) => o.name)).toEqual(expected.map((e) => e.name));
      expect(model.outputs.map((o) => o.shape.slice(1))).toEqual(expected.map((e) => e.shape));
    } finally {
      model.dispose();
    }
  });
});

describe('anchors', () => {
  test('the first anchors at P3 of the paper detector: sizes 32, 40.3, 50.8 and ratios 1, 2, 0.5', () => {
    const anchors = anchorsFor(headLayout(detector()));
    const box = (n: number) => Array.from(anchors.boxes.subarray(4 * n, 4 * n + 4));
    const s = [32, 32 * 2 ** (1 / 3), 32 * 2 ** (2 / 3)];
    const expected: number[][] = [];
    for (const size of s) {
      for (const r of [1, 2, 0.5]) {
        const w = size * Math.sqrt(r);
        const h = size / Math.sqrt(r);
        expected.push([4 - w / 2, 4 - h / 2, 4 + w / 2, 4 + h / 2]);
      }
    }
    for (let a = 0; a < 9; a++) box(a).forEach((v, c) => expect(v).toBeCloseTo(expected[a][c], 4));
    expect(s[1]).toBeCloseTo(40.32, 2);
    expect(s[2]).toBeCloseTo(50.80, 2);
    // Next column (x = 1): centre x 12; next row (y = 1): centre y 12.
    expect(box(9)).toEqual([-4, -12, 28, 20]);
    expect(box(9 * 80)).toEqual([-12, -4, 20, 28]);
    // Centres and sizes in (yc, xc, h, w) order.
    expect(Array.from(anchors.centres.subarray(4, 8)).map((v) => +v.toFixed(3))).toEqual([4, 4, +(32 / Math.SQRT2).toFixed(3), +(32 * Math.SQRT2).toFixed(3)]);
  });

  test('the last anchor: P7, centre (576, 576), scale 2^(2/3), ratio 0.5', () => {
    const anchors = anchorsFor(headLayout(detector()));
    const size = 4 * 128 * 2 ** (2 / 3);
    const [x1, y1, x2, y2] = anchors.boxes.subarray(4 * 76_724);
    expect(x2 - x1).toBeCloseTo(size * Math.SQRT1_2, 2);
    expect(y2 - y1).toBeCloseTo(size * Math.SQRT2, 2);
    expect((x1 + x2) / 2).toBeCloseTo(576, 3);
    expect((y1 + y2) / 2).toBeCloseTo(576, 3);
  });

  test('cached per anchor setting and input size', () => {
    expect(anchorsFor(headLayout(detector()))).toBe(anchorsFor(headLayout(detector({ repeats: 3 }))));
    expect(anchorsFor(headLayout(gridDetector()))).not.toBe(anchorsFor(headLayout(gridDetector(), 64)));
    expect(anchorsFor(headLayout(gridDetector())).count).toBe(16);
  });
});
