// The search loop: the strategy proposes, the executor runs, the store keeps everything, listeners hear events.
//
//   propose → pyramid → hash ─┬─ seen and finished: reuse its reward (a duplicate; counted, not run)
//                              ├─ the same hash in flight: wait for that trial and share its reward
//                              └─ new: write the trial (queued), send it to the executor
//   done → write the trial → strategy.observe → write state.json → events (finished, controller, best)
//
// Resuming reads the run directory back: finished and failed trials stay, trials the strategy had not learned
// from yet are given to it first, and queued or running trials are sent again.
//
// When the reward stops bad trials early (`proxy:stop=median`), each trial sent carries the thresholds that the
// trials completed by then set (src/search/early-stopping.ts): computed from the trial records alone, so every
// kind of worker applies the same rule, and a resumed search sends a re-queued trial the thresholds of its store.
//
// A study (src/search/study.ts) runs the same loop over a fixed list of architectures instead of a strategy's
// proposals: trial k is the list's k-th architecture, which may be a pyramid given outright (FPN, NAS-FPN).
import { countModel } from '../codegen/count.js';
import { lowerDetector } from '../codegen/lower.js';
import { printPyramid } from '../format/print.js';
import { pyramidHash } from '../semantics/hash.js';
import type { PyramidNetworkIR, SearchSpaceIR } from '../semantics/ir.js';
import { Random } from '../util/random.js';
import { stamp, type BestSoFar, type SearchEvent, type SearchListener, type UnstampedEvent } from './events.js';
import { completedCurves, earlyStoppingSummary, medianThresholds, type EarlyStoppingSummary, type MedianStoppingOptions } from './early-stopping.js';
import type { Executor, ExecutorEvents } from './executor.js';
import type { RewardSpec, TrialRecord } from './records.js';
import { describeReward, rewardStoppingRule } from './reward.js';
import { decisionsToPyramid } from './space.js';
import type { RunState, RunStore } from './store.js';
import type { Strategy } from './strategies/index.js';
import type { TrialJob, TrialOutcome } from './trial-runner.js';

export interface SearchOptions {
  store: RunStore;
  /** The space of the run's config (checked by the caller). */
  space: SearchSpaceIR;
  /** Proposes the architectures; null for a study, whose trials are `fixed`. */
  strategy: Strategy | null;
  /**
   * A study's architectures, in trial order (trial k is the k-th), given outright: their trials keep no
   * decisions (the record's .fpn text is the architecture). The run's trial budget is their count.
   */
  fixed?: readonly PyramidNetworkIR[];
  executor: Executor;
  listeners: SearchListener[];
  /** Aborting stops the search: no new proposals, running trials are abandoned (re-queued on resume). */
  signal?: AbortSignal;
}

export interface SearchSummary {
  reason: 'budget' | 'stopped';
  trials: number;
  unique: number;
  failed: number;
  best: BestSoFar | null;
  /** When the reward stops bad trials early: what it stopped and saved, over every trial of the run. */
  earlyStopping?: EarlyStoppingSummary;
}

const now = () => new Date().toISOString();

export async function runSearch(options: SearchOptions): Promise<SearchSummary> {
  return new SearchRun(options).run();
}

class SearchRun {
  private readonly store: RunStore;
  private readonly trials = new Map<number, TrialRecord>();
  /** Finished, evaluated trials by hash (the dedup cache). */
  private readonly rewardByHash = new Map<string, TrialRecord>();
  /** Evaluated trials in flight by hash, and the duplicates waiting for them. */
  private readonly inFlightByHash = new Map<string, number>();
  private readonly waitingDuplicates = new Map<number, number[]>();
  private readonly inFlight = new Set<number>();
  private observed = new Set<number>();
  private random: Random;
  private nextTrial = 1;
  private best: BestSoFar | null = null;
  private wake: (() => void) | null = null;
  private pendingDone: Array<() => Promise<void>> = [];
  /** Ids below nextTrial whose trial was lost, to be proposed again. */
  private readonly refill: number[] = [];
  /** The first error an executor's report met (a store write on a failing disk): the loop ends and throws it. */
  private failure: { error: unknown } | null = null;
  private stopped = false;
  /** The reward's early-stopping rule, null when it stops no trial early. */
  private readonly stoppingRule: MedianStoppingOptions | null;

