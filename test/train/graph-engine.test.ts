// The graph engine against the eager engine on tfjs-node, on a tiny detector (ResNet-10, 2 stacked 3-cell
// pyramids @ 8, 64 px, batch 2) with the detection losses:
//   - equivalence: the same recipe, seed and batches give the same loss, parts and gradient norm for 20 steps,
//     within EQUIVALENCE (relative, each step); measured: ≤ 2.3e-5 (float32 rounding of two op orders; at lr
//     0.01 this tiny net's gradient norms reach hundreds and amplify that rounding until the engines are 1e-2
//     apart within 20 steps, so the test trains at lr 0.001);
//   - checkpoints both ways: 3 steps on one engine, a checkpoint, 2 more on the other, equal an uninterrupted run;
//   - a non-finite loss leaves the weights and slots exactly as they were;
//   - predict: the graph's inference outputs equal the eager model's for the same weights;
//   - DropBlock trains in the graph, its draws a function of the step's seed.
// And the engine choice: auto is eager off tfjs-node, graph refuses there; an op TensorFlow lacks is named.
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { GraphBuilder } from '../../src/graph/builder.js';
import { unsupportedOpError } from '../../src/graph/errors.js';
import * as op from '../../src/graph/ops.js';
import { manifestOf, savedModelBytes, SAVED_MODEL_FILE } from '../../src/graph/saved-model.js';
import { useBackend } from '../../src/runtime/backend.js';
import { SavedModelSession } from '../../src/runtime/saved-model-session.js';
import { checkText } from '../../src/semantics/program.js';
import type { TrainIR } from '../../src/semantics/ir.js';
import { latestCheckpointDir, readCheckpoint } from '../../src/train/checkpoint.js';
import { eagerDetectionEngine } from '../../src/train/detection.js';
import type { StepOutcome, TrainingEngine } from '../../src/train/engine.js';
import { EngineUnavailableError, openEngine } from '../../src/train/engines.js';
import { GraphEngine } from '../../src/train/graph-engine.js';
import { PeriodicCheckpoint } from '../../src/train/hooks.js';
import { Trainer } from '../../src/train/trainer.js';
import { backendsUnderTest } from '../runtime/helpers.js';
import { standInSource, tinyRecipeText } from './standins.js';

/** Largest relative difference allowed between the engines' numbers, each step. */
const EQUIVALENCE = 1e-3;
const STEPS = 20;

