// One training step of proxy-style detectors on both engines and beside the PyTorch peer, in one run,
// alternating: ResNet-10 under 1 and 3 stacked NAS-FPN pyramids at width 64, RetinaNet heads, 128×128 images,
// batch 4, the surrogate loss (src/train/surrogate.ts), forward + backward + plain SGD (momentum 0, as the peer):
//   - graph: the step as one TensorFlow graph (src/graph, the graph engine's program with the surrogate loss);
//   - eager: the TensorFlow.js model with tf.variableGrads and MomentumSgd (the eager engine's step);
//   - pytorch: bench/peer/peer_torch.py, the same network and loss in PyTorch (2 threads), run as a child process.
// Each round times STEPS steps of each in turn (median per round), so that a shared machine's load falls on all
// three alike; the result keeps every round. Both engines start from the same weights and take the same steps
// (their losses are listed). Effective GFLOP/s = 3 × the forward FLOPs `nasfpn stats` counts × batch / step time.
//
// Also: the graph's build (JavaScript), SavedModel load and first step (TensorFlow optimises the graph) for the
// 3-stack proxy, built afresh and then from the cache; the process's RSS over 100 graph steps after warm-up;
// and, once after the rounds, the eager step on every other available backend (wasm; cpu gets one step).
//
// Environment: NASFPN_BENCH_STEPS (default 5) timed steps a round, NASFPN_BENCH_ROUNDS (default 3);
// NASFPN_PEER_PYTHON: a Python with torch (default .venv-peer/bin/python; the peer is skipped, with a message,
// when there is none); NASFPN_BENCH_BACKENDS=wasm,cpu: which other backends run the eager step once;
// NASFPN_BENCH_LARGE=1 instead times R-50 NAS-FPN 7@256 at 640², batch 2 (graph and eager; the peer has no
// ResNet-50) and the build and load of R-50 7@384, into bench/results/train-step-large.json. (TensorFlow 2.21's
// oneDNN kernels crash with SIGFPE on ResNet-50's 512→1024 1×1 convolution on some AVX-512 CPUs, eager and
// graph alike; TF_ENABLE_ONEDNN_OPTS=0 avoids it: docs/training.md.)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { countKernels, time, writeResult } from './lib.js';
import { buildModel } from '../src/codegen/builder.js';
import { countModel } from '../src/codegen/count.js';
import { lowerDetector } from '../src/codegen/lower.js';
import { availableBackends, useBackend, type BackendName } from '../src/runtime/backend.js';
import type { DetectorIR } from '../src/semantics/ir.js';
import { readWeights } from '../src/train/engine.js';
import { openTrainGraph, type OpenGraph } from '../src/train/graph-engine.js';
import { MomentumSgd } from '../src/train/optimizer.js';
import { withSeededMathRandom } from '../src/train/seeded-random.js';
import { disposeTask, makeSurrogateTask, optimizerStep, type SurrogateTask } from '../src/train/surrogate.js';
import { detector } from '../test/helpers/ir.js';

type Tfjs = typeof TF;

const STEPS = Number(process.env.NASFPN_BENCH_STEPS ?? 5);
const ROUNDS = Number(process.env.NASFPN_BENCH_ROUNDS ?? 3);
const LEARNING_RATE = 0.01;
const MEMORY_STEPS = 100;
const PEER = resolve('bench/peer/peer_torch.py');

interface Config {
  name: string;
  detector: DetectorIR;
  batch: number;
  /** The peer's --repeats (null: the peer has no such network). */
  peerRepeats: number | null;
}

const proxy = (repeats: number): Config => ({
  name: `proxy_r10_nasfpn${repeats}x64`, batch: 4, peerRepeats: repeats,
  detector: detector({ name: `proxy_r10_nasfpn${repeats}x64`, backbone: { kind: 'resnet', depth: 10 }, repeats, width: 64, inputSize: 128 }),
});
const r50 = (inputSize: number): Config => ({
  name: `retinanet_nasfpn_r50_7x256_${inputSize}`, batch: 2, peerRepeats: null,
  detector: detector({ name: `retinanet_nasfpn_r50_7x256_${inputSize}`, inputSize }),
});
const LARGE = process.env.NASFPN_BENCH_LARGE === '1';
const CONFIGS = LARGE ? [r50(640)] : [proxy(1), proxy(3)];

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const say = (line: string) => console.log(line);

// ---------------------------------------------------------------------------------------------------
// The three contenders

/** A configuration's eager model (seeded), its surrogate task, a scratch graph cache and the learning rate, freed after `use`. */
interface Fixture {
  model: TF.LayersModel;
  task: SurrogateTask;
  cacheDir: string;
  lr: TF.Scalar;
}

