// Builds a strategy by name. PPO needs TensorFlow.js, which the caller loads (lazily, in the command).
import type * as TF from '@tensorflow/tfjs';
import { EvolutionStrategy } from './evolution.js';
import { PpoStrategy } from './ppo.js';
import { RandomStrategy } from './random.js';
import type { Strategy, StrategyContext, StrategyName } from './strategy.js';

export { STRATEGY_NAMES, type Observation, type Strategy, type StrategyContext, type StrategyName, type StrategyUpdate } from './strategy.js';

export function createStrategy(name: StrategyName, context: StrategyContext, tf: typeof TF | null): Strategy {
  switch (name) {
    case 'ppo':
      if (!tf) throw new Error('the ppo strategy needs TensorFlow.js');
      return new PpoStrategy(tf, context);
    case 'random':
      return new RandomStrategy(context);
    case 'evolution':
      return new EvolutionStrategy(context);
    default:
      return assertNever(name);
  }
}

function assertNever(value: never): never {
  throw new RangeError(`unknown strategy '${String(value)}'`);
}
