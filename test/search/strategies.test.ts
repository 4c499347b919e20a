import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createReward, targetArchitecture, targetScore } from '../../src/search/reward.js';
import { decisionsToPyramid, isValidDecisions, sampleDecisions } from '../../src/search/space.js';
import { Random } from '../../src/util/random.js';
import { createStrategy, type StrategyName } from '../../src/search/strategies/index.js';
import { paperSpace, spaceFrom } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

/** Runs `trials` proposals of a strategy against the target surrogate, one at a time; returns the rewards. */
async function run(name: StrategyName, seed: number, trials: number, space = paperSpace(), options: Record<string, number> = {}): Promise<number[]> {
  const strategy = createStrategy(name, { space, seed, options }, tf);
  const target = targetArchitecture(space, 1);
  const rewards: number[] = [];
  for (let id = 1; id <= trials; id++) {
    const decisions = await strategy.propose(id);
    expect(isValidDecisions(space, decisions)).toBe(true);
    const reward = targetScore(decisionsToPyramid(space, decisions, 'x'), target);
    rewards.push(reward);
    await strategy.observe({ id, decisions, reward });
  }
  strategy.dispose();
  return rewards;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('strategies', () => {
  it('evolution proposes valid architectures and improves on its random start', async () => {
    const rewards = await run('evolution', 4, 120);
    expect(mean(rewards.slice(-30))).toBeGreaterThan(mean(rewards.slice(0, 20)));
  });

  it('the target surrogate scores its own optimum 1 and other architectures less', async () => {
    const space = paperSpace();
    const target = targetArchitecture(space, 1);
    expect(targetScore(target, target)).toBe(1);
    expect(targetScore(targetArchitecture(space, 2), target)).toBeLessThan(1);
    // The reward a worker runs (default seed 1) scores the same: 1 and all 4 × 7 choices matched at the optimum.
    const reward = createReward({ name: 'target', options: {} }, space);
    const context = { progress: () => {}, signal: new AbortController().signal };
    const input = (decisions: number[]) => ({ id: 1, hash: '00000000', fpn: '', decisions, pyramid: decisionsToPyramid(space, decisions, 'trial1'), space, seed: 0 });
    expect(await reward.evaluate(input(sampleDecisions(space, Random.seeded(1))), context)).toEqual({ reward: 1, metrics: { matched: 28 } });
    expect((await reward.evaluate(input(sampleDecisions(space, Random.seeded(2))), context)).reward).toBeLessThan(1);
  });

  it('PPO beats random search on the known-optimum surrogate at the same budget', async () => {
    // A small space keeps the test quick (the benchmark runs the paper's space over several seeds).
    const space = spaceFrom('inputs P3..P5\ncells 4');
    const budget = 96;
    const ppo = await run('ppo', 3, budget, space, { epochs: 2 }); // half the default passes: a quicker test
    const random = await run('random', 3, budget, space);
    const last = (xs: number[]) => mean(xs.slice(-24));
    expect(last(ppo)).toBeGreaterThan(last(random) + 0.1);
  });
});

describe('ppo state', () => {
  it('after an update, a controller loaded from state() proposes what the original proposes next', async () => {
    const space = spaceFrom('inputs P3..P5\ncells 4');
    const target = targetArchitecture(space, 1);
    const options = { batch: 4, epochs: 1 };
    const original = createStrategy('ppo', { space, seed: 5, options }, tf);
    let updates = 0;
    for (let id = 1; id <= 4; id++) {
      const decisions = await original.propose(id);
      const update = await original.observe({ id, decisions, reward: targetScore(decisionsToPyramid(space, decisions, 'x'), target) });
      if (update) updates++;
    }
    expect(updates).toBe(1); // the stored weights must be the updated ones, not the initial ones
    const state = JSON.parse(JSON.stringify(original.state()));
    const restored = createStrategy('ppo', { space, seed: 99, options }, tf); // another seed: everything comes from the state
    restored.load(state);
    expect(await restored.propose(5)).toEqual(await original.propose(5));
    expect(JSON.parse(JSON.stringify(restored.state()))).toEqual(JSON.parse(JSON.stringify(original.state())));
    original.dispose();
    restored.dispose();
  });
});