async function withFixture<T>(tf: Tfjs, config: Config, use: (f: Fixture) => Promise<T>): Promise<T> {
  const model = withSeededMathRandom(1, () => buildModel(lowerDetector(config.detector)));
  const fixture = { model, task: makeSurrogateTask(tf, model, config.batch), cacheDir: mkdtempSync(join(tmpdir(), 'nasfpn-bench-graphs-')), lr: tf.scalar(LEARNING_RATE) };
  try {
    return await use(fixture);
  } finally {
    rmSync(fixture.cacheDir, { recursive: true, force: true });
    disposeTask(tf, fixture.task);
    fixture.lr.dispose();
    model.dispose();
  }
}

/** The graph engine's program with the surrogate loss, set to the eager model's weights. */
async function openGraph(tf: Tfjs, config: Config, model: TF.LayersModel, cacheDir: string): Promise<OpenGraph> {
  const graph = openTrainGraph(tf, { spec: lowerDetector(config.detector), batch: config.batch, objective: { kind: 'surrogate' }, momentum: 0, clipNorm: null }, cacheDir);
  const weights = new Map((await readWeights(model)).map((w) => [w.name, w]));
  const inputs = Object.fromEntries(graph.manifest.variables.weights.map((v, i) => [String(i), tf.tensor(weights.get(v.name)!.values, v.shape)]));
  tf.dispose(Object.values(graph.session.run('set_weights', inputs)));
  tf.dispose(Object.values(inputs));
  return graph;
}

function graphStep(tf: Tfjs, graph: OpenGraph, task: SurrogateTask, lr: TF.Scalar): () => Promise<number> {
  const feed: Record<string, TF.Tensor> = { images: task.images, lr };
  task.targets.forEach((t, k) => { feed[`target${k}`] = t; });
  return async () => {
    const out = graph.session.run('train_step', feed);
    const loss = (await out.loss.data())[0];
    tf.dispose(Object.values(out));
    return loss;
  };
}

function eagerStep(tf: Tfjs, model: TF.LayersModel, task: SurrogateTask, optimizer: MomentumSgd): () => Promise<number> {
  return async () => {
    const loss = optimizerStep(tf, model, task, optimizer, LEARNING_RATE);
    const value = (await loss.data())[0];
    loss.dispose();
    return value;
  };
}

/** The peer's Python, or why there is none. */
function peerPython(): { python: string } | { skipped: string } {
  const python = process.env.NASFPN_PEER_PYTHON ?? resolve('.venv-peer/bin/python');
  if (!existsSync(python)) return { skipped: `no Python at ${python} (set NASFPN_PEER_PYTHON to one with torch)` };
  const probe = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) return { skipped: `${python} has no torch` };
  return { python };
}

interface PeerRun {
  medianMs: number;
  samplesMs: number[];
  losses: number[];
  torch: string;
  threads: number;
}

function runPeer(python: string, config: Config, forwardFlops: number): PeerRun {
  const out = join(tmpdir(), `nasfpn-peer-${process.pid}.json`);
  const d = config.detector;
  const args = [PEER, '--width', String(d.width), '--input', String(d.inputSize), '--batch', String(config.batch), '--repeats', String(config.peerRepeats),
    '--steps', String(STEPS), '--warmup', '2', '--threads', '2', '--project-flops', String(forwardFlops), '--out', out];
  const run = spawnSync(python, args, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`the PyTorch peer failed: ${run.stderr.split('\n').slice(-3).join(' ')}`);
  const result = JSON.parse(readFileSync(out, 'utf8')) as PeerRun;
  rmSync(out, { force: true });
  return result;
}

// ---------------------------------------------------------------------------------------------------
// One configuration, alternating

interface Contender {
  backend: BackendName | 'pytorch';
  engine: 'graph' | 'eager' | 'pytorch';
  roundsMs: number[];
  stepMs: number;
  imagesPerSecond: number;
  gflops: number;
  losses: number[];
}