  constructor(private readonly options: SearchOptions) {
    this.store = options.store;
    this.random = Random.seeded(this.store.config.seed).fork('search');
    this.stoppingRule = stoppingRuleOf(this.store.config.reward);
  }

  private emit(event: UnstampedEvent): void {
    const stamped: SearchEvent = stamp(event);
    this.store.appendEvent(stamped);
    for (const listener of this.options.listeners) listener(stamped);
  }

  async run(): Promise<SearchSummary> {
    const { store, strategy, executor, space } = this.options;
    const config = store.config;
    const loaded = store.loadTrials();
    const stored = [...loaded.trials, ...this.rebuild(loaded.damaged, loaded.trials)].sort((a, b) => a.id - b.id);
    for (const t of stored) this.trials.set(t.id, t);
    const state = store.readState();
    if (state) {
      strategy?.load(state.strategy);
      this.random = Random.load(state.random);
      this.observed = new Set(state.observed);
      this.nextTrial = state.nextTrial;
    }
    this.nextTrial = Math.max(this.nextTrial, ...stored.map((t) => t.id + 1), ...this.refill.map((id) => id + 1));
    for (const t of stored) {
      if (t.status === 'finished' && t.duplicateOf === null && !this.rewardByHash.has(t.hash)) this.rewardByHash.set(t.hash, t);
      if (t.status === 'finished') this.noteBest(t, false);
    }
    const requeue = stored.filter((t) => t.status === 'queued' || t.status === 'running');
    this.emit({
      type: 'search.started', run: store.dir, space: space.name, strategy: config.strategy, reward: describeReward(config.reward),
      trials: config.trials, done: stored.length - requeue.length, workers: config.workers, queue: config.queue,
      resumed: stored.length > 0 || state !== null, requeued: requeue.length,
    });
    const onAbort = () => this.stop();
    this.options.signal?.addEventListener('abort', onAbort, { once: true });
    if (this.options.signal?.aborted) this.stop();
    await executor.start(this.executorEvents());
    try {
      // A kill between writing a trial and saving the strategy: let the strategy learn what it missed.
      for (const t of stored) {
        if ((t.status === 'finished' || t.status === 'failed') && !this.observed.has(t.id)) await this.observe(t);
      }
      for (const t of requeue) this.dispatch(t, true);
      await this.loop();
    } finally {
      this.options.signal?.removeEventListener('abort', onAbort);
      await executor.close();
    }
    const all = [...this.trials.values()];
    const summary: SearchSummary = {
      reason: this.stopped ? 'stopped' : 'budget',
      trials: all.filter((t) => t.status === 'finished' || t.status === 'failed').length,
      unique: all.filter((t) => t.duplicateOf === null && t.status === 'finished').length,
      failed: all.filter((t) => t.status === 'failed').length,
      best: this.best,
      ...(this.stoppingRule ? { earlyStopping: earlyStoppingSummary(all) } : {}),
    };
    this.emit({ type: 'search.finished', ...summary });
    return summary;
  }

