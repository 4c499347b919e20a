// Builds a strategy by name. PPO needs TensorFlow.js, which the caller loads (lazily, in the command).
import type * as TF from '@tensorflow/tfjs';
import { EvolutionStrategy } from './evolution.js';
import { PpoStrategy } from './ppo.js';
import { RandomStrategy } from './random.js';
import { assertNever } from '../../util/assert-never.js';
import { STRATEGY_NAMES, type Strategy, type StrategyContext, type StrategyName } from './strategy.js';

export { STRATEGY_NAMES, type Observation, type Strategy, type StrategyContext, type StrategyName, type StrategyUpdate } from './strategy.js';

/** Throws a RangeError for a name no strategy has (a hand-edited run config, or a study's `fixed` list). */
export function createStrategy(given: string, context: StrategyContext, tf: typeof TF | null): Strategy {
  if (!(STRATEGY_NAMES as readonly string[]).includes(given)) throw new RangeError(`unknown strategy '${given}' (have: ${STRATEGY_NAMES.join(', ')})`);
  const name = given as StrategyName;
  switch (name) {
    case 'ppo':
      if (!tf) throw new Error('the ppo strategy needs TensorFlow.js');
      return new PpoStrategy(tf, context);
    case 'random':
      return new RandomStrategy(context);
    case 'evolution':
      return new EvolutionStrategy(context);
    default:
      return assertNever(name, 'strategy');
  }
}
