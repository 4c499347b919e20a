// The training loop on a tiny detector (64 px, stand-in data and losses): a flat tensor count across steps,
// the learning rate each step gets, a stop request that checkpoints, a non-finite loss that stops the run
// naming the step and the last checkpoint, and a resume that ends with the weights of an uninterrupted run.
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { useBackend } from '../../src/runtime/backend.js';
import { checkText } from '../../src/semantics/program.js';
import type { TrainIR } from '../../src/semantics/ir.js';
import { latestCheckpointDir, readCheckpoint } from '../../src/train/checkpoint.js';
import { LearningRateSchedule, MetricsLogger, PeriodicCheckpoint } from '../../src/train/hooks.js';
import type { MetricsRecord } from '../../src/train/metrics.js';
import { buildDetectorModel } from '../../src/train/model.js';
import { EagerEngine, type Objective } from '../../src/train/engine.js';
import { NonFiniteLossError, Trainer } from '../../src/train/trainer.js';
import { standInObjective, standInSource, tinyRecipeText } from './standins.js';

const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-trainer-'));
beforeAll(async () => {
  await useBackend('wasm');
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function recipe(fields: string): TrainIR {
  const result = checkText(tinyRecipeText(fields), join(scratch, 'tiny.fpn'));
  expect(result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
  return result.program!.trains[0];
}

function makeTrainer(ir: TrainIR, runDir: string, options: { objective?: Objective; from?: unknown; records?: MetricsRecord[] } = {}) {
  const logger = new MetricsLogger(runDir, ir.logEvery, (r) => options.records?.push(r));
  return new Trainer({
    engine: new EagerEngine(tf, buildDetectorModel(ir.detector, ir.seed), ir, options.objective ?? standInObjective()), recipe: ir,
    data: standInSource({ seed: ir.seed, batch: ir.batch, size: ir.detector.inputSize, stepsPerEpoch: 3, from: options.from }),
    runDir, source: { file: 'tiny.fpn', files: { 'tiny.fpn': tinyRecipeText('') } },
    hooks: [new LearningRateSchedule(), logger, new PeriodicCheckpoint(ir.checkpoint.every)],
  });
}

describe('Trainer', () => {
  test('steps leave the tensor count flat and follow the schedule; metrics.jsonl logs every interval', async () => {
    const ir = recipe('  steps 4\n  lr 0.01 per 1\n  warmup 2 from 0.001\n  log every 2\n  checkpoint every 100');
    const runDir = join(scratch, 'flat');
    const records: MetricsRecord[] = [];
    const trainer = makeTrainer(ir, runDir, { records });
    const counts: number[] = [];
    const rates: number[] = [];
    trainer.hooks.push({ name: 'count', afterStep: (t) => { counts.push(tf.memory().numTensors); rates.push(t.learningRate); } });
    expect(await trainer.run()).toBe('finished');
    expect(new Set(counts).size, counts.join(', ')).toBe(1);
    // Warm-up 0.001 → 0.01 over 2 steps: 0.001, 0.0055, then the peak.
    expect(rates.map((r) => +r.toFixed(6))).toEqual([0.001, 0.0055, 0.01, 0.01]);
    expect(records.map((r) => [r.kind, r.step])).toEqual([['train', 2], ['train', 4]]);
    const lines = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.step)).toEqual([2, 4]);
    expect(Object.keys(lines[0].parts)).toEqual(['fit', 'extra']);
    // The end of the run is checkpointed even off the interval.
    expect(latestCheckpointDir(runDir)).toMatch(/step-00000004$/);
    trainer.dispose();
  });

  test('a stop request finishes the step, checkpoints and ends the run as stopped; resuming ends where an uninterrupted run does', async () => {
    const ir = recipe('  steps 4\n  lr 0.05 per 1\n  warmup 0\n  clip 1\n  checkpoint every 100 keep 2');
    const straight = makeTrainer(ir, join(scratch, 'straight'));
    await straight.run();
    const expected = await straight.engine.readWeights();
    straight.dispose();

    const runDir = join(scratch, 'stopped');
    const first = makeTrainer(ir, runDir);
    first.hooks.push({ name: 'stopper', afterStep: (t) => { if (t.step === 2) t.requestStop(); } });
    expect(await first.run()).toBe('stopped');
    expect(first.step).toBe(2);
    first.dispose();

    const checkpoint = readCheckpoint(latestCheckpointDir(runDir)!);
    expect(checkpoint.state.step).toBe(2);
    expect(checkpoint.state.data).toEqual({ index: 2 });
    const second = makeTrainer(ir, runDir, { from: checkpoint.state.data });
    await second.restore(checkpoint);
    expect(await second.run()).toBe('finished');
    const resumed = await second.engine.readWeights();
    second.dispose();
    expect(resumed.map((w) => w.name)).toEqual(expected.map((w) => w.name));
    resumed.forEach((w, i) => expect(Buffer.from(w.values.buffer).equals(Buffer.from(expected[i].values.buffer)), w.name).toBe(true));
  });

  test('a non-finite loss stops the run before the update, naming the step and the last good checkpoint', async () => {
    const ir = recipe('  steps 6\n  checkpoint every 2');
    const runDir = join(scratch, 'nan');
    let calls = 0;
    const trainer = makeTrainer(ir, runDir, { objective: standInObjective(() => ++calls === 3) });
    const error = await trainer.run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteLossError);
    expect((error as NonFiniteLossError).step).toBe(3);
    expect((error as Error).message).toContain('step 3');
    expect((error as Error).message).toContain('step-00000002');
    expect(trainer.step).toBe(2);
    expect(existsSync(join(runDir, 'checkpoints', 'step-00000002'))).toBe(true);
    trainer.dispose();
  });
});