  /**
   * Records for the trials whose record was damaged (and set aside), from what events.jsonl says of each: its
   * decisions (so the same architecture), and its outcome when it finished or failed for good. A trial that had
   * not ended is queued to run again; one whose decisions the log lacks (a run of an older version) is left to
   * `refill`, so the strategy proposes an architecture in its place.
   */
  private rebuild(damaged: readonly number[], intact: readonly TrialRecord[]): TrialRecord[] {
    if (!damaged.length) return [];
    const wanted = new Set(damaged);
    const byTrial = new Map<number, SearchEvent[]>();
    for (const event of this.options.store.events()) {
      if ('trial' in event && typeof event.trial === 'number' && wanted.has(event.trial)) byTrial.set(event.trial, [...(byTrial.get(event.trial) ?? []), event]);
    }
    const rebuilt: TrialRecord[] = [];
    for (const id of damaged) {
      const events = [...(byTrial.get(id) ?? [])].reverse(); // newest first
      const queued = events.find((e) => e.type === 'trial.queued' && e.decisions !== undefined);
      if (queued?.type !== 'trial.queued' || !queued.decisions) {
        this.refill.push(id);
        this.options.store.warn(`trial ${id}: events.jsonl does not hold its decisions (a run of an older nasfpn): a new architecture is proposed in its place`);
        continue;
      }
      const trial = this.newRecord(id, queued.decisions, queued.time);
      const started = events.find((e) => e.type === 'trial.started');
      if (started?.type === 'trial.started') Object.assign(trial, { startedAt: started.time, attempts: started.attempt, worker: started.worker });
      const ended = events.find((e) => e.type === 'trial.finished' || (e.type === 'trial.failed' && !e.willRetry));
      if (ended?.type === 'trial.finished') {
        // A reward reused from a twin (same hash): the twin is the evaluated trial of that hash.
        const twin = ended.cached ? [...intact, ...rebuilt].find((t) => t.hash === trial.hash && t.status === 'finished' && t.duplicateOf === null) : undefined;
        Object.assign(trial, {
          status: 'finished', reward: ended.reward, metrics: ended.metrics, seconds: ended.seconds, worker: ended.worker, endedAt: ended.time,
          duplicateOf: twin?.id ?? null, ...(ended.curve ? { curve: ended.curve } : {}),
        });
      } else if (ended?.type === 'trial.failed') {
        Object.assign(trial, { status: 'failed', error: ended.error, worker: ended.worker, endedAt: ended.time });
      }
      this.options.store.writeTrial(trial);
      this.options.store.warn(`trial ${id}: rebuilt from events.jsonl (${trial.status === 'queued' ? 'it had not ended: it runs again' : trial.status})`);
      rebuilt.push(trial);
    }
    return rebuilt;
  }

