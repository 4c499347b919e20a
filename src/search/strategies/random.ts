// Random search: every decision drawn uniformly among its valid choices (the common NAS baseline).
import { Random, type RandomState } from '../../util/random.js';
import { sampleDecisions } from '../space.js';
import { readOptions, type Observation, type Strategy, type StrategyContext, type StrategyUpdate } from './strategy.js';

export class RandomStrategy implements Strategy {
  readonly name = 'random';
  private random: Random;

  constructor(private readonly context: StrategyContext) {
    readOptions('random', {}, context.options);
    this.random = Random.seeded(context.seed).fork('random');
  }

  async propose(): Promise<number[]> {
    return sampleDecisions(this.context.space, this.random);
  }

  async observe(_trial: Observation): Promise<StrategyUpdate | null> {
    return null;
  }

  state(): { random: RandomState } {
    return { random: this.random.state() };
  }

  load(state: unknown): void {
    this.random = Random.load((state as { random: RandomState }).random);
  }

  dispose(): void {}
}
