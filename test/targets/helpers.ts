// Small layouts with hand-computable anchors for the targets, loss and post-processing tests.
import type { ImageAnnotations } from '../../src/data/types.js';
import type { DetectorIR } from '../../src/semantics/ir.js';
import { detector } from '../helpers/ir.js';

/**
 * One level (P3, stride 8) at input 32: a 4 × 4 grid of 32 × 32 anchors (one scale, ratio 1), centres 4, 12,
 * 20, 28; anchor n = 4·y + x is [x1, y1, x2, y2] = [8x − 12, 8y − 12, 8x + 20, 8y + 20]. K = 3 classes.
 */
export const gridDetector = (overrides: Partial<DetectorIR['head']> = {}): DetectorIR =>
  detector({
    name: 'grid', minLevel: 3, maxLevel: 3, inputSize: 32, width: 8,
    head: { ...detector().head, convs: 1, width: 8, classes: 3, anchors: { scales: 1, ratios: [1], size: 4 }, ...overrides },
  });

/** Annotations from [x1, y1, x2, y2, class, crowd?] rows. */
export function annotations(rows: readonly (readonly number[])[]): ImageAnnotations {
  return {
    boxes: Float32Array.from(rows.flatMap((r) => r.slice(0, 4))),
    classes: Int32Array.from(rows.map((r) => r[4])),
    crowd: Uint8Array.from(rows.map((r) => r[5] ?? 0)),
  };
}
