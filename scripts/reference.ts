// The reference measurement (scripts/reference.mjs runs this; docs/search.md, "The reference"): trains every
// architecture of src/search/reference.ts's plan with `nasfpn train`, scores its final checkpoint with
// `nasfpn eval --json`, and keeps OUT/results.json and OUT/summary.md up to date after each run. Resumable: a run
// with its eval.json is done and skipped, a run with a checkpoint is resumed (`nasfpn train --resume`), so the
// command can be stopped at any time and run again — later with a faster training engine (`--train-arg`), more
// samples, seeds or stacks; the runs already done stay. Runs one training at a time.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { findSplits } from '../src/data/dataset.js';
import { writeFileAtomic } from '../src/runtime/atomic.js';
import type { CheckedProgram, PyramidNetworkIR } from '../src/semantics/ir.js';
import { fileHost } from '../src/semantics/file-host.js';
import { checkFile } from '../src/semantics/program.js';
import {
  formatReferenceSummary, referenceArchitectures, referenceFile, referenceNames, referencePlan, referenceReward, summarizeReference,
  type ReferenceRunPlan, type ReferenceRunResult,
} from '../src/search/reference.js';

const USAGE = `usage: node scripts/reference.mjs --out DIR [options]
  --recipe FILE#TRAIN        the reference recipe (default examples/scales.fpn#scales)
  --space FILE#SEARCH        the space the samples come from (default examples/scales.fpn#scales_space)
  --baseline NAME=FILE#PYR   a baseline pyramid, repeatable (default fpn=examples/fpn.fpn#fpn_cells, nasfpn=examples/nasfpn.fpn#nasfpn)
  --samples N                architectures drawn from the space (default 10)
  --sample-seed N            the seed they are drawn with (default 1)
  --noise-seeds LIST         training seeds of the baselines, at every stack count (default 1,2,3)
  --sample-seeds LIST        training seeds of the samples, at the first stack count (default 1)
  --stacks LIST              stack counts of the baselines; samples take the first (default 1,3)
  --last K                   the reward: the mean AP of the last K evaluations (default 3)
  --data DIR                 the dataset (default the recipe's)
  --only ID,...              run only these runs (ids as --dry-run lists them)
  --train-arg ARG            passed to every \`nasfpn train\`, repeatable (e.g. --train-arg=--backend=tensorflow)
  --cli PATH                 the nasfpn command to run (default bin/nasfpn.js of this checkout)
  --dry-run                  write the architecture files and list the runs, train nothing`;

const list = (text: string) => text.split(',').map((x) => x.trim()).filter(Boolean);
const integers = (text: string, flag: string) => list(text).map((x) => {
  const n = Number(x);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag}: '${x}' is not a positive integer`);
  return n;
});

/** A bad command line: said with the usage, exit 2. */
class UsageError extends Error {}
/** Bad input (a file with errors, a name it lacks, an OUT of another measurement): said alone, exit 1. */
class InputError extends Error {}

/** FILE#NAME, and the checked program of FILE (or a usage error naming what is wrong). */
function load(target: string, flag: string): { program: CheckedProgram; name: string; file: string } {
  const [file, name] = target.split('#');
  if (!file || !name) throw new UsageError(`${flag} takes FILE#NAME, not '${target}'`);
  const checked = checkFile(resolve(file), fileHost);
  if (!checked.program) {
    const errors = checked.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
    throw new InputError(`${file}: ${errors.length ? errors.join('; ') : 'cannot read it'}`);
  }
  return { program: checked.program, name, file: resolve(file) };
}

function pyramidFrom(target: string, flag: string): PyramidNetworkIR {
  const { program, name, file } = load(target, flag);
  const pyramid = program.pyramids.find((p) => p.name === name);
  if (!pyramid) throw new InputError(`${file} has no pyramid '${name}'`);
  return pyramid;
}

/** The evaluations a run logged (metrics.jsonl lines of kind eval), in step order. */
function evaluations(runDir: string): ReferenceRunResult['evals'] {
  const path = join(runDir, 'metrics.jsonl');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter((line) => line.startsWith('{')).flatMap((line) => {
    try {
      const record = JSON.parse(line);
      return record.kind === 'eval' ? [{ step: record.step as number, metrics: record.metrics as Record<string, number> }] : [];
    } catch {
      return []; // a last line cut short by a kill
    }
  });
}

/**
 * Whether the run's newest checkpoint is its last step: `nasfpn train` also exits 0 when a signal stops it early
 * (resumable), and such a run must not be scored as finished.
 */