const backends = await backendsUnderTest();
const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-graph-engine-'));
const cacheDir = join(scratch, 'cache');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function recipe(extra = '', detectorFields = '', steps = STEPS): TrainIR {
  const text = tinyRecipeText(`  steps ${steps}\n  lr 0.001 per 2\n  warmup 0\n  clip 10\n${extra}`, { repeats: 2, input: 64, batch: 2, detectorFields });
  const result = checkText(text, join(scratch, 'tiny.fpn'));
  expect(result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
  return result.program!.trains[0];
}

const batches = (r: TrainIR, from?: unknown) => standInSource({ seed: 3, batch: r.batch, size: r.detector.inputSize, stepsPerEpoch: 5, from });
const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

/** The largest relative difference between two steps' loss, parts and gradient norm. */
function stepDifference(a: StepOutcome, b: StepOutcome): number {
  const parts = Object.keys(b.parts).map((k) => relative(a.parts[k], b.parts[k]));
  return Math.max(relative(a.loss, b.loss), relative(a.gradientNorm, b.gradientNorm), ...parts);
}

describe.skipIf(!backends.includes('tfjs-node'))('the graph engine against the eager engine (skipped without tfjs-node)', () => {
  test(`the same losses, parts and gradient norms for ${STEPS} steps (≤ ${EQUIVALENCE} relative, each step)`, async () => {
    await useBackend('tfjs-node');
    const r = recipe();
    const graph = await GraphEngine.open(tf, r, { cacheDir });
    const eager = eagerDetectionEngine(tf, r);
    const [a, b] = [batches(r), batches(r)];
    const differences: number[] = [];
    try {
      for (let step = 0; step < STEPS; step++) {
        const fromGraph = await graph.step(await a.next(), r.learningRate.peak, step);
        const fromEager = await eager.step(await b.next(), r.learningRate.peak, step);
        expect(Object.keys(fromGraph.parts)).toEqual(Object.keys(fromEager.parts));
        differences.push(stepDifference(fromGraph, fromEager));
      }
    } finally {
      graph.dispose();
      eager.dispose();
    }
    expect(Math.max(...differences), differences.map((d) => d.toExponential(1)).join(' ')).toBeLessThanOrEqual(EQUIVALENCE);
  });

  test.each([['graph', 'eager'], ['eager', 'graph']] as const)('a run checkpointed on the %s engine resumes on the %s engine', async (first, second) => {
    await useBackend('tfjs-node');
    const r = recipe('  checkpoint every 3\n', '', 5);
    const open = (kind: 'graph' | 'eager'): Promise<TrainingEngine> => (kind === 'graph' ? GraphEngine.open(tf, r, { cacheDir }) : Promise.resolve(eagerDetectionEngine(tf, r)));
    const trainer = async (kind: 'graph' | 'eager', runDir: string, from?: unknown) => new Trainer({
      engine: await open(kind), recipe: r, data: batches(r, from), runDir, source: { file: 'tiny.fpn', files: {} }, hooks: [new PeriodicCheckpoint(3)],
    });
    const losses = (t: Trainer) => {
      const seen: number[] = [];
      t.hooks.push({ name: 'losses', afterStep: (_t, result) => { seen.push(result.loss); } });
      return seen;
    };
    const straight = await trainer(first, join(scratch, `straight-${first}`));
    const expected = losses(straight);
    await straight.run();
    straight.dispose();

    const runDir = join(scratch, `switched-${first}`);
    const before = await trainer(first, runDir);
    before.hooks.push({ name: 'stop', afterStep: (t) => { if (t.step === 3) t.requestStop(); } });
    expect(await before.run()).toBe('stopped');
    before.dispose();
    const checkpoint = readCheckpoint(latestCheckpointDir(runDir)!);
    expect(checkpoint.state.step).toBe(3);
    const after = await trainer(second, runDir, checkpoint.state.data);
    await after.restore(checkpoint);
    const resumed = losses(after);
    expect(await after.run()).toBe('finished');
    after.dispose();
    expect(resumed).toHaveLength(2);
    resumed.forEach((loss, i) => expect(relative(loss, expected[3 + i])).toBeLessThanOrEqual(EQUIVALENCE));
  });

  test('a step whose loss is not finite leaves the weights and slots as they were', async () => {
    await useBackend('tfjs-node');
    const r = recipe();
    const graph = await GraphEngine.open(tf, r, { cacheDir });
    try {
      const source = batches(r);
      await graph.step(await source.next(), 0.001, 0);
      // A NaN class bias (after the last ReLU, so it reaches the loss) makes the next loss NaN.
      const poisoned = await graph.readWeights();
      poisoned.find((w) => w.name === 'head/class/predict/bias')!.values[0] = NaN;
      await graph.restore(poisoned, await graph.readSlots());
      const [weights, slots] = [await graph.readWeights(), await graph.readSlots()];
      const outcome = await graph.step(await source.next(), 0.001, 1);
      expect(Number.isFinite(outcome.loss)).toBe(false);
      const same = (a: { values: Float32Array }[], b: { values: Float32Array }[]) =>
        a.every((w, i) => Buffer.from(w.values.buffer).equals(Buffer.from(b[i].values.buffer)));
      // Batch-norm moving statistics move in the forward pass (as on the eager engine); the trained weights and the slots do not.
      const trained = (list: { name: string }[]) => list.map((w, i) => ({ w, i })).filter(({ w }) => !/moving_/.test(w.name)).map(({ i }) => i);
      const after = await graph.readWeights();
      expect(same(trained(weights).map((i) => after[i]), trained(weights).map((i) => weights[i]))).toBe(true);
      expect(same(await graph.readSlots(), slots)).toBe(true);
      expect(slots.some((s) => s.values.some((v) => v !== 0))).toBe(true);
    } finally {
      graph.dispose();
    }
  });

  test('predict gives the eager model\'s inference outputs for the same weights', async () => {
    await useBackend('tfjs-node');
    const r = recipe();
    const graph = await GraphEngine.open(tf, r, { cacheDir });
    const eager = eagerDetectionEngine(tf, r);
    try {
      const source = batches(r);
      for (let step = 0; step < 2; step++) await graph.step(await source.next(), 0.001, step);
      await eager.restore(await graph.readWeights(), await graph.readSlots());
      const images = tf.randomNormal([3, 64, 64, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
      const [fromGraph, fromEager] = [graph.heads(images), eager.heads(images)];
      expect(fromGraph.map((t) => t.shape)).toEqual(fromEager.map((t) => t.shape));
      for (const [i, t] of fromGraph.entries()) {
        const [a, b] = [await t.data(), await fromEager[i].data()];
        const scale = Math.max(...b.map(Math.abs));
        expect(Math.max(...a.map((v, k) => Math.abs(v - b[k]))) / scale).toBeLessThan(1e-5);
      }
      tf.dispose([images, ...fromGraph, ...fromEager]);
    } finally {
      graph.dispose();
      eager.dispose();
    }
  });

  test('DropBlock trains in the graph, its masks a function of the step seed', async () => {
    await useBackend('tfjs-node');
    const r = recipe('', '  dropblock size 3 keep 0.7\n');
    const losses = async (seeds: number[]) => {
      const graph = await GraphEngine.open(tf, r, { cacheDir });
      try {
        const source = batches(r);
        const out: number[] = [];
        for (const seed of seeds) out.push((await graph.step(await source.next(), 0.001, seed)).loss);
        return out;
      } finally {
        graph.dispose();
      }
    };
    const [first, again, other] = [await losses([11, 12]), await losses([11, 12]), await losses([11, 99])];
    expect(first.every(Number.isFinite)).toBe(true);
    expect(again).toEqual(first);
    expect(other[0]).toBe(first[0]);
    expect(other[1]).not.toBe(first[1]);
  });

  test('an op the TensorFlow library lacks is named', async () => {
    await useBackend('tfjs-node');
    const g = new GraphBuilder();
    const x = op.placeholder(g, 'x', 'float32', [2]);
    const y = g.add('NasfpnNoSuchOp', 'missing', [x], {}, [{ dtype: 'float32', shape: [2] }]).outputs[0];
    const signatures = { run: { inputs: { x }, outputs: { y } } };
    const dir = join(scratch, 'unknown-op');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, SAVED_MODEL_FILE), savedModelBytes(g, signatures));
    const error = (() => {
      try {
        SavedModelSession.open(tf, dir, manifestOf(signatures, {}, {}).signatures).dispose();
        return null;
      } catch (e) {
        return e;
      }
    })();
    expect(unsupportedOpError(error)?.op).toBe('NasfpnNoSuchOp');
  });
});

describe('the engine choice', () => {
  test('off tfjs-node, auto is eager with its reason and --engine graph refuses', async () => {
    await useBackend('wasm');
    const r = recipe();
    const opened = await openEngine(tf, r, 'auto', () => eagerDetectionEngine(tf, r));
    expect(opened.engine.kind).toBe('eager');
    expect(opened.reason).toContain('wasm');
    opened.engine.dispose();
    await expect(openEngine(tf, r, 'graph', () => eagerDetectionEngine(tf, r))).rejects.toThrow(EngineUnavailableError);
  });

  test.skipIf(!backends.includes('tfjs-node'))('on tfjs-node, auto is the graph engine, and eager when asked', async () => {
    await useBackend('tfjs-node');
    const r = recipe();
    const auto = await openEngine(tf, r, 'auto', () => eagerDetectionEngine(tf, r), { cacheDir });
    expect(auto.engine.kind).toBe('graph');
    auto.engine.dispose();
    const eager = await openEngine(tf, r, 'eager', () => eagerDetectionEngine(tf, r), { cacheDir });
    expect(eager.engine.kind).toBe('eager');
    eager.engine.dispose();
  });
});
