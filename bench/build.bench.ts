// `npm run bench build`: how fast `stats` counts, how long building a detector (weights initialised) takes and
// how much memory it needs, and the forward time per image, per TensorFlow.js backend.
//
// Each measurement runs in a fresh child process (this same file with `child …` arguments), so its peak RSS
// is its own. The pure-JS cpu backend runs convolutions at well under 1 GMAC/s, so its forward pass is
// measured at 128 (stated in the result); everything else at 640.
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { countModel } from '../src/codegen/count.js';
import { lowerDetector } from '../src/codegen/lower.js';
import { checkPath } from '../src/cli/load.js';
import { time, timeCommand, writeResult } from './lib.js';

const EXAMPLE = 'examples/nasfpn.fpn';

function exampleDetector(name: string) {
  const detector = checkPath(EXAMPLE).program?.detectors.find((d) => d.name === name);
  if (!detector) throw new Error(`${EXAMPLE} has no detector ${name}`);
  return detector;
}

interface ChildResult {
  backend: string;
  inputSize: number;
  buildMs?: number;
  params?: number;
  forward?: { runs: number; medianMs: number; minMs: number; maxMs: number; gmacsPerImage: number };
  peakRssMiB: number;
  error?: string;
}

/** In the child: build (and optionally run) R-50 7@256 at `inputSize` on `backend`; print one JSON line. */
async function child(backend: string, task: 'build' | 'forward', inputSize: number, runs: number): Promise<void> {
  const { initBackend } = await import('../src/runtime/backend.js');
  await initBackend(backend, { log: () => {} });
  const tf = await import('@tensorflow/tfjs');
  const { buildModel } = await import('../src/codegen/builder.js');
  const spec = lowerDetector(exampleDetector('retinanet_nasfpn_r50'), { inputSize });
  const start = performance.now();
  const model = buildModel(spec);
  // Initialisers run on the backend, possibly asynchronously: wait until every weight exists.
  await Promise.all(model.weights.map((w) => w.read().data()));
  const result: ChildResult = { backend, inputSize, buildMs: Math.round(performance.now() - start), params: model.countParams(), peakRssMiB: 0 };
  if (task === 'forward') {
    const image = tf.randomNormal([1, inputSize, inputSize, 3]);
    const forward = async () => {
      const outputs = model.predict(image) as import('@tensorflow/tfjs').Tensor[];
      await Promise.all(outputs.map((o) => o.data()));
      tf.dispose(outputs);
    };
    await forward(); // warm-up: kernel compilation, first allocations
    result.forward = { ...(await time(runs, forward)), gmacsPerImage: +(countModel(spec).macs / 1e9).toFixed(2) };
  }
  result.peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

function inChild(backend: string, task: 'build' | 'forward', inputSize: number, runs = 3): ChildResult {
  const run = spawnSync(process.execPath, [process.argv[1], 'child', backend, task, String(inputSize), String(runs)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = run.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) {
    const error = (run.stderr || run.stdout).trim().split('\n').slice(-3).join(' | ');
    console.log(`  ${backend} ${task} @${inputSize}: failed (${error})`);
    return { backend, inputSize, peakRssMiB: 0, error };
  }
  const result = JSON.parse(line.slice('RESULT '.length)) as ChildResult;
  console.log(`  ${backend} ${task} @${inputSize}: build ${result.buildMs} ms, peak RSS ${result.peakRssMiB} MiB` +
    (result.forward ? `, forward ${result.forward.medianMs} ms/image (${result.forward.gmacsPerImage} GMACs)` : ''));
  return result;
}

async function main(): Promise<void> {
  // 1. stats: in-process counting, and the whole command (process start included).
  const r50x384 = exampleDetector('retinanet_nasfpn_r50_384');
  const countInProcess = await time(20, () => countModel(lowerDetector(r50x384)));
  const statsCommand = await timeCommand(5, process.execPath, ['bin/nasfpn.js', 'stats', EXAMPLE, '-d', 'retinanet_nasfpn_r50_384']);
  console.log(`  stats R-50 7@384 @1280: count ${countInProcess.medianMs} ms in process, command ${statsCommand.medianMs} ms`);

  // 2. build at 640 and forward per image, per available backend.
  const { availableBackends } = await import('../src/runtime/backend.js');
  const available = (await availableBackends()).filter((b) => b.available).map((b) => b.name);
  const builds = available.map((b) => inChild(b, 'build', 640));
  const forwardSize: Record<string, number> = { cpu: 128 };
  const forwards = available.map((b) => inChild(b, 'forward', forwardSize[b] ?? 640, b === 'cpu' || b === 'wasm' ? 1 : 3));

  writeResult('build', {
    model: 'retinanet_nasfpn_r50 (R-50, NAS-FPN 7@256, K=91) from examples/nasfpn.fpn',
    stats: { detector: 'retinanet_nasfpn_r50_384 at 1280', countInProcess, command: statsCommand },
    availableBackends: available,
    build640: builds,
    forward: forwards,
    note: 'forward at 640 except on the pure-JS cpu backend (at 128: its convs run at ~0.35 GMAC/s, so 640 would take ~7 min per image); batch 1, after one warm-up run; median of 3 runs (1 on wasm and cpu)',
  });
}

const [mode, backend, task, size, runs] = process.argv.slice(2);
if (mode === 'child') await child(backend, task as 'build' | 'forward', Number(size), Number(runs));
else await main();
