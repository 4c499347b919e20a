// `nasfpn search --reward proxy:...` end to end through the built CLI: a synthetic dataset from `nasfpn data
// synth`, two local workers on wasm training the fixture's tiny proxy detector for 3 steps per trial, and a run
// directory whose trials carry AP rewards and the training metrics.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchEvent } from '../../src/search/events.js';
import { readRunConfig, readTrials } from '../../src/search/store.js';
import { noDamage } from './helpers.js';
import { ensureBundle, nasfpn, Running } from './cli-helpers.js';

const SPACE = 'test/fixtures/search/proxy/space.fpn';
const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-proxy-cli-'));
const data = join(scratch, 'data');
beforeAll(() => {
  ensureBundle();
  const synth = nasfpn('data', 'synth', '-o', data, '--images', '12', '--size', '64', '--classes', '3', '--val', '0.25');
  if (synth.code !== 0) throw new Error(synth.stderr);
}, 120_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const ofType = <T extends SearchEvent['type']>(events: SearchEvent[], type: T) =>
  events.filter((e): e is Extract<SearchEvent, { type: T }> => e.type === type);

describe('nasfpn search --reward proxy', () => {
  it('trains each trial on a local worker and records its AP and metrics in the run directory', async () => {
    const run = join(scratch, 'run');
    const search = new Running(['search', SPACE, '--strategy', 'random', '--trials', '2', '--workers', '2', '--reward', `proxy:data=${data},steps=3,batch=2`, '--run', run]);
    expect(await search.exited, search.stderr).toBe(0);
    // Each worker chose its backend before joining (the helper asks for wasm through NASFPN_BACKEND).
    expect(ofType(search.events, 'worker.joined').map((e) => e.backend)).toEqual(['wasm', 'wasm']);
    expect(ofType(search.events, 'trial.progress').filter((e) => e.trial === 1).map((e) => e.metrics.step)).toEqual([1, 2, 3]);
    expect(search.events.at(-1)).toMatchObject({ type: 'search.finished', reason: 'budget', trials: 2, failed: 0 });

    const trials = readTrials(run, noDamage);
    expect(trials).toHaveLength(2);
    for (const trial of trials) {
      expect(trial.status).toBe('finished');
      expect(trial.reward).toBeGreaterThanOrEqual(0);
      expect(trial.reward).toBeLessThanOrEqual(1);
      expect(trial.metrics).toMatchObject({ AP: trial.reward, steps: 3, evalImages: 3, input: 64, width: 8 });
      expect(Number.isFinite(trial.metrics.loss)).toBe(true);
      // The learning curve came back from the worker process: one evaluation, at the end.
      expect(trial.curve).toEqual([{ step: 3, value: trial.reward }]);
    }
    expect(readRunConfig(run).reward).toEqual({ name: 'proxy', options: { data, steps: 3, batch: 2 } });

    // The best one exported: its pyramid, the detector the reward trained and the recipe it trained with,
    // which `nasfpn train` takes as it is.
    const best = join(scratch, 'best');
    expect(nasfpn('search', 'export', run, '--top', '1', '-o', best)).toMatchObject({ code: 0 });
    const top1 = readFileSync(join(best, 'top1.fpn'), 'utf8');
    expect(top1).toMatch(/^detector top1_\w+ \{$/m);
    expect(top1).toContain('  input 64\n');
    expect(top1).toMatch(/^train top1_train \{\n  detector top1_\w+\n  data "\.\.\/data"\n  steps 3\n  batch 2\n/m);
    expect(nasfpn('check', join(best, 'top1.fpn'))).toMatchObject({ code: 0 });
    const trained = nasfpn('train', `${join(best, 'top1.fpn')}#top1_train`, '-o', join(scratch, 'top1-run'), '--steps', '1');
    expect(trained.stderr).not.toMatch(/error/i);
    expect(trained.code).toBe(0);
  }, 240_000);

  it('refuses a proxy reward it cannot run before the run starts', () => {
    const run = join(scratch, 'refused');
    const noData = nasfpn('search', SPACE, '--trials', '1', '--reward', 'proxy', '--run', run);
    expect(noData).toMatchObject({ code: 1 });
    expect(noData.stderr).toMatch(/the proxy reward needs a dataset: give data=DIR/);
    const notADataset = nasfpn('search', SPACE, '--trials', '1', '--reward', `proxy:data=${join(scratch, 'nowhere')}`, '--run', run);
    expect(notADataset).toMatchObject({ code: 1 });
    expect(notADataset.stderr).toMatch(/nowhere needs a train and a val split/);
    const badOption = nasfpn('search', SPACE, '--trials', '1', '--reward', `proxy:data=${data},epochs=2`, '--run', run);
    expect(badOption).toMatchObject({ code: 2 });
    expect(badOption.stderr).toMatch(/reward 'proxy' has no option 'epochs'/);
    const noProxy = nasfpn('search', 'test/fixtures/search/small.fpn', '--trials', '1', '--reward', `proxy:data=${data}`, '--run', run);
    expect(noProxy).toMatchObject({ code: 1 });
    expect(noProxy.stderr).toMatch(/search space 'small' names no proxy detector/);
  });
});
