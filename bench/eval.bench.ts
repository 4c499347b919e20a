// COCO evaluation benchmark (issue 12): 5,000 images, 80 categories, ~7 GT and 100 detections per image
// (500,000 detections), seeded random boxes of all sizes. Measures, in a fresh Node process, reading both files
// and evaluating them (what `nasfpn eval` does), phase by phase, and its peak RSS; the evaluation alone from
// columns (what training calls in-process); and pycocotools on the same files in the same run when its Python
// is available (/opt/venv-coco/bin/python or NASFPN_PYCOCOTOOLS_PYTHON). Targets: ≥ 10× pycocotools, the same
// 12 numbers, peak RSS < 1 GB.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readCocoDetections, readCocoGroundTruth } from '../src/coco/read.js';
import { accumulate, evaluateImages } from '../src/eval/cocoeval.js';
import { makeParams } from '../src/eval/params.js';
import { summarize, SUMMARY_KEYS, type CocoSummary } from '../src/eval/summary.js';
import { detectionsJson, groundTruthJson, syntheticCoco, type SyntheticSpec } from '../src/eval/synthetic.js';
import { time, writeResult } from './lib.js';

const SPEC: SyntheticSpec = { seed: 2026, images: 5000, categories: 80, gtPerImage: 7, detectionsPerImage: 100 };
const TARGET_SPEEDUP = 10;
const TARGET_PEAK_RSS_MB = 1024;
const DEFAULT_PYTHON = '/opt/venv-coco/bin/python';

/** The child: read both files and evaluate, timing each phase (wall and CPU); prints one JSON line. */
async function child(gtPath: string, dtPath: string): Promise<void> {
  const wall: Record<string, number> = {};
  const cpu: Record<string, number> = {};
  const cpuMs = () => {
    const used = process.cpuUsage();
    return (used.user + used.system) / 1000;
  };
  const phase = async <T>(name: string, run: () => T | Promise<T>): Promise<T> => {
    const [w, c] = [performance.now(), cpuMs()];
    const value = await run();
    wall[name] = Math.round(performance.now() - w);
    cpu[name] = Math.round(cpuMs() - c);
    return value;
  };
  const [w0, c0] = [performance.now(), cpuMs()];
  const gt = await phase('readGt', () => readCocoGroundTruth(gtPath));
  const dt = await phase('readDetections', () => readCocoDetections(dtPath, gt));
  const params = makeParams(gt);
  const matched = await phase('evaluate', () => evaluateImages(gt, dt, params));
  const result = await phase('accumulate', () => accumulate(matched, params));
  const summary = await phase('summarize', () => summarize(result));
  process.stdout.write(JSON.stringify({
    phasesMs: wall,
    phasesCpuMs: cpu,
    totalMs: Math.round(performance.now() - w0),
    cpuMs: Math.round(cpuMs() - c0),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    summary,
  }) + '\n');
}

