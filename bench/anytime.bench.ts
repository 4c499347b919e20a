// `npm run bench anytime`: the forward time of one image through every anytime exit (the model cut after
// pyramid K, src/codegen/lower.ts `exit`), on the fastest backend here, for the proxy detector stacked 3 times
// (examples/proxy.fpn#proxy_synth_anytime, 128²) and for R-50 NAS-FPN 7@256 at 640²
// (examples/nasfpn.fpn#retinanet_nasfpn_r50_anytime); and how closely the time follows the FLOPs.
//
// The times are measured as `predict --budget-ms` and `eval --exits` measure them (src/predict/exit-times.ts:
// batch 1, outputs read back, warm-up passes deepest exit first, then NASFPN_BENCH_PASSES rounds of one pass
// per exit in turn): the wall time (median, fastest) and the processor time of all the process's threads
// (median). On a machine shared with other work the wall time of a pass depends on what else runs; the
// processor time is the work the exit costs, so the comparison with FLOPs uses it: for each exit its share of
// the last exit's processor time and of its FLOPs; and, since every exit adds the same pyramid, the split of
// the processor time into one pyramid (the mean step from one exit to the next, least squares over the exits)
// and the rest (the backbone, the laterals and one head: exit 1 less one pyramid), each with its GFLOPs per
// processor-second — where they differ, the time does not fall in proportion to the FLOPs.
//
// Environment: NASFPN_BENCH_ONLY=proxy or r50 to run one of the two; NASFPN_BENCH_PASSES (default: 15 rounds
// for the proxy, 8 for R-50, whose forward pass at 640² takes seconds on a CPU).
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
  { key: 'proxy', file: 'examples/proxy.fpn', name: 'proxy_synth_anytime', passes: 15 },
  { key: 'r50', file: 'examples/nasfpn.fpn', name: 'retinanet_nasfpn_r50_anytime', passes: 8 },
] as const;
const only = process.env.NASFPN_BENCH_ONLY;
const passesOverride = process.env.NASFPN_BENCH_PASSES === undefined ? undefined : Number(process.env.NASFPN_BENCH_PASSES);

function exampleDetector(file: string, name: string): DetectorIR {
  const detector = checkPath(file).program?.detectors.find((d) => d.name === name);
  if (!detector) throw new Error(`${file} has no detector ${name}`);
  return detector;
}

/** The least-squares slope of y over 1, 2, …, n (the mean step from one exit to the next). */
function meanStep(ys: number[]): number {
  const n = ys.length;
  const mx = (n + 1) / 2;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  const sxx = ys.reduce((s, _, i) => s + (i + 1 - mx) ** 2, 0);
  return sxx === 0 ? 0 : ys.reduce((s, y, i) => s + (i + 1 - mx) * (y - my), 0) / sxx;
}

const round = (x: number, digits = 3) => +x.toFixed(digits);

const backend = await initBackend(undefined, { log: (line) => console.log(line) });
const tf = await import('@tensorflow/tfjs');
const loadBefore = loadavg()[0];
const detectors = [];
for (const subject of SUBJECTS.filter((s) => only === undefined || s.key === only)) {
  const detector = exampleDetector(subject.file, subject.name);
  const passes = passesOverride ?? subject.passes;
  console.log(`${detector.name}: ${detector.repeats} exits at ${detector.inputSize}² on ${backend.name}, ${passes} rounds`);
  const times = await measureExits(tf, detector, timingKeyHere(backend.name, detector.inputSize), exitsOf(detector),
    (exit) => buildDetectorModel(detector, 1, exit), passes);
  const counts = countExits(detector);
  const last = { ms: times.exits[times.exits.length - 1].cpuMs, flops: counts[counts.length - 1].flops };
  const gflops = counts.map((c) => c.flops / 1e9);
  const pyramid = { ms: meanStep(times.exits.map((t) => t.cpuMs)), gflops: meanStep(gflops) };
  const rest = { ms: times.exits[0].cpuMs - pyramid.ms, gflops: gflops[0] - pyramid.gflops };
  const split = (part: { ms: number; gflops: number }) =>
    ({ cpuMs: round(part.ms, 1), gflops: round(part.gflops), gflopsPerCpuSecond: round(part.gflops / (part.ms / 1000), 1) });
  const exits = times.exits.map((t, i) => {
    const timeShare = t.cpuMs / last.ms;
    const flopsShare = counts[i].flops / last.flops;
    console.log(`  exit ${t.exit}: CPU ${t.cpuMs.toFixed(1)} ms (${(100 * timeShare).toFixed(0)} % of the last), wall median ${t.ms.toFixed(1)} ms, ` +
      `fastest ${t.minMs.toFixed(1)} ms, ${gflops[i].toFixed(2)} GFLOPs (${(100 * flopsShare).toFixed(0)} %)`);
    return {
      exit: t.exit, cpuMs: t.cpuMs, medianMs: t.ms, fastestMs: t.minMs, gflops: round(gflops[i]), params: counts[i].trainable + counts[i].nonTrainable,
      cpuTimeShareOfLast: round(timeShare), flopsShareOfLast: round(flopsShare), cpuTimeOverFlopsShare: round(timeShare / flopsShare),
    };
  });
  console.log(`  one pyramid: ${pyramid.ms.toFixed(1)} CPU ms for ${pyramid.gflops.toFixed(3)} GFLOPs; the rest (backbone, laterals, a head): ` +
    `${rest.ms.toFixed(1)} CPU ms for ${rest.gflops.toFixed(2)} GFLOPs`);
  detectors.push({
    detector: detector.name, source: subject.file, inputSize: detector.inputSize, repeats: detector.repeats, passes, exits,
    onePyramid: split(pyramid),
    rest: split(rest),
    maxShareGap: round(Math.max(...exits.map((e) => Math.abs(e.cpuTimeShareOfLast - e.flopsShareOfLast)))),
  });
}

writeResult('anytime', {
  backend: backend.name,
  method: `batch 1, outputs read back; ${WARMUP_PASSES} warm-up passes per exit, deepest exit first, then \`passes\` rounds of one pass per exit ` +
    '(src/predict/exit-times.ts); the shares of the last exit and the split into one pyramid and the rest use the processor time',
  flopsConvention: 'FLOPs = 2 × conv multiply-adds of the exit\'s own model, as nasfpn stats --exits counts them',
  // The TensorFlow build of this machine kind dies of a divide error (SIGFPE) in its oneDNN 1×1 convolutions
  // with ≥ 512 input and ≥ 1024 output channels (ResNet-50's last groups); run with TF_ENABLE_ONEDNN_OPTS=0 there.
  tfEnableOnednnOpts: process.env.TF_ENABLE_ONEDNN_OPTS ?? null,
  loadAverageBefore: round(loadBefore, 2),
  loadAverageAfter: round(loadavg()[0], 2),
  note: 'shared 2-core machine, other work running: timings are indicative',
  detectors,
});
