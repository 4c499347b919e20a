// The built tfjs model agrees with the counter, the emitter and the file IOHandler.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { transform } from 'esbuild';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildModel } from '../../src/codegen/builder.js';
import { countModel } from '../../src/codegen/count.js';
import { emitTypeScript } from '../../src/codegen/emit.js';
import * as customLayers from '../../src/codegen/layers.js';
import { lowerDetector } from '../../src/codegen/lower.js';
import { fileLoadHandler, fileSaveHandler } from '../../src/runtime/modelio.js';
import type { DetectorIR } from '../../src/semantics/ir.js';
import { checkText } from '../../src/semantics/program.js';
import { randomValues } from '../helpers/random.js';
import { setDeterministicWeights } from '../helpers/weights.js';
import { fpnReferencePyramid, tinyLite, tinyResnet, wsumPyramid } from '../helpers/detectors.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const configs: [string, DetectorIR][] = [
  ['ResNet-10 NAS-FPN 2@16 @128', tinyResnet()],
  ['ResNet-18 NAS-FPN 2@16 @128, anytime heads', tinyResnet({ backbone: { kind: 'resnet', depth: 18 }, anytimeHeads: true })],
  ['MobileNetV2 ×0.35 separable Lite 2@16 @64, DropBlock', tinyLite({ dropblock: { size: 3, keepProb: 0.9 } })],
  ['ResNet-10 NAS-FPN with weighted sums 2@16 @128', tinyResnet({ name: 'tiny_wsum', pyramid: wsumPyramid() })],
  ['ResNet-10 FPN (kind fpn) 2@16 @64, P3..P6', tinyResnet({ name: 'tiny_fpn', pyramid: fpnReferencePyramid(), minLevel: 3, maxLevel: 6, inputSize: 64 })],
  ['MobileNetV2 ×0.35 separable FPN Lite (kind fpn) 1@16 @64', tinyLite({ name: 'tiny_fpn_lite', pyramid: fpnReferencePyramid(), repeats: 1 })],
  ['ResNet-10 NAS-FPN on P3..P4 (the C5 stage feeds nothing) 1@16 @64', p3p4Detector()],
];

/**
 * A detector on P3..P4 only: the backbone's C5 stage feeds no output, so the built model leaves it out, and
 * the counter must too (found by bench/fuzz.bench.ts: `nasfpn build` ended in an internal error).
 */
function p3p4Detector(): DetectorIR {
  const text = 'pyramid tiny { inputs P3..P4; output a @P4 = sum(P3, P4); output b @P3 = sum(a, P3) }\n' +
    'detector p3p4 { backbone resnet10; pyramid tiny x 1 @ 16; levels P3..P4; input 64 }\n';
  return checkText(text, 'p3p4.fpn').program!.detectors[0];
}

/** A deterministic, non-trivial input image batch. */
const image = (size: number, batch = 1) =>
  tf.tidy(() => tf.sin(tf.range(0, batch * size * size * 3).reshape([batch, size, size, 3]).mul(0.37)));

function copyWeightsByLayerName(from: tf.LayersModel, to: tf.LayersModel): void {
  for (const layer of from.layers) to.getLayer(layer.name).setWeights(layer.getWeights());
}

async function outputsOf(model: tf.LayersModel, x: tf.Tensor): Promise<Float32Array[]> {
  const out = model.predict(x);
  const list = Array.isArray(out) ? out : [out];
  const data = await Promise.all(list.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(list);
  return data;
}

function maxRelativeDifference(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((xs, i) => {
    let scale = 1e-6;
    for (const v of xs) scale = Math.max(scale, Math.abs(v));
    xs.forEach((v, j) => { worst = Math.max(worst, Math.abs(v - b[i][j]) / scale); });
  });
  return worst;
}

function spread(xs: Float32Array): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of xs) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  return hi - lo;
}

/** Compiles emitted TypeScript with esbuild and evaluates it against this process's tfjs and custom layers. */
async function loadEmitted(source: string): Promise<{ buildModel: () => tf.LayersModel; OUTPUT_NAMES: string[] }> {
  const { code } = await transform(source, { loader: 'ts', format: 'cjs' });
  const modules: Record<string, unknown> = { '@tensorflow/tfjs': tf, 'nasfpn/layers': customLayers };
  const module = { exports: {} as Record<string, unknown> };
  new Function('require', 'module', 'exports', code)((id: string) => modules[id], module, module.exports);
  return module.exports as never;
}

describe.each(configs)('%s', (_label, detector) => {
  const spec = lowerDetector(detector);
  let model: tf.LayersModel;
  beforeAll(() => {
    model = buildModel(spec);
    setDeterministicWeights(tf, model);
  });
  afterAll(() => model?.dispose());

  test('stats equals model.countParams() and the trainable weights', () => {
    const counts = countModel(spec);
    expect(counts.trainable + counts.nonTrainable).toBe(model.countParams());
    const trainable = model.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
    expect(counts.trainable).toBe(trainable);
  });

  test('output shapes follow the levels, anchors and classes', () => {
    const anchors = detector.head.anchors.scales * detector.head.anchors.ratios.length;
    const levels = detector.maxLevel - detector.minLevel + 1;
    const heads = detector.anytimeHeads ? detector.repeats : 1;
    expect(model.outputs).toHaveLength(2 * levels * heads);
    expect(model.outputs[0].shape).toEqual([null, detector.inputSize / 8, detector.inputSize / 8, anchors * detector.head.classes]);
    expect(model.outputs[levels].shape).toEqual([null, detector.inputSize / 8, detector.inputSize / 8, anchors * 4]);
  });

  test('the emitted TypeScript builds the identical model', async () => {
    const emitted = await loadEmitted(emitTypeScript(spec, { layersModule: 'nasfpn/layers' }));
    const twin = emitted.buildModel();
    expect(emitted.OUTPUT_NAMES).toEqual(spec.outputs.map((o) => o.name));
    expect(twin.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    expect(twin.countParams()).toBe(model.countParams());
    copyWeightsByLayerName(model, twin);
    const x = image(detector.inputSize);
    const [a, b] = [await outputsOf(model, x), await outputsOf(twin, x)];
    expect(spread(a[0])).toBeGreaterThan(0); // the comparison is not between two constant maps
    expect(maxRelativeDifference(a, b)).toBe(0);
    twin.dispose();
    x.dispose();
  });

  test.runIf(detector.dropblock !== null)('is deterministic at inference; DropBlock makes training passes random', async () => {
    const x = image(detector.inputSize, 2);
    const inference = [await outputsOf(model, x), await outputsOf(model, x)];
    expect(maxRelativeDifference(inference[0], inference[1])).toBe(0);
    const train = async () => {
      const out = model.apply(x, { training: true }) as tf.Tensor[];
      const data = await Promise.all(out.map((t) => t.data() as Promise<Float32Array>));
      tf.dispose(out);
      return data;
    };
    const [a, b] = [await train(), await train()];
    expect(maxRelativeDifference(a, b)).toBeGreaterThan(0);
    x.dispose();
  });

  test('saves through the file IOHandler and reloads with identical outputs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nasfpn-model-'));
    try {
      await model.save(fileSaveHandler(join(dir, 'out')));
      const reloaded = await tf.loadLayersModel(fileLoadHandler(join(dir, 'out')));
      const x = image(detector.inputSize);
      expect(maxRelativeDifference(await outputsOf(model, x), await outputsOf(reloaded, x))).toBe(0);
      reloaded.dispose();
      x.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
