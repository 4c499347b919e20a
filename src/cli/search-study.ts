// `nasfpn search study FILE#SPACE --proxy SPEC --reference SPEC --run DIR`: how well a proxy reward ranks
// architectures against a reference reward (docs/search.md, "Measuring a proxy: search study"). Glue only: the
// list, the runs' layout and the statistics are src/search/study.ts's; each run is the search engine's, with its
// workers, run store and events. Running the same command again continues where it stopped.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { writeFileAtomic } from '../runtime/atomic.js';
import { ioFault, readText } from '../runtime/fs.js';
import type { CheckedProgram, PyramidNetworkIR, SearchSpaceIR } from '../semantics/ir.js';
import type { SearchEvent } from '../search/events.js';
import type { RewardSpec, RunConfig, TrialRecord } from '../search/records.js';
import type { StudyConfig, StudyRunName } from '../search/study.js';
import { terminalLine } from '../util/escape.js';
import { InputError, IoError, messagePath, UsageError } from './errors.js';
import { displayPath } from './report.js';
import { searchCommand } from './search-ui.js';
import { checkReward, defaultWorkers, makeExecutor, warn, wholeNumber } from './search.js';

interface StudyOptions {
  space?: string;
  architectures: string;
  seed: string;
  proxy?: string;
  reference?: string;
  run?: string;
  repeat: string;
  fpn: string;
  nasfpn: string;
  workers?: string;
  backend?: string;
  json?: boolean;
}

/** [issue 23] asks for ρ over at least 12 architectures. */
const DEFAULT_ARCHITECTURES = 12;
/** Architectures trained a second time by default: the two baselines and one sample. */
const DEFAULT_REPEAT = 3;
const STUDY_FILE = 'study.json';

export function registerSearchStudy(program: Command): void {
  // `search` has options of the same names (--run, --seed, --workers, …): after `study` they are the study's.
  searchCommand(program)
    .enablePositionalOptions()
    .command('study')
    .exitOverride()
    .description('score a fixed set of architectures (FPN, NAS-FPN, samples of the space) under a proxy and a reference reward: rank correlation, noise, scatter plot')
    .argument('<file>', '.fpn file with the search space, FILE#NAME')
    .option('--space <name>', 'which search declaration (default: the first in the file)')
    .option('--architectures <k>', 'FPN, NAS-FPN and k − 2 samples of the space', String(DEFAULT_ARCHITECTURES))
    .option('--seed <n>', 'seed of the samples, the trials and the bootstrap', '1')
    .option('--proxy <spec>', 'the reward under study, as --reward takes it (proxy:steps=200,...)')
    .option('--reference <spec>', "the reward it should agree with (e.g. proxy:last=3: the space's proxy recipe's full schedule)")
    .option('--run <dir>', 'the study directory (the same command again continues it)')
    .option('--repeat <n>', 'train the first n architectures a second time, with another seed: the noise floor', String(DEFAULT_REPEAT))
    .option('--fpn <pyramid>', 'the pyramid of the file that is FPN (Figure 7a)', 'fpn_cells')
    .option('--nasfpn <pyramid>', 'the pyramid of the file that is NAS-FPN (Figure 7f)', 'nasfpn')
    .option('--workers <n>', 'local worker processes; 0 runs trials in this process (default: as `nasfpn search`)')
    .option('--backend <name>', "TF.js backend of the workers' training (default: the fastest available)")
    .option('--json', 'print the report as JSON (it is also written to the study directory)')
    .action(async (file: string, options: StudyOptions) => {
      if (!options.proxy || !options.reference) throw new UsageError('a study needs both rewards: --proxy SPEC and --reference SPEC');
      if (!options.run) throw new UsageError('a study needs its directory: --run DIR (the same command again continues it)');
      const dir = options.run;
      const { config, pyramids, space, spaceText } = await studyConfig(file, options);
      await openStudy(dir, config);
      const workers = options.workers !== undefined ? wholeNumber(options.workers, '--workers', 0) : null;
      const { STUDY_RUNS, studyRunSize } = await import('../search/study.js');
      let stopped = false;
      try {
        for (const run of STUDY_RUNS) {
          if (studyRunSize(config, run) === 0) continue;
          stopped = await runOne(dir, run, config, { pyramids, space, spaceText, workers, backend: options.backend });
          if (stopped) break;
        }
      } catch (error) {
        const fault = ioFault(error);
        if (!fault) throw error;
        throw new IoError(`${fault.path ? `${messagePath(fault.path)}: ` : ''}${fault.text} (${fault.code}). Every trial finished before this is kept; ` +
          'fix the cause and run the same command again to continue');
      }
      const { report, text } = await writeReport(dir, config);
      process.stdout.write(options.json ? JSON.stringify(report, null, 2) + '\n' : text);
      if (stopped) process.stderr.write(`nasfpn search study: stopped; run the same command again to continue ${displayPath(dir)}\n`);
    });
}

