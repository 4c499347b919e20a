// `npm run bench anytime`: the forward time of one image through every anytime exit (the model cut after
// pyramid K, src/codegen/lower.ts `exit`), on the fastest backend here, for the proxy detector stacked 3 times
// (examples/proxy.fpn#proxy_synth_anytime, 128²) and for R-50 NAS-FPN 7@256 at 640²
// (examples/nasfpn.fpn#retinanet_nasfpn_r50_anytime); and how closely the time follows the FLOPs.
//
// The times are measured as `predict --budget-ms` and `eval --exits` measure them (src/predict/exit-times.ts:
// batch 1, outputs read back, the median and the fastest of NASFPN_BENCH_PASSES passes after WARMUP_PASSES,
// the deepest exit first). On a machine shared with other work the fastest pass is the better estimate of
// the exit's own cost, so the comparison with FLOPs uses it: for each exit its share of the last exit's
// time and of its FLOPs, and a least-squares line ms = a + b·GFLOPs over the exits: `a` is what an exit
// costs beyond its convolutions' FLOPs (op dispatch, memory traffic), `b` the time per GFLOP.
//
// Environment: NASFPN_BENCH_ONLY=proxy or r50 to run one of the two; NASFPN_BENCH_PASSES (default 7).
import { loadavg } from 'node:os';
import { countExits } from '../src/codegen/exits.js';
import { checkPath } from '../src/cli/load.js';
import { measureExits, timingKeyHere, WARMUP_PASSES } from '../src/predict/exit-times.js';
import { initBackend } from '../src/runtime/backend.js';
import { exitsOf } from '../src/semantics/exits.js';
import type { DetectorIR } from '../src/semantics/ir.js';
import { buildDetectorModel } from '../src/train/model.js';
import { writeResult } from './lib.js';

const SUBJECTS = [
  { key: 'proxy', file: 'examples/proxy.fpn', name: 'proxy_synth_anytime' },
  { key: 'r50', file: 'examples/nasfpn.fpn', name: 'retinanet_nasfpn_r50_anytime' },
] as const;
const only = process.env.NASFPN_BENCH_ONLY;
const PASSES = Number(process.env.NASFPN_BENCH_PASSES ?? 7);

function exampleDetector(file: string, name: string): DetectorIR {
  const detector = checkPath(file).program?.detectors.find((d) => d.name === name);
  if (!detector) throw new Error(`${file} has no detector ${name}`);
  return detector;
}

/** Least-squares y = a + b·x. */
function fitLine(xs: number[], ys: number[]): { a: number; b: number } {
  const n = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  const sxx = xs.reduce((s, x) => s + (x - mx) ** 2, 0);
  const b = sxx === 0 ? 0 : xs.reduce((s, x, i) => s + (x - mx) * (ys[i] - my), 0) / sxx;
  return { a: my - b * mx, b };
}

const round = (x: number, digits = 3) => +x.toFixed(digits);

const backend = await initBackend(undefined, { log: (line) => console.log(line) });
const tf = await import('@tensorflow/tfjs');
const loadBefore = loadavg()[0];
const detectors = [];
for (const subject of SUBJECTS.filter((s) => only === undefined || s.key === only)) {
  const detector = exampleDetector(subject.file, subject.name);
  console.log(`${detector.name}: ${detector.repeats} exits at ${detector.inputSize}² on ${backend.name}`);
  const times = await measureExits(tf, detector, timingKeyHere(backend.name, detector.inputSize), exitsOf(detector),
    (exit) => buildDetectorModel(detector, 1, exit), PASSES);
  const counts = countExits(detector);
  const last = { ms: times.exits[times.exits.length - 1].minMs, flops: counts[counts.length - 1].flops };
  const gflops = counts.map((c) => c.flops / 1e9);
  const fit = fitLine(gflops, times.exits.map((t) => t.minMs));
  const exits = times.exits.map((t, i) => {
    const timeShare = t.minMs / last.ms;
    const flopsShare = counts[i].flops / last.flops;
    console.log(`  exit ${t.exit}: fastest ${t.minMs.toFixed(1)} ms (${(100 * timeShare).toFixed(0)} % of the last), median ${t.ms.toFixed(1)} ms, ` +
      `${gflops[i].toFixed(2)} GFLOPs (${(100 * flopsShare).toFixed(0)} %)`);
    return {
      exit: t.exit, fastestMs: t.minMs, medianMs: t.ms, gflops: round(gflops[i]), params: counts[i].trainable + counts[i].nonTrainable,
      timeShareOfLast: round(timeShare), flopsShareOfLast: round(flopsShare), timeOverFlopsShare: round(timeShare / flopsShare),
    };
  });
  console.log(`  ms ≈ ${fit.a.toFixed(1)} + ${fit.b.toFixed(2)} · GFLOPs`);
  detectors.push({
    detector: detector.name, source: subject.file, inputSize: detector.inputSize, repeats: detector.repeats, exits,
    fit: { msIntercept: round(fit.a, 1), msPerGflop: round(fit.b), effectiveGflopsPerSecond: round(1000 / fit.b, 1) },
    maxShareGap: round(Math.max(...exits.map((e) => Math.abs(e.timeShareOfLast - e.flopsShareOfLast)))),
  });
}

writeResult('anytime', {
  backend: backend.name,
  method: `batch 1, outputs read back, ${PASSES} passes after ${WARMUP_PASSES} warm-up passes per exit, deepest exit first (src/predict/exit-times.ts); ` +
    'shares of the last exit and the line fit use the fastest pass',
  flopsConvention: 'FLOPs = 2 × conv multiply-adds of the exit\'s own model, as nasfpn stats --exits counts them',
  loadAverageBefore: round(loadBefore, 2),
  loadAverageAfter: round(loadavg()[0], 2),
  note: 'shared 2-core machine, other work running: timings are indicative',
  detectors,
});
