// `nasfpn doctor`: which TensorFlow.js backends can run here, why the others cannot, how fast each available
// one trains (a one-second conv micro-benchmark), and how to get the faster ones.
//
// The backends differ several hundred times in training speed, and npm silently drops tfjs-node wherever its install step
// cannot download libtensorflow, so this is where a user finds out why a model trains slowly.
import { cpus } from 'node:os';
import type { Command } from 'commander';
import type { BackendProbe } from '../runtime/backend.js';
import type { ConvStepResult } from '../runtime/bench-step.js';
import { InputError } from './errors.js';

interface DoctorOptions {
  bench: boolean;
  json?: boolean;
}

/** The project's script that compiles tfjs-node against a local TensorFlow C library (scripts/build-tfjs-node.mjs). */
const BUILD_TFJS_NODE = 'npm run build:tfjs-node';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('list the TensorFlow.js backends, why the unavailable ones are, their speed, and how to get faster ones')
    .option('--no-bench', 'skip the one-second micro-benchmark of each available backend')
    .option('--json', 'print JSON instead of text')
    .action(async (options: DoctorOptions) => {
      const { availableBackends, useBackend, BACKENDS } = await import('../runtime/backend.js');
      const { benchmarkConvStep } = await import('../runtime/bench-step.js');
      const probes = await availableBackends();
      const rows: Row[] = [];
      for (const probe of probes) {
        let bench = null;
        if (probe.available && options.bench) {
          const tf = await useBackend(probe.name);
          bench = await benchmarkConvStep(tf, 1000);
        }
        rows.push({ ...probe, bench });
      }
      const chosen = probes.find((p) => p.available)?.name ?? null;
      if (!chosen) throw new InputError('no TensorFlow.js backend can run here');
      const advice = adviceFor(probes);
      if (options.json) {
        process.stdout.write(JSON.stringify({ machine: machine(), backends: rows, default: chosen, order: BACKENDS, advice }, null, 2) + '\n');
        return;
      }
      process.stdout.write(formatReport(rows, chosen, advice, options.bench));
    });
}

interface Row extends BackendProbe {
  bench: ConvStepResult | null;
}

const machine = () => ({ node: process.version, platform: `${process.platform} ${process.arch}`, cores: cpus().length });

function formatReport(rows: Row[], chosen: string, advice: string[], benched: boolean): string {
  const m = machine();
  const lines = [`TensorFlow.js backends on this machine (Node ${m.node}, ${m.platform}, ${m.cores} cores), fastest first:`, ''];
  const name = Math.max(...rows.map((r) => r.name.length));
  const speeds = rows.map((r) => (r.bench ? formatGflops(r.bench.gflops) : r.available ? 'available' : '-'));
  const speed = Math.max(...speeds.map((s) => s.length));
  rows.forEach((row, k) => {
    const what = row.available ? row.reason : `not available: ${row.reason}${row.detail ? ` (${row.detail})` : ''}`;
    lines.push(`  ${row.name.padEnd(name)}  ${speeds[k].padStart(speed)}  ${what}`);
  });
  lines.push('');
  const fromEnv = process.env.NASFPN_BACKEND;
  lines.push(fromEnv
    ? `NASFPN_BACKEND=${fromEnv} is set: models run on that one unless --backend says otherwise (the fastest available is ${chosen}).`
    : `Models run on ${chosen}, the fastest available; choose another with --backend NAME or NASFPN_BACKEND=NAME.`);
  if (benched) {
    const shapes = rows.filter((r) => r.bench).map((r) => {
      const { batch, size, channels } = r.bench!.shape;
      return `${r.name} ${batch}×${size}×${size}×${channels} in ${formatMs(r.bench!.msPerStep)}`;
    });
    lines.push(`GFLOP/s of a conv step (3×3 conv forward + both gradients, 3 × its forward FLOPs), about one second each: ${shapes.join(', ')}.`);
  }
  if (advice.length > 0) lines.push('', 'Getting a faster backend:', ...advice.map((a) => `  - ${a}`));
  return lines.join('\n') + '\n';
}

const formatGflops = (g: number) => `${g >= 10 ? g.toFixed(0) : g >= 1 ? g.toFixed(1) : g.toPrecision(2)} GFLOP/s`;
const formatMs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(ms >= 10 ? 0 : 1)} ms`);

/** How to get each faster backend that is missing, most useful first. */
export function adviceFor(probes: BackendProbe[]): string[] {
  const has = (name: string) => probes.some((p) => p.name === name && p.available);
  const advice: string[] = [];
  if (!has('tfjs-node') && !has('tfjs-node-gpu')) {
    // Installed with its install step skipped (--ignore-scripts, or an npm that blocks install scripts): that
    // step is the download, and running it is all that is missing.
    const fix = probes.find((p) => p.name === 'tfjs-node')?.fix;
    advice.push(
      'tfjs-node (TensorFlow\'s C library on all cores, the fastest CPU backend; measurements in docs/backends.md): ' +
      (fix ? `it is installed but its install step did not run: \`${fix}\` runs it. ` : '`npm install @tensorflow/tfjs-node`. ') +
      'That step downloads libtensorflow from storage.googleapis.com; where that is impossible (offline, air-gapped, ' +
      'often Windows) npm drops the optional package without a word.',
    );
    advice.push(
      `Without that download, \`${BUILD_TFJS_NODE}\` (in the nasfpn folder; Linux) compiles tfjs-node from source against a ` +
      'TensorFlow C library: the `tensorflow-cpu` wheel from a Python package index that pip can reach, or one you have ' +
      '(NASFPN_LIBTENSORFLOW=DIR with lib/ and include/). It needs a C++ compiler, make and Python 3 (node-gyp ' +
      '--build-from-source), takes about a minute, and changes node_modules only: run it again after `npm ci`. See docs/backends.md.',
    );
  }
  if (!has('tfjs-node-gpu') && !has('webgpu')) {
    advice.push(
      'GPU: on Linux with an NVIDIA GPU and CUDA, `npm install @tensorflow/tfjs-node-gpu`; or WebGPU, ' +
      '`npm install webgpu @tensorflow/tfjs-backend-webgpu` (needs a GPU adapter through Vulkan, Metal or D3D12).',
    );
  }
  return advice;
}
