// An inference SavedModel of a detector, for TensorFlow users: the forward pass in inference mode with the
// weights as constants (no variables to restore: the graph is the whole model), then the post-processing of
// src/predict/postprocess.ts in TensorFlow ops, so that a server gets detections straight away.
//
//   serving_default(images [B, S, S, 3]) → boxes [B, 100, 4], scores [B, 100], classes [B, 100], count [B]
//       images as the toolkit feeds its models: resized so the long side is S, padded at the bottom and right,
//       normalised with the ImageNet mean and standard deviation (src/data/image.ts). boxes are
//       [ymin, xmin, ymax, xmax] in input pixels, TensorFlow's order, clipped to the input; classes are the
//       head's class channels (≥ 1); the first count[b] rows of image b are detections, best first.
//   heads(images) → the raw head outputs, by the model's output names as identifiers (class_P3 … box_P7).
//
// The post-processing is the toolkit's (sigmoid without the background channel, decoding against the anchors
// with the th/tw clip, per-class NMS at NMS_IOU_THRESHOLD for scores above SCORE_THRESHOLD, MAX_DETECTIONS a
// class and an image) through TensorFlow's CombinedNonMaxSuppression, with two departures: every candidate
// above the threshold enters NMS (no per-class top PRE_NMS_TOP_K first: the same detections unless one class
// has more than that many candidates in an image), and boxes are clipped to the padded input rather than to
// each image's own extent, which the graph does not know.
import type { ModelSpec } from '../codegen/spec.js';
import { BOX_DECODE_CLIP, MAX_DETECTIONS, NMS_IOU_THRESHOLD, SCORE_THRESHOLD } from '../semantics/defaults.js';
import { anchorsFor } from '../targets/anchors.js';
import type { HeadLayout } from '../targets/layout.js';
import { boolAttr, GraphBuilder, type Tensor } from './builder.js';
import { emitForward, specWeights } from './forward.js';
import * as op from './ops.js';
import { manifestOf, savedModelBytes, type Signature } from './saved-model.js';
import type { BuiltProgram } from './train-program.js';

/** The detector's weights by full name (`LAYER/NAME`), e.g. a trained run's or a freshly built model's. */
export type WeightValues = ReadonlyMap<string, Float32Array>;

export function buildInferenceProgram(spec: ModelSpec, layout: HeadLayout, weights: WeightValues, about: Record<string, unknown> = {}): BuiltProgram {
  const g = new GraphBuilder();
  const expected = specWeights(spec);
  const missing = expected.filter((w) => weights.get(w.fullName)?.length !== w.shape.reduce((a, b) => a * b, 1));
  if (missing.length) throw new Error(`internal error: no weights of the right size for ${missing.slice(0, 3).map((w) => w.fullName).join(', ')}`);
  const constants = new Map<string, Tensor>();
  const images = op.placeholder(g, 'images', 'float32', [-1, ...spec.input.shape]);
  const { outputs } = g.inScope('model', () => emitForward(g, spec, images, {
    mode: 'inference',
    weights: {
      weight: (name, shape) => {
        let value = constants.get(name);
        if (!value) {
          value = g.inScope('weights', () => op.constant(g, weights.get(name)!, shape, 'float32', name));
          constants.set(name, value);
        }
        return value;
      },
    },
  }));
  // Output keys as identifiers (class_P3, stack2_box_P7): Python turns them into keyword names.
  const heads: Signature = { inputs: { images }, outputs: Object.fromEntries(spec.outputs.map((o, i) => [o.name.replace(/[^A-Za-z0-9_]/g, '_'), outputs[i]])) };
  const detections = g.inScope('postprocess', () => postprocess(g, layout, outputs));
  const signatures = { serving_default: { inputs: { images }, outputs: detections }, heads };
  return { bytes: savedModelBytes(g, signatures), manifest: manifestOf(signatures, {}, about), nodeCount: g.nodes.length };
}

/** The last head set's outputs → detections (see the file's comment). */
function postprocess(g: GraphBuilder, layout: HeadLayout, outputs: Tensor[]): Record<string, Tensor> {
  const head = layout.heads[layout.heads.length - 1];
  const n = layout.anchorCount;
  const K = layout.classes;
  const logits = op.concat(g, layout.levels.map((level, i) => op.reshape(g, outputs[head.classOutputs[i]], [-1, level.anchorCount, K])), 1, 'logits');
  const codes = op.concat(g, layout.levels.map((level, i) => op.reshape(g, outputs[head.boxOutputs[i]], [-1, level.anchorCount, 4])), 1, 'codes');
  // Channel 0 is the unused background: scores of channels 1..K−1.
  const scores = op.sigmoid(g, op.slice(g, logits, [0, 0, 1], [-1, n, K - 1], 'without_background'), 'scores');

  // Decoding ([TPU] box_utils.decode_boxes, src/targets/boxcoding.ts decodeBox): centre (ty, tx)·(ha, wa) +
  // (ya, xa), size exp(min((th, tw), clip))·(ha, wa); corners centre ∓ size/2, as [y1, x1, y2, x2].
  const { centres } = anchorsFor(layout);
  const anchorCentre = new Float32Array(2 * n);
  const anchorSize = new Float32Array(2 * n);
  for (let a = 0; a < n; a++) {
    anchorCentre.set(centres.subarray(4 * a, 4 * a + 2), 2 * a);
    anchorSize.set(centres.subarray(4 * a + 2, 4 * a + 4), 2 * a);
  }
  const sizes = op.constant(g, anchorSize, [n, 2], 'float32', 'anchor_sizes');
  const centre = op.add(g, op.mul(g, op.slice(g, codes, [0, 0, 0], [-1, n, 2], 'centre_codes'), sizes), op.constant(g, anchorCentre, [n, 2], 'float32', 'anchor_centres'), 'centres');
  const size = op.mul(g, op.exp(g, op.minimum(g, op.slice(g, codes, [0, 0, 2], [-1, n, 2], 'size_codes'), op.scalar(g, BOX_DECODE_CLIP))), sizes, 'sizes');
  const half = op.mul(g, size, op.scalar(g, 0.5));
  const corners = op.concat(g, [op.sub(g, centre, half), op.add(g, centre, half)], 2, 'corners');
  const clipped = op.minimum(g, op.maximum(g, corners, op.scalar(g, 0)), op.scalar(g, layout.inputSize), 'clipped');

  const nms = g.add('CombinedNonMaxSuppression' satisfies op.OpType, 'nms', [
    op.reshape(g, clipped, [-1, n, 1, 4], 'boxes_per_class'), scores,
    op.constant(g, [MAX_DETECTIONS], [], 'int32', 'per_class'), op.constant(g, [MAX_DETECTIONS], [], 'int32', 'total'),
    op.scalar(g, NMS_IOU_THRESHOLD, 'iou_threshold'), op.scalar(g, SCORE_THRESHOLD, 'score_threshold'),
  ], { pad_per_class: boolAttr(false), clip_boxes: boolAttr(false) }, [
    { dtype: 'float32', shape: [-1, MAX_DETECTIONS, 4] }, { dtype: 'float32', shape: [-1, MAX_DETECTIONS] },
    { dtype: 'float32', shape: [-1, MAX_DETECTIONS] }, { dtype: 'int32', shape: [-1] },
  ]);
  const [boxes, best, classIndex, count] = nms.outputs;
  const classes = op.cast(g, op.add(g, classIndex, op.scalar(g, 1)), 'int32', 'classes');
  return { boxes: op.identity(g, boxes, 'boxes'), scores: op.identity(g, best, 'detection_scores'), classes, count: op.identity(g, count, 'count') };
}
