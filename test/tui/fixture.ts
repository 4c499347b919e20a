// A search run directory as the engine writes it (docs/search.md): real architectures sampled from
// examples/search.fpn's space with src/search/space.ts, .fpn text from format/print, hashes from
// semantics/hash, and a consistent events.jsonl (each trial queued, started, progressing, finished; a
// controller update every batch; best.changed when the best moves). Rewards and costs are a seeded
// stand-in for the proxy task, so the report and the UI have something with a trend to show.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SearchEvent } from '../../src/search/events.js';
import type { RunConfig, TrialRecord } from '../../src/search/records.js';
import { decisionsToPyramid, sampleDecisions } from '../../src/search/space.js';
import { printPyramid } from '../../src/format/print.js';
import { pyramidHash } from '../../src/semantics/hash.js';
import { Random } from '../../src/util/random.js';
import { paperSpace } from '../search/helpers.js';

export interface FakeRun {
  config: RunConfig;
  trials: TrialRecord[];
  events: SearchEvent[];
}

const START = Date.parse('2026-01-05T10:00:00.000Z');
const BATCH = 5;
const WORKERS = 2;
const PROGRESS_STEPS = 4;

/** A finished run of `trials` trials (the first `duplicates` positions listed repeat an earlier trial). */
export function fakeRun(trials = 40, seed = 11, duplicateEvery = 7): FakeRun {
  const space = paperSpace();
  const random = Random.seeded(seed);
  const at = (seconds: number) => new Date(START + seconds * 1000).toISOString();
  const config: RunConfig = {
    version: 1, spaceFile: '/work/examples/search.fpn', spaceText: '# (elided in the fixture)\n', space: space.name,
    strategy: 'ppo', strategyOptions: {}, reward: { name: 'target', options: {} }, seed, trials, workers: WORKERS,
    queue: null, createdAt: at(0),
  };
  const events: SearchEvent[] = [];
  const records: TrialRecord[] = [];
  events.push({ type: 'search.started', time: at(0), run: 'runs/fixture', space: space.name, strategy: 'ppo', reward: 'target', trials, done: 0, workers: WORKERS, queue: null, resumed: false, requeued: 0 });
  for (let w = 1; w <= WORKERS; w++) events.push({ type: 'worker.joined', time: at(0), worker: `local-${w}`, host: 'fixture', pid: 1000 + w, backend: 'wasm' });
  let best: { trial: number; reward: number; hash: string } | null = null;
  let clock = 1;
  for (let id = 1; id <= trials; id++) {
    const duplicateOf = id > 3 && id % duplicateEvery === 0 ? id - 3 : null;
    const decisions = duplicateOf ? records[duplicateOf - 1].decisions : sampleDecisions(space, random);
    const pyramid = decisionsToPyramid(space, decisions, `trial_${String(id).padStart(6, '0')}`);
    const hash = pyramidHash(pyramid);
    const worker = duplicateOf ? null : `local-${((id - 1) % WORKERS) + 1}`;
    // The stand-in reward climbs with the trial number (the controller learning) plus noise.
    const reward = duplicateOf ? records[duplicateOf - 1].reward! : round(0.2 + 0.5 * (id / trials) + 0.2 * random.float());
    const params = duplicateOf ? records[duplicateOf - 1].params : Math.round(1.5e6 + 1e6 * random.float());
    const flops = duplicateOf ? records[duplicateOf - 1].flops : Math.round(2e9 + 3e9 * random.float());
    const queuedAt = at(clock);
    events.push({ type: 'trial.queued', time: queuedAt, trial: id, hash, duplicateOf, requeued: false });
    let startedAt: string | null = null;
    if (worker) {
      startedAt = at(clock + 1);
      events.push({ type: 'trial.started', time: startedAt, trial: id, worker, attempt: 1 });
      for (let step = 1; step <= PROGRESS_STEPS; step++) {
        events.push({ type: 'trial.progress', time: at(clock + 1 + step * 5), trial: id, worker, fraction: step / PROGRESS_STEPS, metrics: { step: step * 25, steps: 100, loss: round(2 / (1 + step) + 0.1 * random.float()) } });
      }
      clock += 1 + PROGRESS_STEPS * 5;
    }
    const endedAt = at(++clock);
    const seconds = worker ? 1 + PROGRESS_STEPS * 5 : 0;
    events.push({ type: 'trial.finished', time: endedAt, trial: id, hash, reward, metrics: { loss: 0.5 }, params, flops, seconds, worker, cached: duplicateOf !== null });
    if (!best || reward > best.reward) {
      const previous = best;
      best = { trial: id, reward, hash };
      events.push({ type: 'best.changed', time: endedAt, best, previous });
    }
    if (id % BATCH === 0) {
      const batch = records.slice(id - BATCH, id - 1).map((r) => r.reward!).concat(reward);
      const meanReward = round(batch.reduce((a, b) => a + b, 0) / batch.length);
      events.push({ type: 'controller.updated', time: endedAt, step: id / BATCH, entropy: round(1.6 - id / trials), baseline: round(meanReward * 0.9), meanReward, loss: round(0.01 * random.float()) });
    }
    records.push({
      id, hash, fpn: printPyramid(pyramid), decisions, status: 'finished', reward, metrics: { loss: 0.5 }, params, flops,
      duplicateOf, worker, attempts: worker ? 1 : 0, queuedAt, startedAt, endedAt, seconds, error: null,
    });
  }
  events.push({ type: 'search.finished', time: at(clock + 1), reason: 'budget', trials, unique: records.filter((r) => r.duplicateOf === null).length, failed: 0, best });
  return { config, trials: records, events };
}

/** Writes `run` as a run directory at `dir`. */
export function writeRun(dir: string, run: FakeRun): void {
  mkdirSync(join(dir, 'trials'), { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(run.config, null, 2) + '\n');
  writeFileSync(join(dir, 'state.json'), JSON.stringify({ version: 1, nextTrial: run.trials.length + 1 }) + '\n');
  for (const t of run.trials) writeFileSync(join(dir, 'trials', `${String(t.id).padStart(6, '0')}.json`), JSON.stringify(t, null, 2) + '\n');
  writeFileSync(join(dir, 'events.jsonl'), run.events.map((e) => JSON.stringify(e)).join('\n') + '\n');
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;