/** The study the command line asks for, with its architectures' pyramids (checked, the rewards pinned). */
async function studyConfig(argument: string, options: StudyOptions): Promise<{ config: StudyConfig; pyramids: PyramidNetworkIR[]; space: SearchSpaceIR; spaceText: string }> {
  const [{ parseRewardSpec }, { checkSpaceSearchable }, { loadSearchSpace, readInput }, { studyArchitectures, studyList, studyReferenceProblem }] = await Promise.all([
    import('../search/reward.js'), import('../search/space.js'), import('./load.js'), import('../search/study.js'),
  ]);
  const spec = (text: string, flag: string): RewardSpec => {
    try {
      return parseRewardSpec(text);
    } catch (error) {
      throw new UsageError(`${flag}: ${(error as Error).message}`);
    }
  };
  const proxy = spec(options.proxy!, '--proxy');
  const reference = spec(options.reference!, '--reference');
  // Before the reward's own checks: a reference asking for early stopping is refused whatever else it lacks.
  let referenceProblem: string | null;
  try {
    referenceProblem = studyReferenceProblem(reference);
  } catch (error) {
    throw new UsageError(`--reference: ${(error as Error).message}`);
  }
  if (referenceProblem) throw new UsageError(`--reference: ${referenceProblem}`);
  const k = wholeNumber(options.architectures, '--architectures', 2);
  const seed = wholeNumber(options.seed, '--seed', 0);
  const repeat = wholeNumber(options.repeat, '--repeat', 0);
  const loaded = await loadSearchSpace(argument, { name: options.space, flag: '--space' });
  const space = loaded.chosen;
  const unsearchable = checkSpaceSearchable(space);
  if (unsearchable) throw new InputError(`${displayPath(loaded.file)}: ${unsearchable}`);
  await checkReward(proxy, space, loaded.file, '--proxy');
  await checkReward(reference, space, loaded.file, '--reference');
  const baselines = { fpn: pyramidNamed(loaded.program, options.fpn, '--fpn', loaded.file), nasfpn: pyramidNamed(loaded.program, options.nasfpn, '--nasfpn', loaded.file) };
  let archs;
  try {
    archs = studyArchitectures(space, baselines, k, seed);
  } catch (error) {
    if (error instanceof RangeError) throw new InputError(`${displayPath(loaded.file)}: ${error.message}`);
    throw error;
  }
  const config: StudyConfig = {
    version: 1, spaceFile: resolve(loaded.file), space: space.name, baselines: { fpn: options.fpn, nasfpn: options.nasfpn },
    architectures: k, seed, proxy, reference, noise: Math.min(repeat, k), list: studyList(archs), createdAt: new Date().toISOString(),
  };
  return { config, pyramids: archs.map((a) => ({ ...a.pyramid, name: a.name })), space, spaceText: readInput(loaded.file) };
}

/** The pyramid `name` of the file: declared there, or imported and used by one of its detectors or recipes. */
function pyramidNamed(program: CheckedProgram, name: string, flag: string, file: string): PyramidNetworkIR {
  const used = [...program.detectors, ...program.trains.map((t) => t.detector)].map((d) => d.pyramid);
  const found = [...program.pyramids, ...used].find((p) => p.name === name);
  if (!found) {
    throw new InputError(`${displayPath(file)} has no pyramid '${name}' (${flag}): declare or import it (import { ${name} } from "…"), or name another with ${flag}`);
  }
  return found;
}

/** Creates the study directory with its study.json, or checks that the one there is this study. */
async function openStudy(dir: string, config: StudyConfig): Promise<void> {
  const path = join(dir, STUDY_FILE);
  if (existsSync(path)) {
    let stored: StudyConfig;
    try {
      stored = JSON.parse(readText(path)) as StudyConfig;
    } catch (error) {
      throw new InputError(`${displayPath(path)} is not valid JSON: ${(error as Error).message}`);
    }
    if (stored.version !== 1) throw new InputError(`${displayPath(path)}: study format ${String(stored.version)} is not supported (this nasfpn reads 1)`);
    const { studyDifferences } = await import('../search/study.js');
    const differs = studyDifferences(stored, config);
    if (differs.length) {
      throw new UsageError(`${displayPath(dir)} holds a study with other ${differs.join(', ')}: run the command that started it, or choose another --run`);
    }
    return;
  }
  if (existsSync(dir) && readdirSync(dir).length) throw new InputError(`${displayPath(dir)} exists, is not empty and holds no study; choose another --run`);
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(path, JSON.stringify(config, null, 2) + '\n');
}

