// What a backbone is, as numbers: its blocks, and the channel count of each endpoint C2..C5. The builder
// (./backbones.ts) lowers the layers from these tables, and the stack view (src/viz/stack.ts) labels its
// arrows from `backboneFacts`, so the picture and the model cannot disagree. Tensor-free: only tables and
// arithmetic.
import type { Backbone, Level } from '../semantics/ir.js';
import { BACKBONE_ENDPOINT_LEVELS } from '../semantics/rules.js';

export type ResnetDepth = Extract<Backbone, { kind: 'resnet' }>['depth'];

/** [TPU] resnet.py `Resnet.__init__` model_params: block kind and blocks per group (C2..C5). */
export const RESNET_LAYERS: Record<ResnetDepth, { bottleneck: boolean; blocks: [number, number, number, number] }> = {
  10: { bottleneck: false, blocks: [1, 1, 1, 1] },
  18: { bottleneck: false, blocks: [2, 2, 2, 2] },
  34: { bottleneck: false, blocks: [3, 4, 6, 3] },
  50: { bottleneck: true, blocks: [3, 4, 6, 3] },
  101: { bottleneck: true, blocks: [3, 4, 23, 3] },
};

/** [TPU] resnet.py: filters of the groups C2..C5 (a bottleneck block outputs 4 × these). */
export const RESNET_GROUP_FILTERS = [64, 128, 256, 512] as const;

/** [TPU] resnet.py: a bottleneck block's output is this many times its filters. */
export const BOTTLENECK_EXPANSION = 4;

/** Inverted-residual groups (expansion t, channels c, blocks n, first stride s): MobileNetV2 paper, Table 2. */
export const MOBILENET_V2_GROUPS: readonly [t: number, c: number, n: number, s: number][] = [
  [1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1],
];

/** MobileNetV2 paper: the stem conv's channels (before the width multiplier). */
export const MOBILENET_V2_STEM_CHANNELS = 32;

/** MobileNetV2 paper: the final 1×1 conv's channels, scaled only by multipliers above 1. */
export const MOBILENET_V2_LAST_CHANNELS = 1280;

/**
 * The [ODAPI] extractor's endpoint layers (github.com/tensorflow/models, research/object_detection,
 * ssd_mobilenet_v2_fpn_feature_extractor.py): layer_1 is the stem, layer_2..18 the 17 inverted-residual
 * blocks, layer_19 the final 1×1 conv. C2 = layer_4, C3 = layer_7, C4 = layer_14, C5 = layer_19.
 */
export const MOBILENET_V2_ENDPOINT_LAYERS: ReadonlyMap<number, Level> = new Map([[4, 2], [7, 3], [14, 4], [19, 5]]);

/**
 * Channels rounded to a multiple of `divisor`, never more than 10 % below the exact value (the MobileNet
 * reference's `_make_divisible`).
 */
export function makeDivisible(value: number, divisor = 8): number {
  const rounded = Math.max(divisor, Math.floor(value + divisor / 2) - (Math.floor(value + divisor / 2) % divisor));
  return rounded < 0.9 * value ? rounded + divisor : rounded;
}

/** The output channels of MobileNetV2's final 1×1 conv at width multiplier `alpha`. */
export const mobilenetV2LastChannels = (alpha: number): number =>
  alpha > 1 ? makeDivisible(MOBILENET_V2_LAST_CHANNELS * alpha) : MOBILENET_V2_LAST_CHANNELS;

export interface BackboneFacts {
  /** How people write it: `ResNet-50`, `MobileNetV2 ×0.35`. */
  name: string;
  /** Channels of each endpoint C2..C5, by level. */
  channels: ReadonlyMap<Level, number>;
}

/** The endpoints of `backbone` and their channel counts, exactly as ./backbones.ts builds them. */
export function backboneFacts(backbone: Backbone): BackboneFacts {
  const channels = new Map<Level, number>();
  if (backbone.kind === 'resnet') {
    const { bottleneck } = RESNET_LAYERS[backbone.depth];
    RESNET_GROUP_FILTERS.forEach((filters, group) =>
      channels.set(BACKBONE_ENDPOINT_LEVELS[group], bottleneck ? BOTTLENECK_EXPANSION * filters : filters));
    return { name: `ResNet-${backbone.depth}`, channels };
  }
  const alpha = backbone.widthMultiplier;
  let layer = 2;
  for (const [, c, n] of MOBILENET_V2_GROUPS) {
    for (let b = 0; b < n; b++, layer++) {
      const level = MOBILENET_V2_ENDPOINT_LAYERS.get(layer);
      if (level !== undefined) channels.set(level, makeDivisible(c * alpha));
    }
  }
  channels.set(MOBILENET_V2_ENDPOINT_LAYERS.get(layer)!, mobilenetV2LastChannels(alpha));
  return { name: `MobileNetV2 ×${alpha}`, channels };
}