if (process.argv[2] === '--child') {
  await child(process.argv[3], process.argv[4]);
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'nasfpn-bench-eval-'));
try {
  console.log(`eval: generating ${SPEC.images} images × ${SPEC.detectionsPerImage} detections, ${SPEC.categories} categories (seed ${SPEC.seed})`);
  const { gt, dt } = syntheticCoco(SPEC);
  const gtPath = join(dir, 'gt.json');
  const dtPath = join(dir, 'dt.json');
  writeFileSync(gtPath, groundTruthJson(gt));
  writeFileSync(dtPath, detectionsJson(dt));

  // 1. From files, in a fresh process (what `nasfpn eval` does), with its peak RSS.
  const run = spawnSync(process.execPath, [process.argv[1], '--child', gtPath, dtPath], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (run.status !== 0) throw new Error(`eval child failed:\n${run.stderr}`);
  const ours = JSON.parse(run.stdout) as { phasesMs: Record<string, number>; phasesCpuMs: Record<string, number>; totalMs: number; cpuMs: number; peakRssMB: number; summary: CocoSummary };
  console.log(`eval: from files ${ours.totalMs} ms wall, ${ours.cpuMs} ms CPU (CPU ms: ${Object.entries(ours.phasesCpuMs).map(([k, v]) => `${k} ${v}`).join(', ')}), peak RSS ${ours.peakRssMB} MB`);

  // 2. The evaluation alone, from columns already in memory (training's in-process call).
  const params = makeParams(gt);
  const inMemory = await time(3, () => summarize(accumulate(evaluateImages(gt, dt, params), params)));
  console.log(`eval: from columns ${inMemory.medianMs} ms (median of ${inMemory.runs})`);

  // 3. pycocotools on the same files, in this run.
  const python = process.env.NASFPN_PYCOCOTOOLS_PYTHON ?? DEFAULT_PYTHON;
  let pycocotools: { ms: number; cpuMs: number; summary: CocoSummary } | null = null;
  if (existsSync(python)) {
    console.log(`eval: running pycocotools (${python}); this takes a minute or more`);
    const py = spawnSync(python, ['scripts/coco-expected.py', '--gt', gtPath, '--dt', dtPath], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (py.status !== 0) throw new Error(`pycocotools failed:\n${py.stderr}`);
    const out = JSON.parse(py.stdout) as { stats: CocoSummary; seconds: number; cpuSeconds: number };
    pycocotools = { ms: Math.round(out.seconds * 1000), cpuMs: Math.round(out.cpuSeconds * 1000), summary: out.stats };
    console.log(`eval: pycocotools ${pycocotools.ms} ms wall, ${pycocotools.cpuMs} ms CPU (load + evaluate + accumulate + summarize)`);
  } else {
    console.log(`eval: no pycocotools Python at ${python}; set NASFPN_PYCOCOTOOLS_PYTHON to compare`);
  }

  const maxAbsDiff = pycocotools
    ? Math.max(...SUMMARY_KEYS.map((k) => Math.abs(ours.summary[k] - pycocotools!.summary[k])))
    : null;
  // Wall time is what a user waits; CPU time is steadier on a shared machine (both processes single-threaded
  // apart from Node's GC helpers).
  const ratio = (a: number, b: number) => Math.round((a / b) * 10) / 10;
  const speedup = pycocotools ? ratio(pycocotools.ms, ours.totalMs) : null;
  const cpuSpeedup = pycocotools ? ratio(pycocotools.cpuMs, ours.cpuMs) : null;
  if (pycocotools) {
    console.log(`eval: ${speedup}× pycocotools from files in wall time, ${cpuSpeedup}× in CPU time (target ≥ ${TARGET_SPEEDUP}×); 12 numbers agree to ${maxAbsDiff!.toExponential(1)}`);
  }
  console.log(`eval: peak RSS ${ours.peakRssMB} MB (target < ${TARGET_PEAK_RSS_MB} MB)`);
  writeResult('eval', {
    note: 'Timed on a shared 2-core machine with other work running; pycocotools runs in the same bench run on the same files.',
    data: { ...SPEC, gt: gt.annotations.count, detections: dt.count },
    ours: { fromFilesMs: ours.totalMs, fromFilesCpuMs: ours.cpuMs, phasesMs: ours.phasesMs, phasesCpuMs: ours.phasesCpuMs, fromColumns: inMemory, peakRssMB: ours.peakRssMB },
    pycocotools: pycocotools ? { ms: pycocotools.ms, cpuMs: pycocotools.cpuMs, python } : null,
    speedup,
    cpuSpeedup,
    targetSpeedup: TARGET_SPEEDUP,
    numbersAgree: maxAbsDiff === null ? null : maxAbsDiff <= 1e-9,
    maxAbsDiff,
    peakRssUnderTarget: ours.peakRssMB < TARGET_PEAK_RSS_MB,
    summary: ours.summary,
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
