// The paper's controller (§3, following Zoph & Le and Schulman et al.): a recurrent network that emits one
// softmax per decision, sampling an architecture decision by decision, trained with Proximal Policy
// Optimization on the rewards of the architectures it proposed.
//
//   step t:  x_t = embedding of decision t−1 (a learned start vector at t = 0)
//            (c_t, h_t) = LSTM(x_t, c_{t−1}, h_{t−1})
//            logits_t = h_t · W_kind + b_kind, invalid choices masked out (src/search/space.ts)
//
// Every `batch` finished trials make one update: advantages A = reward − baseline (an exponential moving average
// of rewards), then `epochs` passes of Adam on the clipped surrogate −mean(min(ρA, clip(ρ, 1±ε)A)) minus an
// entropy bonus, where ρ = π(a)/π_old(a) over the whole architecture. Failed trials carry no reward and are
// left out. The network is small (one LSTM layer of `hidden` units), so it runs on whatever TF.js backend is
// present, the pure-JS cpu one included.
import type * as TF from '@tensorflow/tfjs';
import { Random, type RandomState } from '../../util/random.js';
import { DECISION_KINDS, DECISIONS_PER_CELL, DecisionWalker, spaceShape, vocabularySize, type DecisionKind, type SpaceShape } from '../space.js';
import { readOptions, type Observation, type Strategy, type StrategyContext, type StrategyUpdate } from './strategy.js';

type Tfjs = typeof TF;

const PPO_DEFAULTS = {
  /** LSTM units (and embedding width). */
  hidden: 32,
  /** Finished trials per policy update. */
  batch: 8,
  /** Optimization passes over each batch (PPO reuses a batch several times; the clip keeps the steps small). */
  epochs: 4,
  /**
   * Adam step size. Tuned on the target surrogate, paper space, 200 trials (mean reward of the last 50, seed 1):
   * 0.02 × 2 epochs 0.45, 0.05 × 2 epochs 0.51, 0.05 × 4 epochs 0.63, 0.1 × 2 epochs 0.49; random search 0.32.
   */
  lr: 0.05,
  /** PPO's clip range ε (Schulman et al. 2017 use 0.2). */
  clip: 0.2,
  /**
   * Weight of the entropy bonus (nats per decision). 0.01 let the policy collapse early on some seeds (target
   * surrogate, 200 trials, seed 2: best 0.54); 0.05 keeps exploring (best 0.68).
   */
  entropy: 0.05,
  /** Decay of the moving-average reward baseline. */
  baselineDecay: 0.9,
  /** Initial weights are uniform in ±init (Zoph & Le: 0.08). */
  init: 0.08,
};
export type PpoOptions = typeof PPO_DEFAULTS;

/** Adam's usual constants (Kingma & Ba 2015). */
const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
/** Added to the logits of invalid choices: their probability underflows to exactly 0. */
const MASKED_LOGIT = -1e9;
/** The LSTM's forget-gate bias (tf.basicLSTMCell's usual 1). */
const FORGET_BIAS = 1;

interface Pending {
  decisions: number[];
  /** log π_old(architecture), under the policy that proposed it. */
  logProb: number;
}

interface Waiting extends Pending {
  reward: number;
}

interface StoredTensor {
  shape: number[];
  /** Float32 little-endian values, base64. */
  data: string;
}

interface PpoState {
  random: RandomState;
  baseline: number | null;
  step: number;
  /** Adam's step count. */
  adamStep: number;
  weights: Record<string, StoredTensor>;
  /** Adam's first and second moments per weight. */
  m: Record<string, StoredTensor>;
  v: Record<string, StoredTensor>;
  /** Proposed, not yet observed (by trial id). */
  pending: Record<string, Pending>;
  /** Observed, waiting for the batch to fill. */
  waiting: Waiting[];
}

export class PpoStrategy implements Strategy {
  readonly name = 'ppo';
  readonly options: PpoOptions;
  private readonly shape: SpaceShape;
  private random: Random;
  private readonly weights: Map<string, TF.Variable>;
  private readonly m = new Map<string, TF.Variable>();
  private readonly v = new Map<string, TF.Variable>();
  private adamStep = 0;
  private baseline: number | null = null;
  private step = 0;
  private pending = new Map<number, Pending>();
  private waiting: Waiting[] = [];
  /**
   * The weights and Adam's moments as `state()` stores them, refreshed only when they change (after each update,
   * and by `load`): state() runs after every proposal, and reading the tensors back there would be a
   * synchronous device read (which WebGPU in Node does not allow) repeated for weights that did not move.
   */
  private stored: Pick<PpoState, 'weights' | 'm' | 'v'>;

