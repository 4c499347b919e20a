// What a search run stores on disk, one plain JSON shape per file (docs/search.md, "The run directory").
// The terminal UI and `nasfpn search export` read these files; keep them stable and additive.

/** One evaluation of a trial during (or at the end of) training: the step it was taken after, and the value (the proxy: AP). */
export interface CurvePoint {
  step: number;
  value: number;
}

/** Where a trial is in its life. `queued` and `running` trials are re-queued when a run resumes. */
export type TrialStatus = 'queued' | 'running' | 'finished' | 'failed';

/** One architecture the strategy proposed, and what became of it. Stored as trials/NNNNNN.json. */
export interface TrialRecord {
  /** Sequence number in the run, from 1; the file name. */
  id: number;
  /** Canonical structural hash of the pyramid (src/semantics/hash.ts). */
  hash: string;
  /** The architecture as .fpn text (a `pyramid` declaration that `nasfpn check` accepts). */
  fpn: string;
  /**
   * The strategy's decisions (src/search/space.ts: four per cell), from which the pyramid was built; empty for a
   * study's pyramid given outright (FPN, NAS-FPN: `fpn` is then the architecture).
   */
  decisions: number[];
  status: TrialStatus;
  /** Reward in [0, 1] for the proxy (AP) and the surrogates; null until finished, and for failed trials. */
  reward: number | null;
  /** Everything the reward reported besides the reward itself (e.g. loss, AP50, steps). */
  metrics: Record<string, number>;
  /**
   * The reward's evaluations during and at the end of training, in step order (the proxy's AP with evalEvery):
   * what the early-stopping rule compares later trials with (src/search/early-stopping.ts). Absent in runs of
   * older versions and for rewards that do not train; a duplicate holds its twin's.
   */
  curve?: CurvePoint[];
  /** Trainable parameters and FLOPs (2 × multiply-adds, as `nasfpn stats` counts) of the space's proxy detector built with this pyramid; null when the space names no proxy. */
  params: number | null;
  flops: number | null;
  /** The trial whose stored reward this one reuses (same hash), or null when it was evaluated itself. */
  duplicateOf: number | null;
  /** The worker that ran it last (`host:pid` or `local-N`), null while queued and for duplicates. */
  worker: string | null;
  /** How many times it was started (a crashed worker's trial is started again). */
  attempts: number;
  /** ISO times: when it was proposed, started last, finished or failed. */
  queuedAt: string;
  startedAt: string | null;
  endedAt: string | null;
  /** Seconds the reward took on the worker (0 for duplicates). */
  seconds: number | null;
  /** Why it failed (non-finite loss, a crash), null otherwise. */
  error: string | null;
}

/** The reward a trial is scored with, as a name and options that travel to workers (src/search/reward.ts). */
export interface RewardSpec {
  name: string;
  options: Record<string, string | number | boolean>;
}

/** How a run was started. Stored as config.json; `--resume` reads it back and ignores conflicting flags. */
export interface RunConfig {
  /** Format version of the run directory. */
  version: 1;
  /** The .fpn file holding the search space (absolute path) and its text when the run started. */
  spaceFile: string;
  spaceText: string;
  /** Name of the `search` declaration. */
  space: string;
  /** 'fixed': a study's run, whose trials are a fixed list of architectures (src/search/study.ts). */
  strategy: 'ppo' | 'random' | 'evolution' | 'fixed';
  /** Strategy options (learning rate, population size, ...), as given. */
  strategyOptions: Record<string, number>;
  reward: RewardSpec;
  seed: number;
  /** Total trials to propose (duplicates included, as the paper counts them). */
  trials: number;
  /** Local worker processes, or 0 with a queue. */
  workers: number;
  /** redis://HOST:PORT when trials go through BullMQ, else null. */
  queue: string | null;
  createdAt: string;
}
