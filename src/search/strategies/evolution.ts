// Regularized (aging) evolution (Real, Aggarwal, Huang, Le, AAAI 2019, Algorithm 1): a population of the most
// recent `population` evaluated architectures; each proposal samples `sample` members, mutates the best of them
// in one decision, and the oldest member dies when a new one joins. Until the population is full, proposals
// are random.
import { Random, type RandomState } from '../../util/random.js';
import { DecisionWalker, sampleDecisions } from '../space.js';
import { readOptions, type Observation, type Strategy, type StrategyContext, type StrategyUpdate } from './strategy.js';

const DEFAULTS = {
  /** Population size P (Real et al. use 100 on their budget; smaller suits a few hundred trials). */
  population: 20,
  /** Tournament size S. */
  sample: 5,
};

interface Member {
  decisions: number[];
  reward: number;
}

interface EvolutionState {
  random: RandomState;
  population: Member[];
}

export class EvolutionStrategy implements Strategy {
  readonly name = 'evolution';
  private readonly options: typeof DEFAULTS;
  private random: Random;
  private population: Member[] = [];

  constructor(private readonly context: StrategyContext) {
    this.options = readOptions('evolution', DEFAULTS, context.options);
    if (this.options.population < 2 || this.options.sample < 1 || this.options.sample > this.options.population) {
      throw new RangeError('evolution needs population ≥ 2 and 1 ≤ sample ≤ population');
    }
    this.random = Random.seeded(context.seed).fork('evolution');
  }

  async propose(): Promise<number[]> {
    if (this.population.length < this.options.population) return sampleDecisions(this.context.space, this.random);
    let parent: Member | null = null;
    for (let i = 0; i < this.options.sample; i++) {
      const candidate = this.random.pick(this.population);
      if (!parent || candidate.reward > parent.reward) parent = candidate;
    }
    return this.mutate(parent!.decisions);
  }

  /**
   * Changes one decision to another valid choice; later decisions are kept where they stay valid and
   * redrawn where the change made them invalid (e.g. an output level already taken).
   */
  private mutate(decisions: readonly number[]): number[] {
    const walker = new DecisionWalker(this.context.space);
    const position = this.random.int(decisions.length);
    while (!walker.done) {
      const mask = walker.mask();
      const step = walker.step;
      const valid = mask.flatMap((ok, i) => (ok ? [i] : []));
      if (step === position) {
        const others = valid.filter((c) => c !== decisions[step]);
        walker.choose(others.length ? this.random.pick(others) : decisions[step]);
      } else {
        walker.choose(mask[decisions[step]] ? decisions[step] : this.random.pick(valid));
      }
    }
    return [...walker.decisions];
  }

  async observe(trial: Observation): Promise<StrategyUpdate | null> {
    if (trial.reward === null) return null; // a failed architecture does not join the population
    this.population.push({ decisions: [...trial.decisions], reward: trial.reward });
    if (this.population.length > this.options.population) this.population.shift(); // the oldest dies
    return null;
  }

  state(): EvolutionState {
    return { random: this.random.state(), population: this.population.map((m) => ({ ...m, decisions: [...m.decisions] })) };
  }

  load(state: unknown): void {
    const s = state as EvolutionState;
    this.random = Random.load(s.random);
    this.population = s.population.map((m) => ({ ...m, decisions: [...m.decisions] }));
  }

  dispose(): void {}
}
