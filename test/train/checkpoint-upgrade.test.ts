// Checkpoints written before pyramids had a `kind` (every pyramid was made of merging cells) still read as
// recipes of this version: without the upgrade, resuming, evaluating or predicting such a run stopped with an
// internal error (an unhandled pyramid kind while building the model).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import type { TrainIR } from '../../src/semantics/ir.js';
import { checkText } from '../../src/semantics/program.js';
import { readCheckpoint, readCheckpointState, upgradeRecipe, writeCheckpoint } from '../../src/train/checkpoint.js';
import { tinyRecipeText } from './standins.js';

const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-checkpoint-upgrade-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const recipe = checkText(tinyRecipeText('  steps 4'), join(scratch, 'tiny.fpn')).program!.trains[0];

test('a saved recipe whose pyramid has no kind reads back as a cells pyramid, equal to the checked recipe', async () => {
  expect(recipe.detector.pyramid.kind).toBe('cells');
  const { kind: _kind, ...oldPyramid } = recipe.detector.pyramid;
  const old = { ...recipe, detector: { ...recipe.detector, pyramid: oldPyramid } };
  const dir = await writeCheckpoint(join(scratch, 'run'), {
    weights: [], slots: [], source: { file: 'tiny.fpn', files: {} },
    state: { step: 3, learningRate: 0.01, data: null, random: [1, 2, 3, 4], hooks: {}, recipe: old, savedAt: '2026-01-01T00:00:00Z' },
  }, 1);
  expect(readCheckpoint(dir).state.recipe as TrainIR).toEqual(recipe);
  // What `nasfpn train --resume` reads first (state.json only) is upgraded alike.
  expect(readCheckpointState(dir)).toEqual(readCheckpoint(dir).state);
});

test('a recipe of this version is returned as it is', () => {
  expect(upgradeRecipe(recipe)).toBe(recipe);
  expect(upgradeRecipe(null)).toBe(null);
});