  constructor(private readonly tf: Tfjs, private readonly context: StrategyContext) {
    this.options = readOptions('ppo', PPO_DEFAULTS, context.options);
    if (!(this.options.hidden >= 1 && this.options.batch >= 1 && this.options.epochs >= 1)) {
      throw new RangeError('ppo needs hidden, batch and epochs ≥ 1');
    }
    this.shape = spaceShape(context.space);
    this.random = Random.seeded(context.seed).fork('ppo');
    const initial = this.initialWeights();
    this.weights = new Map([...initial].map(([name, values]) => [name, tf.variable(tf.tensor(values.data, values.shape))]));
    const zeros = new Map([...initial].map(([name, values]) => [name, { shape: values.shape, data: new Float32Array(values.data.length) }]));
    for (const [name, values] of zeros) {
      this.m.set(name, tf.variable(tf.zeros(values.shape), false));
      this.v.set(name, tf.variable(tf.zeros(values.shape), false));
    }
    // Made on the host, so their stored form needs no read-back.
    this.stored = { weights: storeAll(initial), m: storeAll(zeros), v: storeAll(zeros) };
  }

  /** The initial weights as host arrays: uniform in ±init (seeded), biases 0. */
  private initialWeights(): Map<string, HostTensor> {
    const H = this.options.hidden;
    const init = Random.seeded(this.context.seed).fork('ppo-init');
    const uniform = (shape: number[]): HostTensor => {
      const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
      for (let i = 0; i < data.length; i++) data[i] = init.uniform(-this.options.init, this.options.init);
      return { shape, data };
    };
    const zeros = (shape: number[]): HostTensor => ({ shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
    const weights = new Map<string, HostTensor>();
    weights.set('start', uniform([1, H]));
    weights.set('lstm_kernel', uniform([2 * H, 4 * H]));
    weights.set('lstm_bias', zeros([4 * H]));
    for (const kind of DECISION_KINDS) {
      const size = vocabularySize(this.shape, kind);
      weights.set(`embed_${kind}`, uniform([size, H]));
      weights.set(`head_${kind}`, uniform([H, size]));
      weights.set(`head_${kind}_bias`, zeros([size]));
    }
    return weights;
  }

  private w(name: string): TF.Variable {
    return this.weights.get(name)!;
  }

  private lstm(x: TF.Tensor2D, c: TF.Tensor2D, h: TF.Tensor2D): [TF.Tensor2D, TF.Tensor2D] {
    const [c2, h2] = this.tf.basicLSTMCell(FORGET_BIAS, this.w('lstm_kernel') as TF.Tensor2D, this.w('lstm_bias') as TF.Tensor1D, x, c, h);
    return [c2, h2];
  }

  private logits(kind: DecisionKind, h: TF.Tensor2D): TF.Tensor2D {
    return this.tf.add(this.tf.matMul(h, this.w(`head_${kind}`) as TF.Tensor2D), this.w(`head_${kind}_bias`)) as TF.Tensor2D;
  }

  /** The embedding of the previous decision (rows = batch), or the start vector at step 0. */
  private stepInput(step: number, previous: TF.Tensor1D | null, batch: number): TF.Tensor2D {
    if (step === 0 || !previous) return this.tf.tile(this.w('start'), [batch, 1]) as TF.Tensor2D;
    const kind = DECISION_KINDS[(step - 1) % DECISIONS_PER_CELL];
    // A one-hot product rather than tf.gather: gather's gradient (UnsortedSegmentSum) is missing on wasm.
    const oneHot = this.tf.oneHot(previous, vocabularySize(this.shape, kind)).toFloat() as TF.Tensor2D;
    return this.tf.matMul(oneHot, this.w(`embed_${kind}`) as TF.Tensor2D);
  }

  async propose(id: number): Promise<number[]> {
    const { tf } = this;
    const walker = new DecisionWalker(this.context.space);
    const H = this.options.hidden;
    let logProb = 0;
    let c = tf.zeros([1, H]) as TF.Tensor2D;
    let h = tf.zeros([1, H]) as TF.Tensor2D;
    let previous: TF.Tensor1D | null = null;
    try {
      while (!walker.done) {
        const step = walker.step;
        const kind = walker.kind;
        const [c2, h2, logits] = tf.tidy(() => {
          const [cc, hh] = this.lstm(this.stepInput(step, previous, 1), c, h);
          return [cc, hh, this.logits(kind, hh)];
        });
        tf.dispose([c, h]);
        const values = await logits.data();
        logits.dispose();
        c = c2;
        h = h2;
        const probabilities = maskedSoftmax(values, walker.mask());
        const choice = this.random.weighted(probabilities);
        logProb += Math.log(probabilities[choice]);
        walker.choose(choice);
        previous?.dispose();
        previous = tf.tensor1d([choice], 'int32');
      }
    } finally {
      tf.dispose([c, h]);
      previous?.dispose();
    }
    const decisions = [...walker.decisions];
    this.pending.set(id, { decisions, logProb });
    return decisions;
  }

  async observe(trial: Observation): Promise<StrategyUpdate | null> {
    const pending = this.pending.get(trial.id);
    this.pending.delete(trial.id);
    if (trial.reward === null) return null;
    // A trial proposed before a restart whose proposal was not saved: its probability under the current policy
    // stands in for the old one (the ratio starts at 1).
    const logProb = pending && sameDecisions(pending.decisions, trial.decisions) ? pending.logProb : (await this.logProbOf([[...trial.decisions]]))[0];
    this.waiting.push({ decisions: [...trial.decisions], logProb, reward: trial.reward });
    if (this.waiting.length < this.options.batch) return null;
    const batch = this.waiting;
    this.waiting = [];
    return this.update(batch);
  }

  /** log π(architecture) and the mean per-decision entropy for a batch of decision sequences, as tensors. */
  private evaluateBatch(decisions: number[][], masks: TF.Tensor2D[]): { logProb: TF.Tensor1D; entropy: TF.Scalar } {
    const { tf } = this;
    const B = decisions.length;
    const H = this.options.hidden;
    let c = tf.zeros([B, H]) as TF.Tensor2D;
    let h = tf.zeros([B, H]) as TF.Tensor2D;
    const logProbs: TF.Tensor1D[] = [];
    const entropies: TF.Tensor1D[] = [];
    for (let step = 0; step < this.shape.length; step++) {
      const kind = DECISION_KINDS[step % DECISIONS_PER_CELL];
      const previous = step === 0 ? null : tf.tensor1d(decisions.map((d) => d[step - 1]), 'int32');
      [c, h] = this.lstm(this.stepInput(step, previous, B), c, h);
      const logits = tf.add(this.logits(kind, h), masks[step]);
      const logP = tf.logSoftmax(logits);
      const chosen = tf.oneHot(tf.tensor1d(decisions.map((d) => d[step]), 'int32'), vocabularySize(this.shape, kind));
      logProbs.push(tf.sum(tf.mul(logP, chosen), 1) as TF.Tensor1D);
      entropies.push(tf.neg(tf.sum(tf.mul(tf.exp(logP), logP), 1)) as TF.Tensor1D);
    }
    return { logProb: tf.addN(logProbs) as TF.Tensor1D, entropy: tf.mean(tf.stack(entropies)) as TF.Scalar };
  }

  /** Additive masks per step (0 where valid, MASKED_LOGIT where not), replayed from the decisions. */
  private masksFor(decisions: number[][]): TF.Tensor2D[] {
    const rows: number[][][] = Array.from({ length: this.shape.length }, () => []);
    for (const sequence of decisions) {
      const walker = new DecisionWalker(this.context.space);
      sequence.forEach((choice, step) => {
        rows[step].push(walker.mask().map((ok) => (ok ? 0 : MASKED_LOGIT)));
        walker.choose(choice);
      });
    }
    return rows.map((r) => this.tf.tensor2d(r));
  }

  private async logProbOf(decisions: number[][]): Promise<number[]> {
    const masks = this.masksFor(decisions);
    const logProb = this.tf.tidy(() => this.evaluateBatch(decisions, masks).logProb);
    try {
      return Array.from(await logProb.data());
    } finally {
      this.tf.dispose([logProb, ...masks]);
    }
  }

  private async update(batch: Waiting[]): Promise<StrategyUpdate> {
    const { tf, options } = this;
    const rewards = batch.map((b) => b.reward);
    const meanReward = rewards.reduce((a, b) => a + b, 0) / rewards.length;
    const baseline = this.baseline ?? meanReward;
    const decisions = batch.map((b) => b.decisions);
    const masks = this.masksFor(decisions);
    const advantages = tf.tensor1d(rewards.map((r) => r - baseline));
    const oldLogProb = tf.tensor1d(batch.map((b) => b.logProb));
    const variables = [...this.weights.values()];
    let firstLoss = 0;
    let firstEntropy = 0;
    try {
      for (let epoch = 0; epoch < options.epochs; epoch++) {
        const { value, grads, entropy } = tf.tidy(() => {
          let entropyValue: TF.Scalar | null = null;
          const { value, grads } = tf.variableGrads(() => {
            const { logProb, entropy } = this.evaluateBatch(decisions, masks);
            entropyValue = tf.keep(entropy.clone());
            const ratio = tf.exp(tf.sub(logProb, oldLogProb));
            const unclipped = tf.mul(ratio, advantages);
            const clipped = tf.mul(tf.clipByValue(ratio, 1 - options.clip, 1 + options.clip), advantages);
            const surrogate = tf.mean(tf.minimum(unclipped, clipped));
            return tf.sub(tf.neg(surrogate), tf.mul(options.entropy, entropy)) as TF.Scalar;
          }, variables);
          return { value, grads, entropy: entropyValue! };
        });
        this.adam(grads);
        if (epoch === 0) [[firstLoss], [firstEntropy]] = await Promise.all([value.data(), entropy.data()]);
        tf.dispose([value, entropy, ...Object.values(grads)]);
      }
    } finally {
      tf.dispose([...masks, advantages, oldLogProb]);
    }
    const [weights, m, v] = await Promise.all([this.weights, this.m, this.v].map(readAll));
    this.stored = { weights, m, v };
    this.baseline = options.baselineDecay * baseline + (1 - options.baselineDecay) * meanReward;
    this.step++;
    return { step: this.step, entropy: firstEntropy, baseline: this.baseline, meanReward, loss: firstLoss };
  }

  private adam(grads: TF.NamedTensorMap): void {
    const { tf } = this;
    this.adamStep++;
    const correction1 = 1 - ADAM.beta1 ** this.adamStep;
    const correction2 = 1 - ADAM.beta2 ** this.adamStep;
    tf.tidy(() => {
      for (const [name, variable] of this.weights) {
        const g = grads[variable.name];
        if (!g) continue;
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        m.assign(tf.add(tf.mul(ADAM.beta1, m), tf.mul(1 - ADAM.beta1, g)));
        v.assign(tf.add(tf.mul(ADAM.beta2, v), tf.mul(1 - ADAM.beta2, tf.square(g))));
        const step = tf.div(tf.div(m, correction1), tf.add(tf.sqrt(tf.div(v, correction2)), ADAM.epsilon));
        variable.assign(tf.sub(variable, tf.mul(this.options.lr, step)));
      }
    });
  }

  state(): PpoState {
    return {
      random: this.random.state(),
      baseline: this.baseline,
      step: this.step,
      adamStep: this.adamStep,
      ...this.stored,
      pending: Object.fromEntries([...this.pending].map(([id, p]) => [String(id), p])),
      waiting: this.waiting,
    };
  }

  load(state: unknown): void {
    const s = state as PpoState;
    const restore = (map: Map<string, TF.Variable>, stored: Record<string, StoredTensor>) => {
      for (const [name, variable] of map) {
        const t = stored[name];
        if (!t || t.shape.join() !== variable.shape.join()) {
          throw new RangeError(`the stored ppo controller does not fit this space and options (weight '${name}')`);
        }
        const bytes = Buffer.from(t.data, 'base64');
        variable.assign(this.tf.tensor(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4), t.shape));
      }
    };
    restore(this.weights, s.weights);
    restore(this.m, s.m);
    restore(this.v, s.v);
    this.stored = { weights: s.weights, m: s.m, v: s.v };
    this.random = Random.load(s.random);
    this.baseline = s.baseline;
    this.step = s.step;
    this.adamStep = s.adamStep;
    this.pending = new Map(Object.entries(s.pending).map(([id, p]) => [Number(id), p]));
    this.waiting = s.waiting;
  }

  dispose(): void {
    this.tf.dispose([...this.weights.values(), ...this.m.values(), ...this.v.values()]);
  }
}

/** A tensor's values on the host, before it becomes a variable. */
interface HostTensor {
  shape: number[];
  data: Float32Array;
}

const storeTensor = (shape: number[], data: Float32Array): StoredTensor => ({
  shape, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64'),
});

function storeAll(tensors: Map<string, HostTensor>): Record<string, StoredTensor> {
  return Object.fromEntries([...tensors].map(([name, t]) => [name, storeTensor(t.shape, t.data)]));
}

/** Every variable of `map`, read back without blocking (`await data()`: WebGPU in Node has no synchronous read). */
async function readAll(map: Map<string, TF.Variable>): Promise<Record<string, StoredTensor>> {
  const entries = await Promise.all([...map].map(async ([name, t]) => [name, storeTensor(t.shape, (await t.data()) as Float32Array)] as const));
  return Object.fromEntries(entries);
}

/** softmax over the valid entries of `logits` (invalid ones get probability 0). */
function maskedSoftmax(logits: ArrayLike<number>, mask: readonly boolean[]): number[] {
  let max = -Infinity;
  for (let i = 0; i < mask.length; i++) if (mask[i] && logits[i] > max) max = logits[i];
  const p = mask.map((ok, i) => (ok ? Math.exp(logits[i] - max) : 0));
  const total = p.reduce((a, b) => a + b, 0);
  return p.map((x) => x / total);
}

const sameDecisions = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