function trainingFinished(runDir: string): boolean {
  const latest = join(runDir, 'latest');
  if (!existsSync(latest)) return false;
  const state = JSON.parse(readFileSync(join(runDir, 'checkpoints', readFileSync(latest, 'utf8').trim(), 'state.json'), 'utf8')) as {
    step: number; data: { images: number; batchSize: number }; recipe: { length: { unit: 'steps' | 'epochs'; count: number } };
  };
  const { unit, count } = state.recipe.length;
  const total = unit === 'steps' ? count : count * Math.floor(state.data.images / state.data.batchSize); // an epoch drops its last partial batch
  return state.step >= total;
}

/** Runs `cli args…` with its output appended to `log`; true when it exits 0. */
function runCli(cli: string, args: string[], log: string): boolean {
  const fd = openSync(log, 'a');
  try {
    const child = spawnSync(process.execPath, [cli, ...args], { stdio: ['ignore', fd, fd] });
    return child.status === 0;
  } finally {
    closeSync(fd);
  }
}

/** `root`: the checkout, whose bin/nasfpn.js is the default command. */
export function main(argv: string[], root: string): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' }, recipe: { type: 'string', default: 'examples/scales.fpn#scales' },
      space: { type: 'string', default: 'examples/scales.fpn#scales_space' }, baseline: { type: 'string', multiple: true },
      samples: { type: 'string', default: '10' }, 'sample-seed': { type: 'string', default: '1' },
      'noise-seeds': { type: 'string', default: '1,2,3' }, 'sample-seeds': { type: 'string', default: '1' },
      stacks: { type: 'string', default: '1,3' }, last: { type: 'string', default: '3' }, data: { type: 'string' },
      only: { type: 'string' }, 'train-arg': { type: 'string', multiple: true }, cli: { type: 'string' },
      'dry-run': { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.out) throw new UsageError('--out DIR is required');
  const out = resolve(values.out);
  const cli = resolve(values.cli ?? join(root, 'bin', 'nasfpn.js'));
  const [samples] = values.samples === '0' ? [0] : integers(values.samples, '--samples');
  const [sampleSeed] = integers(values['sample-seed'], '--sample-seed');
  const [last] = integers(values.last, '--last');
  const stacks = integers(values.stacks, '--stacks');
  const noiseSeeds = integers(values['noise-seeds'], '--noise-seeds');
  const sampleSeeds = integers(values['sample-seeds'], '--sample-seeds');

  const recipeTarget = load(values.recipe, '--recipe');
  const recipe = recipeTarget.program.trains.find((t) => t.name === recipeTarget.name);
  if (!recipe) throw new InputError(`${recipeTarget.file} has no train recipe '${recipeTarget.name}'`);
  const data = resolve(values.data ?? recipe.data.path);
  const spaceTarget = samples! > 0 ? load(values.space, '--space') : null;
  const space = spaceTarget ? spaceTarget.program.searchSpaces.find((s) => s.name === spaceTarget.name) ?? null : null;
  if (spaceTarget && !space) throw new InputError(`${spaceTarget.file} has no search space '${spaceTarget.name}'`);
  const baselineTargets = values.baseline ?? ['fpn=examples/fpn.fpn#fpn_cells', 'nasfpn=examples/nasfpn.fpn#nasfpn'];
  const baselines = baselineTargets.map((b) => {
    const [name, target] = b.split('=');
    if (!name || !target || !/^[a-z][a-z0-9_]*$/.test(name)) throw new UsageError(`--baseline takes NAME=FILE#PYRAMID with a lower-case name, not '${b}'`);
    return { name, pyramid: pyramidFrom(target, '--baseline') };
  });

  // The measurement's identity: runs made under another recipe, reward or architecture list are not mixed in.
  const archs = referenceArchitectures(baselines, space, samples!, sampleSeed!);
  mkdirSync(join(out, 'archs'), { recursive: true });
  mkdirSync(join(out, 'runs'), { recursive: true });
  const identity = {
    version: 1,
    recipe: recipe.name,
    recipeText: referenceFile({ ...archs[0]!, name: 'probe' }, recipe, [1], relative(join(out, 'archs'), data) || '.'),
    last, sampleSeed, space: space?.name ?? null,
  };
  const digest = createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 16);
  const configPath = join(out, 'config.json');
  if (existsSync(configPath)) {
    const stored = JSON.parse(readFileSync(configPath, 'utf8'));
    if (stored.digest !== digest) throw new InputError(`${out} holds a measurement with another recipe, reward, data or sample seed (config.json); give another --out`);
  }
  writeFileAtomic(configPath, JSON.stringify({ ...identity, digest, data, stacks, noiseSeeds, sampleSeeds, samples, architectures: archs.map((a) => ({ name: a.name, kind: a.kind, hash: a.hash })) }, null, 2) + '\n');
  for (const arch of archs) {
    const file = join(out, 'archs', `${arch.name}.fpn`);
    writeFileAtomic(file, referenceFile(arch, recipe, arch.kind === 'sample' ? [stacks[0]!] : stacks, relative(dirname(file), data) || '.'));
  }

  const plan = referencePlan(archs, { stacks, noiseSeeds, sampleSeeds });
  const only = values.only ? new Set(list(values.only)) : null;
  const wanted = plan.filter((r) => !only || only.has(r.id));
  if (only && wanted.length < only.size) throw new UsageError(`--only names runs that are not in the plan (see --dry-run)`);
  const runDir = (r: ReferenceRunPlan) => join(out, 'runs', r.id);
  const done = (r: ReferenceRunPlan) => existsSync(join(runDir(r), 'eval.json'));
  if (values['dry-run']) {
    for (const r of plan) console.log(`${r.id.padEnd(24)} ${done(r) ? 'done' : existsSync(join(runDir(r), 'latest')) ? 'started' : 'to run'}`);
    console.log(`${plan.length} runs, ${plan.filter(done).length} done; architecture files in ${join(out, 'archs')}`);
    return 0;
  }

  const results = (): ReferenceRunResult[] => plan.filter(done).map((r) => {
    const evals = evaluations(runDir(r));
    const final = JSON.parse(readFileSync(join(runDir(r), 'eval.json'), 'utf8')) as { perCategory: { name: string; AP: number }[] };
    const timing = existsSync(join(runDir(r), 'seconds')) ? Number(readFileSync(join(runDir(r), 'seconds'), 'utf8')) : NaN;
    // COCOeval's −1 marks a category without ground truth in the val split: no number, left out.
    const perCategory = Object.fromEntries(final.perCategory.filter((c) => c.AP >= 0).map((c) => [c.name, c.AP]));
    return { ...r, evals, perCategory, reward: referenceReward(evals, last!), seconds: timing };
  });
  // The dataset's supercategories group the per-category APs into families (docs/data.md: shape, token, plate).
  const valSplit = findSplits(data).find((split) => split.split.startsWith('val'));
  const families: Record<string, string> = valSplit
    ? Object.fromEntries((JSON.parse(readFileSync(valSplit.annotations, 'utf8')).categories as { name: string; supercategory?: string }[])
      .flatMap((c) => (c.supercategory ? [[c.name, c.supercategory]] : [])))
    : {};
  const writeSummary = () => {
    const finished = results();
    const summary = summarizeReference(finished, stacks, { families });
    writeFileAtomic(join(out, 'results.json'), JSON.stringify({ config: { ...identity, recipeText: undefined, digest, data, stacks, noiseSeeds, sampleSeeds }, runs: finished, summary }, null, 2) + '\n');
    writeFileAtomic(join(out, 'summary.md'), `# Reference measurement (${finished.length} of ${plan.length} runs)\n\n${formatReferenceSummary(summary, stacks)}`);
  };

  let failed = 0;
  for (const r of wanted) {
    if (done(r)) continue;
    const dir = runDir(r);
    const log = `${dir}.log`;
    const arch = archs.find((a) => a.name === r.arch)!;
    const start = performance.now();
    const trainArgs = existsSync(join(dir, 'latest'))
      ? ['train', '--resume', dir]
      : ['train', `${join(out, 'archs', `${arch.name}.fpn`)}#${referenceNames(arch, r.stacks).train}`, '-o', dir, '--seed', String(r.seed), '--force'];
    console.log(`${r.id}: ${trainArgs[1] === '--resume' ? 'resuming' : 'training'} (log ${relative(process.cwd(), log)})`);
    const trained = runCli(cli, [...trainArgs, ...(values['train-arg'] ?? [])], log);
    if (trained && !trainingFinished(dir)) {
      console.log(`${r.id}: stopped before its last step; run the same command again to resume`);
      break;
    }
    const scored = trained && runCli(cli, ['eval', dir, '--json', '-o', join(dir, 'eval.json')], log);
    if (!scored) {
      failed++;
      console.log(`${r.id}: failed, see ${log}`);
      continue;
    }
    writeFileAtomic(join(dir, 'seconds'), String(Math.round((performance.now() - start) / 1000))); // the session that finished it
    writeSummary();
    console.log(`${r.id}: reward ${referenceReward(evaluations(dir), last!).toFixed(4)}`);
  }
  writeSummary();
  console.log(`${plan.filter(done).length} of ${plan.length} runs done; ${join(out, 'summary.md')}`);
  return failed ? 1 : 0;
}

export function run(argv: string[], root: string): number {
  try {
    return main(argv, root);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`reference: ${(error as Error).message}\n${USAGE}`);
      return 2;
    }
    if (error instanceof InputError) {
      console.error(`reference: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
