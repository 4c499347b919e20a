// The strategies that propose architectures, behind one small interface in the manner of Optuna's samplers
// and NNI's strategies: propose, observe, and a JSON state for resuming. Each is seeded and carries its own
// random state, so a resumed run continues its stream exactly.
import type { SearchSpaceIR } from '../../semantics/ir.js';

export const STRATEGY_NAMES = ['ppo', 'random', 'evolution'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** A finished trial as a strategy learns from it: its decisions and reward (null when the trial failed). */
export interface Observation {
  id: number;
  decisions: readonly number[];
  reward: number | null;
}

/** What a learning step changed, for the `controller.updated` event. */
export interface StrategyUpdate {
  step: number;
  entropy: number;
  baseline: number | null;
  meanReward: number;
  loss: number | null;
}

export interface Strategy {
  readonly name: StrategyName;
  /** The decisions of the next architecture to try (valid in the space). */
  propose(id: number): Promise<number[]>;
  /** Learns from a finished or failed trial; returns what changed when it made a learning step. */
  observe(trial: Observation): Promise<StrategyUpdate | null>;
  /** Everything needed to continue after a restart, as JSON. */
  state(): unknown;
  /** Continues from a `state()` of the same strategy and space. */
  load(state: unknown): void;
  dispose(): void;
}

export interface StrategyContext {
  space: SearchSpaceIR;
  seed: number;
  /** Options by name (`--strategy-option key=value`); unknown names are an error. */
  options: Record<string, number>;
}

/** Reads numeric options over defaults, rejecting names the strategy does not have. */
export function readOptions<T extends Record<string, number>>(strategy: string, defaults: T, given: Record<string, number>): T {
  const options = { ...defaults };
  for (const [key, value] of Object.entries(given)) {
    if (!Object.hasOwn(defaults, key)) throw new RangeError(`strategy '${strategy}' has no option '${key}' (have: ${Object.keys(defaults).join(', ')})`);
    if (!Number.isFinite(value)) throw new RangeError(`strategy '${strategy}': option '${key}' must be a number`);
    (options as Record<string, number>)[key] = value;
  }
  return options;
}
