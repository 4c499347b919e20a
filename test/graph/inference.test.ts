// The inference SavedModel (src/graph/inference-program.ts), loaded back with tfjs-node's public
// tf.node.loadSavedModel, against the eager model of the same weights: `heads` gives the model's outputs, and
// `serving_default` the detections the toolkit's own post-processing (src/predict/postprocess.ts) finds in them.
// The predictors' weights are spread so that a fresh model has detections to compare, without ties. Where a Python with
// TensorFlow is named (NASFPN_TEST_PYTHON), Python's tf.saved_model.load opens it and gets the same detections.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { buildModel } from '../../src/codegen/builder.js';
import { lowerDetector } from '../../src/codegen/lower.js';
import { buildInferenceProgram } from '../../src/graph/inference-program.js';
import { writeSavedModel } from '../../src/graph/saved-model.js';
import { postprocess, readHeadOutputs } from '../../src/predict/postprocess.js';
import { useBackend } from '../../src/runtime/backend.js';
import { headLayout } from '../../src/targets/layout.js';
import { readWeights } from '../../src/train/engine.js';
import { withSeededMathRandom } from '../../src/train/seeded-random.js';
import { tinyResnet } from '../helpers/detectors.js';
import { randomValues } from '../helpers/random.js';
import { backendsUnderTest } from '../runtime/helpers.js';

const backends = await backendsUnderTest();
const python = process.env.NASFPN_TEST_PYTHON;
const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-graph-inference-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const detector = tinyResnet({ inputSize: 128 });
const spec = lowerDetector(detector);
const layout = headLayout(detector);
const dir = join(scratch, 'saved-model');
const images = new Float32Array(randomValues(2 * 128 * 128 * 3, 9));

/** The tiny detector with spread class biases, its SavedModel written, and its eager head outputs on `images`. */
async function prepare() {
  const model = withSeededMathRandom(4, () => buildModel(spec));
  const weights = await readWeights(model);
  // Spread scores: class biases over [-3, 3], and predictor kernels large enough that no two anchors tie.
  const spread = (name: string, scale: number, seed: number) => {
    const w = weights.find((x) => x.name === name)!;
    w.values.set(randomValues(w.values.length, seed).map((v) => scale * v));
  };
  spread('head/class/predict/bias', 3, 21);
  spread('head/class/predict/kernel', 0.3, 22);
  spread('head/box/predict/kernel', 0.1, 23);
  const { writeWeights } = await import('../../src/train/engine.js');
  writeWeights(tf, model, weights);
  const program = buildInferenceProgram(spec, layout, new Map(weights.map((w) => [w.name, w.values])));
  await writeSavedModel(dir, program.bytes, program.manifest);
  const input = tf.tensor4d(images, [2, 128, 128, 3]);
  const outputs = model.predict(input) as tf.Tensor[];
  const expected = postprocess(layout, await readHeadOutputs(layout, outputs));
  const heads = await Promise.all(outputs.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose([input, ...outputs]);
  model.dispose();
  return { expected, heads };
}

describe.skipIf(!backends.includes('tfjs-node'))('the inference SavedModel (skipped without tfjs-node)', () => {
  test('tf.node.loadSavedModel gives the eager model\'s heads and the toolkit\'s detections', async () => {
    await useBackend('tfjs-node');
    const { expected, heads } = await prepare();
    expect(expected.every((d) => d.count > 10)).toBe(true);
    const node = (await import('@tensorflow/tfjs-node')).node;
    const input = tf.tensor4d(images, [2, 128, 128, 3]);

    const headModel = await node.loadSavedModel(dir, ['serve'], 'heads');
    const raw = headModel.predict({ images: input }) as Record<string, tf.Tensor>;
    for (const [i, o] of spec.outputs.entries()) {
      const actual = await raw[o.name.replace(/\//g, '_')].data();
      const scale = Math.max(...heads[i].map(Math.abs));
      expect(Math.max(...actual.map((v, k) => Math.abs(v - heads[i][k]))) / scale, o.name).toBeLessThan(1e-5);
    }

    const serving = await node.loadSavedModel(dir, ['serve'], 'serving_default');
    const out = serving.predict({ images: input }) as Record<string, tf.Tensor>;
    const [boxes, scores, classes, count] = await Promise.all(['boxes', 'scores', 'classes', 'count'].map((k) => out[k].data()));
    expected.forEach((e, b) => {
      expect(count[b]).toBe(e.count);
      for (let i = 0; i < e.count; i++) {
        const r = b * 100 + i;
        expect(classes[r]).toBe(e.classes[i]);
        expect(scores[r]).toBeCloseTo(e.scores[i], 5);
        // TensorFlow's box order [y1, x1, y2, x2] against the toolkit's [x1, y1, x2, y2].
        const [y1, x1, y2, x2] = boxes.slice(4 * r, 4 * r + 4);
        [x1, y1, x2, y2].forEach((v, c) => expect(v).toBeCloseTo(e.boxes[4 * i + c], 2));
      }
    });
    tf.dispose([input, ...Object.values(raw), ...Object.values(out)]);
    headModel.dispose();
    serving.dispose();
  });
});

describe.skipIf(!python)('the inference SavedModel in Python (NASFPN_TEST_PYTHON names a Python with TensorFlow)', () => {
  test('tf.saved_model.load opens it and finds the same detections', async () => {
    await useBackend(backends.includes('tfjs-node') ? 'tfjs-node' : 'wasm');
    const { expected } = await prepare();
    const imagesFile = join(scratch, 'images.bin');
    writeFileSync(imagesFile, images);
    const script = [
      'import sys, json, numpy as np, tensorflow as tf',
      'model = tf.saved_model.load(sys.argv[1])',
      'x = np.fromfile(sys.argv[2], dtype=np.float32).reshape(2, 128, 128, 3)',
      "out = model.signatures['serving_default'](images=tf.constant(x))",
      "print(json.dumps({k: v.numpy().tolist() for k, v in out.items()}))",
    ].join('\n');
    const run = spawnSync(python!, ['-c', script, dir, imagesFile], { encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' }, timeout: 300_000 });
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout.trim().split('\n').pop()!) as { count: number[]; classes: number[][]; scores: number[][] };
    expect(out.count).toEqual(expected.map((e) => e.count));
    expected.forEach((e, b) => {
      expect(out.classes[b].slice(0, e.count)).toEqual([...e.classes]);
      out.scores[b].slice(0, e.count).forEach((s, i) => expect(s).toBeCloseTo(e.scores[i], 5));
    });
  });
});