function benchConfig(tf: Tfjs, config: Config, peer: ReturnType<typeof peerPython>) {
  const counts = countModel(lowerDetector(config.detector));
  const stepFlops = 3 * counts.flops * config.batch;
  say(`\n${config.name}: batch ${config.batch} at ${config.detector.inputSize}², ${(counts.flops / 1e9).toFixed(2)} GFLOP forward per image, ${(stepFlops / 1e9).toFixed(1)} GFLOP a step`);
  return withFixture(tf, config, async ({ model, task, cacheDir, lr }) => {
    const graph = await openGraph(tf, config, model, cacheDir);
    const weights = model.trainableWeights.map((w) => ({ name: w.originalName, variable: w.read() as TF.Variable }));
    const optimizer = new MomentumSgd(tf, weights, 0);
    const steps = { graph: graphStep(tf, graph, task, lr), eager: eagerStep(tf, model, task, optimizer) };
    const losses = { graph: [] as number[], eager: [] as number[], pytorch: [] as number[] };
    const rounds = { graph: [] as number[], eager: [] as number[], pytorch: [] as number[] };
    let torchInfo: { torch: string; threads: number } | null = null;
    try {
      // Warm-up: the graph's first call optimises it; the eager path's first steps set up its kernels.
      for (const kind of ['graph', 'eager'] as const) for (let i = 0; i < 2; i++) losses[kind].push(await steps[kind]());
      for (let r = 0; r < ROUNDS; r++) {
        for (const kind of ['graph', 'eager'] as const) {
          const timing = await time(STEPS, async () => losses[kind].push(await steps[kind]()));
          rounds[kind].push(timing.medianMs);
        }
        if ('python' in peer && config.peerRepeats !== null) {
          const run = runPeer(peer.python, config, counts.flops);
          rounds.pytorch.push(run.medianMs);
          if (r === 0) losses.pytorch.push(...run.losses);
          torchInfo = { torch: run.torch, threads: run.threads };
        }
        say(`  round ${r + 1}: graph ${rounds.graph[r]} ms, eager ${rounds.eager[r]} ms${rounds.pytorch[r] !== undefined ? `, pytorch ${rounds.pytorch[r]} ms` : ''} (load ${round(loadavg()[0], 1)})`);
      }
      const contender = (backend: Contender['backend'], engine: Contender['engine'], roundsMs: number[], lossList: number[]): Contender => {
        const stepMs = median(roundsMs);
        return {
          backend, engine, roundsMs, stepMs, imagesPerSecond: round((1000 * config.batch) / stepMs), gflops: round(stepFlops / (stepMs * 1e6)),
          losses: lossList.slice(0, 6).map((l) => round(l, 5)),
        };
      };
      const contenders = [contender('tfjs-node', 'graph', rounds.graph, losses.graph), contender('tfjs-node', 'eager', rounds.eager, losses.eager)];
      if (rounds.pytorch.length) contenders.push(contender('pytorch', 'pytorch', rounds.pytorch, losses.pytorch));
      const kernels = await countKernels(tf, steps.eager);
      const by = (engine: Contender['engine']) => contenders.find((c) => c.engine === engine);
      const ratio = (a?: Contender, b?: Contender) => (a && b ? round(a.stepMs / b.stepMs) : null);
      const ratios = {
        graphOverPytorch: ratio(by('graph'), by('pytorch')), eagerOverPytorch: ratio(by('eager'), by('pytorch')), eagerOverGraph: ratio(by('eager'), by('graph')),
        graphOverPytorchPerRound: rounds.pytorch.map((p, r) => round(rounds.graph[r] / p)),
      };
      for (const c of contenders) say(`  ${c.engine.padEnd(8)} ${String(c.stepMs).padStart(9)} ms/step ${String(c.gflops).padStart(7)} GFLOP/s  rounds ${c.roundsMs.join(', ')}`);
      say(`  graph/pytorch ${ratios.graphOverPytorch ?? '-'}× (per round ${ratios.graphOverPytorchPerRound.join(', ') || '-'}), eager/graph ${ratios.eagerOverGraph}×`);
      return {
        model: {
          name: config.name, backbone: config.detector.backbone, repeats: config.detector.repeats, width: config.detector.width, inputSize: config.detector.inputSize,
          params: counts.trainable + counts.nonTrainable, forwardGflopPerImage: round(counts.flops / 1e9, 3),
        },
        batch: config.batch, contenders, ratios, torch: torchInfo,
        graph: { buildSeconds: round(graph.buildSeconds), loadSeconds: round(graph.loadSeconds) },
        eagerKernelsPerStep: kernels.total,
      };
    } finally {
      graph.session.dispose();
      optimizer.dispose();
    }
  });
}

// ---------------------------------------------------------------------------------------------------
// Build and load times, memory

/** Build → load → first step, afresh and from the cache, for a detector's training graph (surrogate loss). */
async function buildAndLoad(tf: Tfjs, config: Config) {
  const times: Record<string, { buildSeconds: number; loadSeconds: number; firstStepSeconds: number }> = {};
  await withFixture(tf, config, async ({ model, task, cacheDir, lr }) => {
    for (const pass of ['fresh', 'cached'] as const) {
      const graph = await openGraph(tf, config, model, cacheDir);
      const start = performance.now();
      await graphStep(tf, graph, task, lr)();
      times[pass] = { buildSeconds: round(graph.buildSeconds), loadSeconds: round(graph.loadSeconds), firstStepSeconds: round((performance.now() - start) / 1000) };
      graph.session.dispose();
    }
  });
  say(`  ${config.name} graph: fresh build ${times.fresh.buildSeconds} s + load ${times.fresh.loadSeconds} s + first step ${times.fresh.firstStepSeconds} s; ` +
    `cached: load ${times.cached.loadSeconds} s + first step ${times.cached.firstStepSeconds} s`);
  return { model: config.name, batch: config.batch, ...times };
}

