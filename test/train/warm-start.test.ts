// A warm start (src/train/warm-start.ts): a new detector's backbone and heads from another's weights, where names
// and shapes match; its pyramid (another architecture) stays as built.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/runtime/backend.js';
import { buildDetectorModel } from '../../src/train/model.js';
import { readWeights, writeWeights } from '../../src/train/engine.js';
import { warmStartWeights } from '../../src/train/warm-start.js';
import { tinyResnet } from '../helpers/detectors.js';
import { fpnReference } from '../helpers/ir.js';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('warmStartWeights', () => {
  it('copies the backbone and the heads of matching shape, and leaves the pyramid and other heads fresh', async () => {
    const pretrained = buildDetectorModel(tinyResnet(), 1);
    // Another pyramid (FPN), another seed, and a class head of another size (4 classes instead of 3).
    const detector = tinyResnet({ pyramid: fpnReference(3, 7), repeats: 1 });
    const fresh = buildDetectorModel({ ...detector, head: { ...detector.head, classes: 4 } }, 2);
    const before = new Map((await readWeights(fresh)).map((w) => [w.name, w.values]));
    const saved = await readWeights(pretrained);
    // What an engine's warmStart restores: the built weights with the matching parts replaced.
    const result = warmStartWeights(await readWeights(fresh), saved);
    writeWeights(tf, fresh, result.weights);
    const after = await readWeights(fresh);
    const source = new Map(saved.map((w) => [w.name, w]));
    const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => v === b[i]);
    const backbone = after.filter((w) => w.name.startsWith('backbone/'));
    expect(backbone.length).toBeGreaterThan(0);
    for (const w of backbone) expect(same(w.values, source.get(w.name)!.values)).toBe(true);
    // The class predictor has another shape: fresh; the box predictor matches: copied.
    const classPredict = after.find((w) => w.name.startsWith('head/class/predict') && w.name.endsWith('kernel'))!;
    const boxPredict = after.find((w) => w.name.startsWith('head/box/predict') && w.name.endsWith('kernel'))!;
    expect(same(classPredict.values, before.get(classPredict.name)!)).toBe(true);
    expect(same(boxPredict.values, source.get(boxPredict.name)!.values)).toBe(true);
    for (const w of after.filter((w) => !w.name.startsWith('backbone/') && !w.name.startsWith('head/'))) {
      expect(same(w.values, before.get(w.name)!)).toBe(true);
    }
    expect(result.fresh).toBeGreaterThanOrEqual(2); // the class predictor's kernel and bias
    expect(result.copied).toBe(after.filter((w) => w.name.startsWith('backbone/') || w.name.startsWith('head/')).length - result.fresh);
    pretrained.dispose();
    fresh.dispose();
  }, 60_000);
});
