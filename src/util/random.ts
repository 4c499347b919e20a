// A small seeded pseudo-random generator for everything that must be reproducible: the synthetic dataset,
// epoch orders, augmentation draws, the search's samplers. Its whole state is four 32-bit words, so a
// checkpoint can store it (`state()`) and a resumed run continue exactly where it stopped (`Random.load`).
//
// The generator is sfc32 (Chris Doty-Humphrey's "small fast counting" generator, PractRand-tested); the
// seed is spread over the state with splitmix32 so that nearby seeds give unrelated streams.

/** The serialisable state of a `Random`: four unsigned 32-bit words. */
export type RandomState = readonly [number, number, number, number];

/** splitmix32: one well-mixed 32-bit word per call, used to expand seeds and labels into sfc32 state. */
function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** FNV-1a over a string: a label for `fork` becomes a 32-bit number. */
function hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  private constructor(state: RandomState) {
    [this.a, this.b, this.c, this.d] = state;
  }

  /** A generator for `seed` (any finite number; its integer part and sign are used). */
  static seeded(seed: number): Random {
    if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, not ${seed}`);
    const s = Math.trunc(seed);
    const lo = s >>> 0;
    const hi = Math.floor(s / 2 ** 32) >>> 0;
    let x = splitmix32(lo ^ splitmix32(hi));
    const words: number[] = [];
    for (let i = 0; i < 4; i++) words.push((x = splitmix32(x + i)));
    const random = new Random(words as unknown as RandomState);
    for (let i = 0; i < 12; i++) random.uint32(); // sfc32's recommended warm-up
    return random;
  }

  /** A generator continuing from a stored `state()`. */
  static load(state: RandomState): Random {
    if (state.length !== 4 || state.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
      throw new RangeError('a Random state is four unsigned 32-bit integers');
    }
    return new Random(state);
  }

  /** The whole state: `Random.load(r.state())` continues r's stream exactly. */
  state(): RandomState {
    return [this.a, this.b, this.c, this.d];
  }

  /**
   * An independent generator derived from this one's current state and `label`, without advancing this one:
   * `r.fork('epoch-3')` is the same stream every time r is in the same state, and streams of different labels
   * are unrelated. Use it to give each consumer (an epoch, an image, a worker) its own reproducible stream.
   */
  fork(label: string | number): Random {
    const h = hashLabel(String(label));
    return Random.seeded(splitmix32(this.a ^ h) ^ splitmix32(this.b + this.c) ^ Math.imul(this.d, 0x9e3779b1)) //
      .mix(h);
  }

  private mix(h: number): Random {
    this.d = (this.d ^ h) >>> 0;
    for (let i = 0; i < 4; i++) this.uint32();
    return this;
  }

  /** A uniform unsigned 32-bit integer. */
  uint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = (this.b ^ (this.b >>> 9)) >>> 0;
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** A uniform float in [0, 1) with 32 random bits. */
  float(): number {
    return this.uint32() / 4294967296;
  }

  /** A uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.float();
  }

  /** A uniform integer in [0, n) without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 0x100000000) throw new RangeError(`int(n) needs 1 ≤ n ≤ 2^32, got ${n}`);
    const limit = 0x100000000 - (0x100000000 % n);
    let x: number;
    do x = this.uint32();
    while (x >= limit);
    return x % n;
  }

  /** A uniform integer in [lo, hi] (both ends included). */
  intBetween(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** true with probability p. */
  bernoulli(p: number): boolean {
    return this.float() < p;
  }

  /** A standard normal draw (Box–Muller; one of the pair is discarded so the state stays four words). */
  normal(mean = 0, std = 1): number {
    let u = 0;
    while (u === 0) u = this.float();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.float());
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(items.length)]!;
  }

  /** An index drawn with the given non-negative weights (not necessarily normalised). */
  weighted(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i]!;
    if (!(total > 0)) throw new RangeError('weighted() needs a positive total weight');
    let x = this.float() * total;
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i]!;
      if (x < 0) return i;
    }
    return weights.length - 1;
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<A extends { length: number; [i: number]: unknown }>(items: A): A {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
    return items;
  }

  /** 0..n-1 in a random order. */
  permutation(n: number): Int32Array {
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    return this.shuffle(order);
  }
}
