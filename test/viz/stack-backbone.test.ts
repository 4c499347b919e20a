// The stack view labels each backbone level with the channel count of the model the builder makes: both read
// the backbone facts of src/codegen/backbone-facts.ts (this once disagreed for MobileNetV2 ×0.35: 8 vs 16).
import { describe, expect, test } from 'vitest';
import { lowerBackbone } from '../../src/codegen/backbones.js';
import { SpecGraph } from '../../src/codegen/graph.js';
import type { Backbone } from '../../src/semantics/ir.js';
import { layoutStack } from '../../src/viz/stack.js';
import { detector } from '../helpers/ir.js';

const BACKBONES: Backbone[] = [
  ...([10, 18, 34, 50, 101] as const).map((depth): Backbone => ({ kind: 'resnet', depth })),
  ...[0.35, 0.5, 0.75, 1, 1.3, 1.4, 2].map((widthMultiplier): Backbone => ({ kind: 'mobilenet_v2', widthMultiplier })),
];

/** The channels of the endpoints the builder's backbone produces, from its model spec (no tensors). */
function builtChannels(backbone: Backbone): Map<number, number> {
  const g = new SpecGraph('image', [128, 128, 3]);
  const endpoints = lowerBackbone(g, backbone, 'image', { momentum: 0.997, epsilon: 1e-4 });
  return new Map([...endpoints].map(([level, id]) => [level, g.shape(id)[2]]));
}

describe('backbone channels: stack view = built model', () => {
  test.each(BACKBONES.map((b) => [b.kind === 'resnet' ? `resnet${b.depth}` : `mobilenet_v2 ×${b.widthMultiplier}`, b] as const))('%s', (_, backbone) => {
    const built = builtChannels(backbone);
    const labels = layoutStack(detector({ backbone })).edges.flatMap((e) => (e.label ? [e.label] : []));
    for (const level of [3, 4, 5]) expect(labels).toContain(`C${level} · ${built.get(level)}`);
  });
});