  private stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  private async loop(): Promise<void> {
    const { executor } = this.options;
    const budget = this.store.config.trials;
    for (;;) {
      if (this.failure) throw this.failure.error;
      while (this.pendingDone.length) await this.pendingDone.shift()!();
      if (this.stopped) return;
      const proposable = this.refill.length > 0 || this.nextTrial <= budget;
      if (this.inFlight.size < executor.capacity && proposable) {
        await this.proposeOne();
        continue;
      }
      if (this.inFlight.size === 0) {
        if (!proposable) return;
        continue;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        if (this.pendingDone.length || this.stopped || this.failure) resolve();
      });
      this.wake = null;
    }
  }

  private async proposeOne(): Promise<void> {
    // Ids whose trial was lost (a damaged record the log cannot rebuild) are filled first.
    const id = this.refill.shift() ?? this.nextTrial++;
    const decisions = this.options.fixed ? [] : await this.options.strategy!.propose(id);
    const trial = this.newRecord(id, decisions, now());
    trial.duplicateOf = this.rewardByHash.get(trial.hash)?.id ?? this.inFlightByHash.get(trial.hash) ?? null;
    this.trials.set(id, trial);
    this.store.writeTrial(trial);
    this.saveState();
    this.emit({ type: 'trial.queued', trial: id, hash: trial.hash, decisions, duplicateOf: trial.duplicateOf, requeued: false });
    this.dispatch(trial, false);
  }

  /** Trial `id`'s architecture: the study's `id`-th, or the pyramid its decisions build. */
  private pyramidOf(id: number, decisions: readonly number[]): PyramidNetworkIR {
    const { fixed, space } = this.options;
    if (!fixed) return decisionsToPyramid(space, decisions, `trial${id}`);
    const pyramid = fixed[id - 1];
    if (!pyramid) throw new RangeError(`trial ${id} is past the study's ${fixed.length} architectures`);
    return pyramid;
  }

  /** A queued trial of the architecture `decisions` build (or the study's `id`-th). */
  private newRecord(id: number, decisions: number[], queuedAt: string): TrialRecord {
    const { space } = this.options;
    const pyramid = this.pyramidOf(id, decisions);
    const counts = countsFor(space, pyramid);
    return {
      id, hash: pyramidHash(pyramid), fpn: printPyramid(pyramid, `trial ${id} of search ${space.name}`), decisions, status: 'queued',
      reward: null, metrics: {}, params: counts?.params ?? null, flops: counts?.flops ?? null, duplicateOf: null, worker: null, attempts: 0,
      queuedAt, startedAt: null, endedAt: null, seconds: null, error: null,
    };
  }

  /** Sends a queued (or re-queued) trial on its way: reuse, wait for its twin, or run it. */
  private dispatch(trial: TrialRecord, requeued: boolean): void {
    if (requeued) {
      this.emit({ type: 'trial.queued', trial: trial.id, hash: trial.hash, decisions: trial.decisions, duplicateOf: trial.duplicateOf, requeued: true });
    }
    this.inFlight.add(trial.id);
    const cached = this.rewardByHash.get(trial.hash);
    if (cached) {
      trial.duplicateOf = cached.id;
      this.completeLater(trial.id, null, { ok: true, reward: cached.reward!, metrics: cached.metrics, ...(cached.curve ? { curve: cached.curve } : {}), seconds: 0 });
      return;
    }
    const twin = this.inFlightByHash.get(trial.hash);
    if (twin !== undefined && twin !== trial.id) {
      trial.duplicateOf = twin;
      this.waitingDuplicates.set(twin, [...(this.waitingDuplicates.get(twin) ?? []), trial.id]);
      return;
    }
    trial.duplicateOf = null;
    this.inFlightByHash.set(trial.hash, trial.id);
    const job: TrialJob = {
      id: trial.id, hash: trial.hash, fpn: trial.fpn, decisions: trial.decisions, pyramid: this.pyramidOf(trial.id, trial.decisions), space: this.options.space,
      reward: this.store.config.reward, seed: this.random.fork(`trial-${trial.id}`).uint32(),
      ...(this.stoppingRule ? { stopping: medianThresholds(completedCurves([...this.trials.values()]), this.stoppingRule) } : {}),
    };
    this.options.executor.submit(job);
  }

  /** Completions are handled one at a time in the loop, so store writes and strategy updates never interleave. */
  private completeLater(id: number, worker: string | null, outcome: TrialOutcome): void {
    this.pendingDone.push(() => this.complete(id, worker, outcome));
    this.wake?.();
  }

  private async complete(id: number, worker: string | null, outcome: TrialOutcome): Promise<void> {
    const trial = this.trials.get(id);
    if (!trial || !this.inFlight.has(id)) return; // a late report of a trial already done
    this.inFlight.delete(id);
    if (this.inFlightByHash.get(trial.hash) === id) this.inFlightByHash.delete(trial.hash);
    const duplicate = trial.duplicateOf !== null;
    trial.endedAt = now();
    trial.seconds = duplicate ? 0 : outcome.seconds;
    if (!duplicate) trial.worker = worker;
    if (outcome.ok) {
      trial.status = 'finished';
      trial.reward = outcome.reward;
      trial.metrics = outcome.metrics;
      if (outcome.curve) trial.curve = outcome.curve;
      else delete trial.curve;
      trial.error = null;
      if (!duplicate) this.rewardByHash.set(trial.hash, trial);
    } else {
      trial.status = 'failed';
      trial.error = outcome.error;
    }
    this.store.writeTrial(trial);
    if (outcome.ok) {
      this.emit({
        type: 'trial.finished', trial: id, hash: trial.hash, reward: outcome.reward, metrics: outcome.metrics, ...(outcome.curve ? { curve: outcome.curve } : {}),
        params: trial.params, flops: trial.flops, seconds: trial.seconds, worker: trial.worker, cached: duplicate,
      });
    } else {
      this.emit({ type: 'trial.failed', trial: id, worker: trial.worker, error: outcome.error, willRetry: false });
    }
    await this.observe(trial);
    if (outcome.ok) this.noteBest(trial, true);
    for (const twin of this.waitingDuplicates.get(id) ?? []) this.completeLater(twin, null, { ...outcome, seconds: 0 });
    this.waitingDuplicates.delete(id);
  }

  private async observe(trial: TrialRecord): Promise<void> {
    const update = await this.options.strategy?.observe({ id: trial.id, decisions: trial.decisions, reward: trial.status === 'finished' ? trial.reward : null });
    this.observed.add(trial.id);
    this.saveState();
    if (update) this.emit({ type: 'controller.updated', ...update });
  }

  private noteBest(trial: TrialRecord, announce: boolean): void {
    if (trial.reward === null || (this.best && trial.reward <= this.best.reward)) return;
    const previous = this.best;
    this.best = { trial: trial.id, reward: trial.reward, hash: trial.hash };
    if (!announce) return;
    this.store.writeBest(trial.fpn);
    this.emit({ type: 'best.changed', best: this.best, previous });
  }

  private saveState(): void {
    const state: RunState = {
      version: 1, nextTrial: this.nextTrial, random: this.random.state(), strategy: this.options.strategy?.state() ?? null,
      observed: [...this.observed].sort((a, b) => a - b), updatedAt: now(),
    };
    this.store.writeState(state);
  }

  /**
   * An executor's report, made safe to call from the executor's own callbacks: an error in it (the run directory's
   * disk failing) would otherwise escape to nowhere, so it is kept and ends the loop; later reports are ignored.
   */
  private guarded<A extends unknown[]>(report: (...args: A) => void): (...args: A) => void {
    return (...args) => {
      if (this.failure) return;
      try {
        report(...args);
      } catch (error) {
        this.failure = { error };
        this.wake?.();
      }
    };
  }

  private executorEvents(): ExecutorEvents {
    const running = (id: number) => (this.inFlight.has(id) ? this.trials.get(id) : undefined);
    const events: ExecutorEvents = {
      started: (id, worker, attempt) => {
        const trial = running(id);
        if (!trial) return;
        trial.status = 'running';
        trial.worker = worker;
        trial.attempts = Math.max(trial.attempts + 1, attempt);
        trial.startedAt = now();
        this.store.writeTrial(trial);
        this.emit({ type: 'trial.started', trial: id, worker, attempt: trial.attempts });
      },
      progress: (id, worker, fraction, metrics) => {
        if (running(id)) this.emit({ type: 'trial.progress', trial: id, worker, fraction, metrics });
      },
      done: (id, worker, outcome) => this.completeLater(id, worker, outcome),
      retrying: (id, worker, error) => {
        const trial = running(id);
        if (!trial) return;
        trial.status = 'queued';
        this.store.writeTrial(trial);
        this.emit({ type: 'trial.failed', trial: id, worker, error, willRetry: true });
      },
      workerJoined: (worker, host, pid, backend) => this.emit({ type: 'worker.joined', worker, host, pid, backend }),
      workerLeft: (worker, reason) => this.emit({ type: 'worker.left', worker, reason }),
      paused: (reason) => this.emit({ type: 'search.paused', reason }),
      resumed: () => this.emit({ type: 'search.resumed' }),
    };
    return {
      started: this.guarded(events.started), progress: this.guarded(events.progress), done: this.guarded(events.done),
      retrying: this.guarded(events.retrying), workerJoined: this.guarded(events.workerJoined), workerLeft: this.guarded(events.workerLeft),
      paused: this.guarded(events.paused), resumed: this.guarded(events.resumed),
    };
  }
}

/**
 * The reward's early-stopping rule, or null. A spec no reward reads (a hand-edited config.json) has none here:
 * each trial then fails with the spec's message, as it did before there were rules.
 */
function stoppingRuleOf(spec: RewardSpec): MedianStoppingOptions | null {
  try {
    return rewardStoppingRule(spec);
  } catch (error) {
    if (error instanceof RangeError) return null;
    throw error;
  }
}

/** Parameters and FLOPs of the space's proxy detector built with `pyramid`, as `nasfpn stats` counts them. */
function countsFor(space: SearchSpaceIR, pyramid: PyramidNetworkIR): { params: number; flops: number } | null {
  if (!space.proxy) return null;
  const counts = countModel(lowerDetector({ ...space.proxy, pyramid }));
  return { params: counts.trainable, flops: counts.flops };
}
