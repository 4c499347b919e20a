// Trials per hour of the proxy reward at its default budget: the paper's search space (examples/search.fpn:
// ResNet-10, 3 stacked 7-cell pyramids, capped to 128² and width 64), 100 steps of 8 images on a 1,000-image
// synthetic dataset (128², 8 classes), AP on its 100 val images — the reward as a worker runs it (one process,
// the fastest backend present, the dataset loaded once). Reports seconds per trial, per step and for the AP.
// On tfjs-node each sampled architecture is trained on both engines in turn (graph: its training graph built,
// loaded and optimised by TensorFlow within the trial; eager), with the same seed, so the two rates and the
// two APs compare trial by trial; elsewhere the eager engine alone.
//
// Environment: NASFPN_BENCH_TRIALS (default 2) trials; NASFPN_BENCH_STEPS (default: the reward's 100) steps a trial.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeResult } from './lib.js';
import { DEFAULT_SYNTH, writeSynthDataset } from '../src/data/synth.js';
import { currentBackend, initBackend } from '../src/runtime/backend.js';
import { checkText } from '../src/semantics/program.js';
import { PROXY_DEFAULTS } from '../src/search/proxy-budget.js';
import { createReward } from '../src/search/reward.js';
import { sampleDecisions } from '../src/search/space.js';
import { Random } from '../src/util/random.js';

const TRIALS = Number(process.env.NASFPN_BENCH_TRIALS ?? 2);
const STEPS = process.env.NASFPN_BENCH_STEPS ? Number(process.env.NASFPN_BENCH_STEPS) : PROXY_DEFAULTS.steps;
const file = resolve('examples/search.fpn');
const space = checkText(readFileSync(file, 'utf8'), file, { readFile: (p) => readFileSync(p, 'utf8') }).program!.searchSpaces[0];
const dataDir = mkdtempSync(join(tmpdir(), 'nasfpn-bench-proxy-'));
await writeSynthDataset(dataDir, { ...DEFAULT_SYNTH, images: 1000, size: 128, classes: 8, seed: 1 });
await initBackend();

const reward = createReward({ name: 'proxy', options: { data: dataDir, steps: STEPS } }, space);
const random = Random.seeded(1);
const engines = currentBackend()?.tfName === 'tensorflow' ? ['graph', 'eager'] : ['eager'];
const trials: Record<string, number | string>[] = [];
const load: number[] = [];
for (let id = 1; id <= TRIALS; id++) {
  const decisions = sampleDecisions(space, random);
  for (const engine of engines) {
    // The reward opens its engine as NASFPN_ENGINE says (src/train/engines.ts), trial by trial.
    process.env.NASFPN_ENGINE = engine;
    const { reward: ap, metrics } = await reward.evaluate(
      { id, hash: `bench${id}`, fpn: '', decisions, space, seed: id },
      { progress: () => {}, signal: new AbortController().signal },
    );
    load.push(loadavg()[0]);
    const rssMiB = Math.round(process.memoryUsage().rss / 2 ** 20);
    trials.push({ trial: id, engine, AP: ap, seconds: metrics.seconds, secondsPerStep: metrics.trainSeconds / metrics.steps, evalSeconds: metrics.evalSeconds, loss: metrics.loss, rssMiB });
    console.log(`trial ${id} (${engine}): AP ${ap.toFixed(3)}, ${metrics.seconds.toFixed(1)} s (${(metrics.trainSeconds / metrics.steps).toFixed(2)} s/step with the engine's set-up, AP ${metrics.evalSeconds.toFixed(1)} s), RSS ${rssMiB} MiB`);
  }
}
rmSync(dataDir, { recursive: true, force: true });
const round = (x: number) => Math.round(x * 10) / 10;
const perEngine = Object.fromEntries(engines.map((engine) => {
  const own = trials.filter((t) => t.engine === engine);
  const meanSeconds = own.reduce((a, t) => a + (t.seconds as number), 0) / own.length;
  return [engine, { meanSecondsPerTrial: round(meanSeconds), trialsPerHour: round(3600 / meanSeconds) }];
}));
console.log(`trials per hour: ${engines.map((e) => `${e} ${perEngine[e].trialsPerHour}`).join(', ')}`);
writeResult('search-proxy', {
  backend: currentBackend()?.name,
  budget: { steps: STEPS, batch: PROXY_DEFAULTS.batch, input: PROXY_DEFAULTS.input, width: PROXY_DEFAULTS.width, evalImages: 100 },
  trials,
  engines: perEngine,
  loadAverage: load,
  note: 'the shared 2-core machine under load from other work: rough figures; the engines alternate trial by trial',
});
