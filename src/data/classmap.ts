// How a dataset's COCO category ids become the head's class channels, and back ([TPU] `detection_config.py` num_classes and the COCO label map). For K = 91 the
// [TPU] convention: the channel is the raw COCO id (1..90), channel 0 is never a target. For any other K, a
// contiguous map: channel i + 1 is the i-th category id in ascending order, channel 0 again unused, so the
// head has K = categories + 1 channels. The map is plain JSON, stored with a model so predictions map back.
import type { ClassMapSpec } from './types.js';

/** [TPU] `detection_config.py` `num_classes`: 91 channels, raw COCO ids 1..90 with channel 0 unused. */
export const COCO91_CLASSES = 91;

/** The class map for a dataset with these category ids and a head of `numClasses` channels (undefined: fit the ids). */
export function classMapFor(categoryIds: ArrayLike<number>, numClasses?: number): ClassMapSpec {
  const ids = [...Array.from(categoryIds)].sort((a, b) => a - b);
  if (numClasses === COCO91_CLASSES && ids.every((id) => id >= 1 && id < COCO91_CLASSES)) return { kind: 'coco91' };
  if (numClasses !== undefined && numClasses !== ids.length + 1) {
    throw new RangeError(
      `a head of ${numClasses} classes does not fit ${ids.length} categories: use ${ids.length + 1} (categories + the unused channel 0)` +
        (ids.every((id) => id >= 1 && id < COCO91_CLASSES) ? ` or ${COCO91_CLASSES} (raw COCO ids)` : ''),
    );
  }
  return { kind: 'contiguous', categoryIds: ids };
}

/** The head's channel count for a class map. */
export function classCount(map: ClassMapSpec): number {
  switch (map.kind) {
    case 'coco91':
      return COCO91_CLASSES;
    case 'contiguous':
      return map.categoryIds.length + 1;
    default:
      return assertNever(map);
  }
}

/** A function from COCO category id to channel (-1 for an id the map does not know). */
export function channelLookup(map: ClassMapSpec): (categoryId: number) => number {
  switch (map.kind) {
    case 'coco91':
      return (id) => (Number.isInteger(id) && id >= 1 && id < COCO91_CLASSES ? id : -1);
    case 'contiguous': {
      const channels = new Map(map.categoryIds.map((id, i) => [id, i + 1]));
      return (id) => channels.get(id) ?? -1;
    }
    default:
      return assertNever(map);
  }
}

/** The COCO category id of a channel (undefined for channel 0 and channels the map does not use). */
export function categoryOfChannel(map: ClassMapSpec, channel: number): number | undefined {
  switch (map.kind) {
    case 'coco91':
      return channel >= 1 && channel < COCO91_CLASSES ? channel : undefined;
    case 'contiguous':
      return channel >= 1 ? map.categoryIds[channel - 1] : undefined;
    default:
      return assertNever(map);
  }
}

/** Reads a class map back from JSON (as stored with a model); throws a RangeError naming what is wrong. */
export function parseClassMap(value: unknown): ClassMapSpec {
  const v = value as { kind?: unknown; categoryIds?: unknown };
  if (v && v.kind === 'coco91') return { kind: 'coco91' };
  if (v && v.kind === 'contiguous' && Array.isArray(v.categoryIds)) {
    const ids = v.categoryIds as unknown[];
    if (ids.every((id) => Number.isInteger(id)) && ids.every((id, i) => i === 0 || (id as number) > (ids[i - 1] as number))) {
      return { kind: 'contiguous', categoryIds: ids as number[] };
    }
  }
  throw new RangeError('a class map is {"kind":"coco91"} or {"kind":"contiguous","categoryIds":[ascending integers]}');
}

function assertNever(x: never): never {
  throw new Error(`unexpected class map ${JSON.stringify(x)}`);
}
