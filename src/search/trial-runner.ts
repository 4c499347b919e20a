// Runs one trial's reward where a worker is: in the search process (`--workers 0`), in a local worker child
// process, or in a `nasfpn worker` taking jobs from Redis. The same code in every case, so a trial scores the
// same wherever it runs.
import type { CurvePoint, RewardSpec } from './records.js';
import { createReward, describeReward } from './reward.js';
import { RewardSetupError, TrialFailure, type Reward, type TrialInput } from './reward-interface.js';

/** A trial as it travels to a worker (plain JSON): what the reward receives, and which reward scores it. */
export interface TrialJob extends TrialInput {
  reward: RewardSpec;
}

/** What a worker sends back. `error` with `retry: false` is the architecture's failure (final). */
export type TrialOutcome =
  | { ok: true; reward: number; metrics: Record<string, number>; curve?: CurvePoint[]; seconds: number }
  | { ok: false; error: string; retry: boolean; seconds: number };

export type ProgressSink = (fraction: number, metrics: Record<string, number>) => void;

/** Rewards are built once per (reward, space) and reused: a proxy reward may hold a dataset in memory. */
const rewards = new Map<string, Reward>();

function rewardFor(job: TrialJob): Reward {
  const key = `${describeReward(job.reward)}\u0000${JSON.stringify(job.space)}`;
  let reward = rewards.get(key);
  if (!reward) {
    reward = createReward(job.reward, job.space);
    rewards.set(key, reward);
  }
  return reward;
}

export async function runTrial(job: TrialJob, progress: ProgressSink, signal: AbortSignal): Promise<TrialOutcome> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  try {
    const input: TrialInput = {
      id: job.id, hash: job.hash, fpn: job.fpn, decisions: job.decisions, pyramid: job.pyramid, space: job.space, seed: job.seed,
      ...(job.stopping ? { stopping: job.stopping } : {}),
    };
    const result = await rewardFor(job).evaluate(input, { progress: (f, m) => progress(f, m ?? {}), signal });
    if (!Number.isFinite(result.reward)) {
      return { ok: false, error: `the reward is not a finite number (${result.reward})`, retry: false, seconds: seconds() };
    }
    return { ok: true, reward: result.reward, metrics: result.metrics, ...(result.curve ? { curve: result.curve } : {}), seconds: seconds() };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // A bad reward spec (RangeError from createReward) or a reward that cannot run as configured (no dataset)
    // fails the same way everywhere: retrying cannot help.
    const final = error instanceof TrialFailure || error instanceof RangeError || error instanceof RewardSetupError;
    return { ok: false, error: message, retry: !final, seconds: seconds() };
  }
}
