// The diff of two detectors (`nasfpn diff A#det B#det`): the settings that differ, the structural diff of their
// pyramids, and the parameters and FLOPs of each part (backbone, laterals, each pyramid repeat, heads) where they
// differ, counted from the model spec as `nasfpn stats` counts them. Data in, data out.
import { countModel, type ModelCounts } from '../codegen/count.js';
import { lowerDetector } from '../codegen/lower.js';
import { backboneText } from '../format/print.js';
import type { DetectorIR } from '../semantics/ir.js';
import { levelName } from '../semantics/levels.js';
import { diffPyramids, type PyramidDiff } from './pyramid.js';

export type SettingValue = string | number | boolean;

/** A setting that differs, with its value on each side as the file writes it. */
export interface SettingChange {
  setting: string;
  a: SettingValue;
  b: SettingValue;
}

/** What `nasfpn stats` counts for one part: FLOPs are 2 × multiply-adds of the convolutions. */
export interface PartCounts {
  trainable: number;
  nonTrainable: number;
  flops: number;
}

/** A part of the model (as `nasfpn stats` groups it) whose counts differ; null where one side has no such part. */
export interface PartChange {
  part: string;
  a: PartCounts | null;
  b: PartCounts | null;
}

export interface DetectorDiff {
  a: { name: string; inputSize: number };
  b: { name: string; inputSize: number };
  /** The same settings and structurally equal pyramids. */
  equal: boolean;
  settings: SettingChange[];
  pyramid: PyramidDiff;
  /** The parts whose counts differ, in model order. */
  parts: PartChange[];
  total: { a: PartCounts; b: PartCounts };
}

/**
 * Every setting of a detector besides its pyramid's structure (the pyramid diff covers that), in the order a file
 * writes them, each as the file spells it.
 */
const SETTINGS: readonly { setting: string; value: (d: DetectorIR) => SettingValue }[] = [
  { setting: 'backbone', value: (d) => backboneText(d.backbone) },
  { setting: 'repeats', value: (d) => d.repeats },
  { setting: 'width', value: (d) => d.width },
  { setting: 'levels', value: (d) => `${levelName(d.minLevel)}..${levelName(d.maxLevel)}` },
  { setting: 'conv', value: (d) => d.conv },
  { setting: 'dropblock', value: (d) => (d.dropblock ? `size ${d.dropblock.size} keep ${d.dropblock.keepProb}` : 'off') },
  { setting: 'anytime heads', value: (d) => d.anytimeHeads },
  { setting: 'input', value: (d) => d.inputSize },
  { setting: 'head convs', value: (d) => d.head.convs },
  { setting: 'head width', value: (d) => d.head.width },
  { setting: 'classes', value: (d) => d.head.classes },
  { setting: 'anchor scales', value: (d) => d.head.anchors.scales },
  { setting: 'anchor ratios', value: (d) => d.head.anchors.ratios.join(' ') },
  { setting: 'anchor size', value: (d) => d.head.anchors.size },
  { setting: 'prior', value: (d) => d.head.prior },
  { setting: 'focal alpha', value: (d) => d.head.focal.alpha },
  { setting: 'focal gamma', value: (d) => d.head.focal.gamma },
  { setting: 'batchnorm momentum', value: (d) => d.batchNorm.momentum },
  { setting: 'batchnorm epsilon', value: (d) => d.batchNorm.epsilon },
];

export function diffDetectors(a: DetectorIR, b: DetectorIR): DetectorDiff {
  const settings = SETTINGS.flatMap(({ setting, value }) => {
    const [va, vb] = [value(a), value(b)];
    return va === vb ? [] : [{ setting, a: va, b: vb }];
  });
  const pyramid = diffPyramids(a.pyramid, b.pyramid);
  const countsA = countModel(lowerDetector(a));
  const countsB = countModel(lowerDetector(b));
  return {
    a: { name: a.name, inputSize: a.inputSize },
    b: { name: b.name, inputSize: b.inputSize },
    equal: pyramid.equal && settings.length === 0,
    settings,
    pyramid,
    parts: partChanges(countsA, countsB),
    total: { a: partCounts(countsA), b: partCounts(countsB) },
  };
}

const partCounts = (c: { trainable: number; nonTrainable: number; macs: number }): PartCounts =>
  ({ trainable: c.trainable, nonTrainable: c.nonTrainable, flops: 2 * c.macs });

function partChanges(a: ModelCounts, b: ModelCounts): PartChange[] {
  const byPart = (counts: ModelCounts) => new Map(counts.groups.map((g) => [g.group, partCounts(g)]));
  const partsA = byPart(a);
  const partsB = byPart(b);
  return mergedOrder([...partsA.keys()], [...partsB.keys()]).flatMap((part) => {
    const ca = partsA.get(part) ?? null;
    const cb = partsB.get(part) ?? null;
    const same = ca && cb && ca.trainable === cb.trainable && ca.nonTrainable === cb.nonTrainable && ca.flops === cb.flops;
    return same ? [] : [{ part, a: ca, b: cb }];
  });
}

/** The names of both lists once each, each list's own order kept (B's extra parts go after the part before them). */
function mergedOrder(first: string[], second: string[]): string[] {
  const merged = [...first];
  let at = 0;
  for (const name of second) {
    const found = merged.indexOf(name);
    if (found >= 0) at = found + 1;
    else merged.splice(at++, 0, name);
  }
  return merged;
}