/** RSS every 10 graph steps over MEMORY_STEPS steps after warm-up. */
function memoryOverSteps(tf: Tfjs, config: Config) {
  return withFixture(tf, config, async ({ model, task, cacheDir, lr }) => {
    const graph = await openGraph(tf, config, model, cacheDir);
    const step = graphStep(tf, graph, task, lr);
    const mib = () => round(process.memoryUsage().rss / 2 ** 20, 1);
    try {
      for (let i = 0; i < 5; i++) await step();
      const samples: number[] = [mib()];
      for (let i = 1; i <= MEMORY_STEPS; i++) {
        await step();
        if (i % 10 === 0) samples.push(mib());
      }
      const result = { model: config.name, steps: MEMORY_STEPS, rssMiB: samples, peakMiB: Math.max(...samples), growthMiB: round(samples[samples.length - 1] - samples[0], 1), tensors: tf.memory().numTensors };
      say(`  RSS over ${MEMORY_STEPS} graph steps (${config.name}): ${samples[0]} → ${samples[samples.length - 1]} MiB, peak ${result.peakMiB} MiB`);
      return result;
    } finally {
      graph.session.dispose();
    }
  });
}

/** The eager step once on another backend (no graph there), with its kernel count. */
async function eagerElsewhere(backend: BackendName, config: Config) {
  const tf = await useBackend(backend);
  const stepFlops = 3 * countModel(lowerDetector(config.detector)).flops * config.batch;
  return withFixture(tf, config, async ({ model, task }) => {
    const weights = model.trainableWeights.map((w) => ({ name: w.originalName, variable: w.read() as TF.Variable }));
    const optimizer = new MomentumSgd(tf, weights, 0);
    const step = eagerStep(tf, model, task, optimizer);
    const slow = backend === 'cpu';
    try {
      if (!slow) await step();
      const timing = await time(slow ? 1 : STEPS, step);
      const kernels = slow ? null : (await countKernels(tf, step)).total;
      say(`  ${backend} eager: ${timing.medianMs} ms/step, ${round(stepFlops / (timing.medianMs * 1e6))} GFLOP/s`);
      return { backend, engine: 'eager', model: config.name, stepMs: timing.medianMs, gflops: round(stepFlops / (timing.medianMs * 1e6)), kernelsPerStep: kernels };
    } finally {
      optimizer.dispose();
    }
  });
}

// ---------------------------------------------------------------------------------------------------

const available = (await availableBackends()).filter((b) => b.available).map((b) => b.name);
const loadBefore = loadavg();
const peer = peerPython();
if ('skipped' in peer) say(`train-step: the PyTorch peer is skipped: ${peer.skipped}`);
const results: unknown[] = [];
let buildTimes: unknown[] = [];
let memory: unknown = null;
if (available.includes('tfjs-node')) {
  const tf = await useBackend('tfjs-node');
  for (const config of CONFIGS) results.push(await benchConfig(tf, config, peer));
  say('\ngraph build and load');
  buildTimes = [await buildAndLoad(tf, LARGE ? r50(384) : proxy(3))];
  if (!LARGE) {
    say('\nmemory');
    memory = await memoryOverSteps(tf, proxy(3));
  }
} else {
  say('train-step: tfjs-node is not available here, so there is no graph engine to time (see `nasfpn doctor`)');
}
const wanted = process.env.NASFPN_BENCH_BACKENDS?.split(',').map((s) => s.trim());
const others = LARGE ? [] : available.filter((b) => b !== 'tfjs-node' && b !== 'tfjs-node-gpu' && (wanted ? wanted.includes(b) : b !== 'cpu'));
const elsewhere = [];
if (others.length) say('\neager on other backends');
for (const backend of others) elsewhere.push(await eagerElsewhere(backend, proxy(3)));

writeResult(LARGE ? 'train-step-large' : 'train-step', {
  flopsConvention: 'effective GFLOP/s = 3 × forward FLOPs (2 × conv multiply-adds, as nasfpn stats) × batch / step time',
  stepsPerRound: STEPS, rounds: ROUNDS,
  loadAverageBefore: loadBefore.map((x) => round(x)), loadAverageAfter: loadavg().map((x) => round(x)),
  oneDnn: process.env.TF_ENABLE_ONEDNN_OPTS === '0' ? 'off (TF_ENABLE_ONEDNN_OPTS=0)' : 'on',
  note: 'shared 2-core machine, other work running: each round times graph, eager and PyTorch in turn, so the load falls on all three; compare within a round',
  peer: 'python' in peer ? { script: 'bench/peer/peer_torch.py', threads: 2 } : { skipped: peer.skipped },
  configs: results, buildAndLoad: buildTimes, memory, eagerOnOtherBackends: elsewhere,
});