interface RunContext {
  pyramids: PyramidNetworkIR[];
  space: SearchSpaceIR;
  spaceText: string;
  workers: number | null;
  backend: string | undefined;
}

/** Runs (or continues) one of the study's runs until its trials are done; true when a signal stopped it. */
async function runOne(dir: string, run: StudyRunName, config: StudyConfig, context: RunContext): Promise<boolean> {
  const [{ RunStore, readTrials }, { runSearch }, { studyRunReward, studyRunSeed, studyRunSize }, { rewardTrains }] = await Promise.all([
    import('../search/store.js'), import('../search/search.js'), import('../search/study.js'), import('../search/reward.js'),
  ]);
  const runDir = join(dir, run);
  const size = studyRunSize(config, run);
  const ended = (trials: readonly TrialRecord[]) => trials.filter((t) => t.status === 'finished' || t.status === 'failed').length;
  if (existsSync(join(runDir, 'config.json')) && ended(readTrials(runDir, warn)) >= size) return false;
  const reward = studyRunReward(config, run);
  let store;
  if (existsSync(join(runDir, 'config.json'))) {
    store = RunStore.open(runDir, warn);
  } else {
    const workers = context.workers ?? await defaultWorkers(reward, context.backend);
    const runConfig: RunConfig = {
      version: 1, spaceFile: config.spaceFile, spaceText: context.spaceText, space: config.space, strategy: 'fixed', strategyOptions: {},
      reward, seed: studyRunSeed(config, run), trials: size, workers, queue: null, createdAt: new Date().toISOString(),
    };
    store = RunStore.create(runDir, runConfig, warn);
  }
  // Trials run in this process (--workers 0) need its TF.js backend.
  if (store.config.workers === 0 && rewardTrains(reward)) {
    const backend = await import('../runtime/backend.js');
    await backend.initBackend(context.backend);
  }
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const names = config.list.map((a) => a.name);
  const progress = (event: SearchEvent) => {
    if (event.type === 'trial.finished' || event.type === 'trial.failed') {
      const stoppedAt = event.type === 'trial.finished' ? event.metrics.stoppedAtStep : undefined;
      const outcome = event.type === 'trial.finished'
        ? `reward ${event.reward.toFixed(4)} in ${event.seconds?.toFixed(1) ?? '—'} s${stoppedAt !== undefined ? ` (stopped early at step ${stoppedAt})` : ''}`
        : `failed${event.willRetry ? ' (retrying)' : ''}: ${terminalLine(event.error)}`;
      process.stderr.write(`nasfpn search study: ${run} ${event.trial}/${size} ${names[event.trial - 1]}: ${outcome}\n`);
    }
  };
  try {
    const executor = await makeExecutor(store.config, { queueName: '', backend: context.backend });
    const summary = await runSearch({
      store, space: context.space, strategy: null, fixed: context.pyramids.slice(0, size), executor, listeners: [progress], signal: abort.signal,
    });
    return summary.reason === 'stopped';
  } finally {
    store.close();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/** Reads the four runs' trials, writes report.json, report.md and scatter.svg, and returns the report with its text. */
async function writeReport(dir: string, config: StudyConfig) {
  const [{ readTrials }, { STUDY_RUNS, formatStudyReport, studyReport, studyScatter }, { renderPlot }] = await Promise.all([
    import('../search/store.js'), import('../search/study.js'), import('../viz/plot.js'),
  ]);
  const trials = Object.fromEntries(STUDY_RUNS.map((run) => [run, existsSync(join(dir, run)) ? readTrials(join(dir, run), warn) : []])) as Record<StudyRunName, TrialRecord[]>;
  const report = studyReport(config, trials);
  const text = formatStudyReport(report);
  writeFileAtomic(join(dir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  writeFileAtomic(join(dir, 'report.md'), text);
  writeFileAtomic(join(dir, 'scatter.svg'), renderPlot(studyScatter(report)));
  return { report, text };
}
