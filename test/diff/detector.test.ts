// The diff of two detectors (src/diff/detector.ts): settings, the pyramid diff, and the parts whose parameter and
// FLOP counts differ, checked against `nasfpn stats`' counting and against counts worked out by hand.
import { describe, expect, it } from 'vitest';
import { countModel } from '../../src/codegen/count.js';
import { lowerDetector } from '../../src/codegen/lower.js';
import { diffDetectors } from '../../src/diff/detector.js';
import type { DetectorIR } from '../../src/semantics/ir.js';
import { loadExample } from '../helpers/examples.js';

const detector = (file: string, name: string): DetectorIR => loadExample(file).detectors.find((d) => d.name === name)!;

/** One NAS-FPN pyramid network at width 256, by hand: 7 cells, each a 3×3 conv with bias (256 → 256) and a BN. */
const WIDTH = 256;
const CELL_TRAINABLE = 3 * 3 * WIDTH * WIDTH + WIDTH + 2 * WIDTH;
const STACK_TRAINABLE = 7 * CELL_TRAINABLE;
const STACK_NON_TRAINABLE = 7 * 2 * WIDTH;

describe('diffDetectors', () => {
  it('a detector against a copy under another name: equal, no part differs', () => {
    const a = detector('nasfpn', 'retinanet_nasfpn_r50');
    const diff = diffDetectors(a, { ...a, name: 'copy' });
    expect(diff.equal).toBe(true);
    expect(diff.settings).toEqual([]);
    expect(diff.parts).toEqual([]);
    expect(diff.pyramid.equal).toBe(true);
  });

  it('7 against 5 repeats (Figure 9a): stack6 and stack7 go, each one NAS-FPN @256 worked out by hand', () => {
    const diff = diffDetectors(detector('nasfpn', 'retinanet_nasfpn_r50'), detector('nasfpn', 'retinanet_nasfpn_r50_5x256'));
    expect(diff.equal).toBe(false);
    expect(diff.settings).toEqual([{ setting: 'repeats', a: 7, b: 5 }]);
    expect(diff.pyramid.equal).toBe(true);
    expect(diff.parts.map((p) => [p.part, p.a?.trainable, p.a?.nonTrainable, p.b])).toEqual([
      ['stack6', STACK_TRAINABLE, STACK_NON_TRAINABLE, null],
      ['stack7', STACK_TRAINABLE, STACK_NON_TRAINABLE, null],
    ]);
    expect(diff.total.a.trainable - diff.total.b.trainable).toBe(2 * STACK_TRAINABLE);
    expect(diff.total.a.flops - diff.total.b.flops).toBe(diff.parts[0].a!.flops + diff.parts[1].a!.flops);
  });

  it('FPN R-50 against NAS-FPN R-50: repeats, the pyramid kinds, and the counts `nasfpn stats` gives', () => {
    const a = detector('fpn', 'retinanet_fpn_r50');
    const b = detector('nasfpn', 'retinanet_nasfpn_r50');
    const diff = diffDetectors(a, b);
    expect(diff.settings).toEqual([{ setting: 'repeats', a: 1, b: 7 }]);
    expect([diff.pyramid.a.kind, diff.pyramid.b.kind]).toEqual(['fpn', 'cells']);
    // Same backbone and head: only the laterals and the pyramids differ.
    expect(diff.parts.map((p) => p.part)).toEqual(['laterals', 'stack1', 'stack2', 'stack3', 'stack4', 'stack5', 'stack6', 'stack7']);
    for (const [side, d] of [['a', a], ['b', b]] as const) {
      const counts = countModel(lowerDetector(d));
      expect(diff.total[side]).toEqual({ trainable: counts.trainable, nonTrainable: counts.nonTrainable, flops: counts.flops });
      for (const part of diff.parts) {
        const group = counts.groups.find((g) => g.group === part.part);
        expect(part[side]).toEqual(group ? { trainable: group.trainable, nonTrainable: group.nonTrainable, flops: 2 * group.macs } : null);
      }
    }
    expect(diff.parts[2]).toMatchObject({ a: null, b: { trainable: STACK_TRAINABLE } });
  });

  it('width, DropBlock and input size, each as the file writes it', () => {
    const diff = diffDetectors(detector('nasfpn', 'retinanet_nasfpn_r50'), detector('nasfpn', 'retinanet_nasfpn_r50_384_dropblock'));
    expect(diff.settings).toEqual([
      { setting: 'width', a: 256, b: 384 },
      { setting: 'dropblock', a: 'off', b: 'size 3 keep 0.9' },
      { setting: 'input', a: 640, b: 1280 },
      { setting: 'head width', a: 256, b: 384 },
    ]);
    const lite = diffDetectors(detector('nasfpn', 'retinanet_nasfpn_r50'), loadExample('nasfpn-lite').detectors[0]);
    expect(lite.settings.map((s) => s.setting)).toEqual(expect.arrayContaining(['backbone', 'conv', 'levels']));
    expect(lite.settings.find((s) => s.setting === 'backbone')).toEqual({ setting: 'backbone', a: 'resnet50', b: expect.stringMatching(/^mobilenet_v2 width /) });
  });
});
