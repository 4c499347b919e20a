// `nasfpn search FILE`: the architecture search over a `search` space (docs/search.md), printing one JSON event
// per line on stdout; `nasfpn search --resume RUN` continues a run; `nasfpn search export RUN` writes the best
// architectures as .fpn files. Glue only: the engine lives in src/search.
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import type { Command } from 'commander';
import { writeFileAtomic } from '../runtime/atomic.js';
import { hasErrors } from '../diagnostics/diagnostics.js';
import type { SearchSpaceIR } from '../semantics/ir.js';
import type { SearchListener } from '../search/events.js';
import type { Executor } from '../search/executor.js';
import type { RunConfig, TrialRecord } from '../search/records.js';
import type { RewardSpec } from '../search/records.js';
import type { BackendName } from '../runtime/backend.js';
import { assertNever } from '../util/assert-never.js';
import type { RunStore } from '../search/store.js';
import { STRATEGY_NAMES, type StrategyName } from '../search/strategies/strategy.js';
import { DEFAULT_QUEUE_NAME, isRedisUrl } from '../search/queue-address.js';
import { ioFault } from '../runtime/io-fault.js';
import { InputError, IoError, messagePath, UsageError } from './errors.js';
import { displayPath } from './report.js';
import { terminalLine } from '../util/escape.js';

/** Trials kept on a Redis queue at once when --parallel is not given. */
const DEFAULT_QUEUE_PARALLEL = 8;

interface SearchOptions {
  space?: string;
  strategy: string;
  strategyOption: string[];
  reward: string;
  trials: string;
  seed: string;
  run?: string;
  resume?: string;
  workers?: string;
  queue?: string;
  queueName: string;
  parallel?: string;
  backend?: string;
  quiet?: boolean;
  /** --no-ui: JSON lines even on a terminal. */
  ui: boolean;
}

export const wholeNumber = (value: string, flag: string, min: number): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be a whole number ≥ ${min}, not '${value}'`);
  return n;
};

function parseStrategyOptions(pairs: string[]): Record<string, number> {
  // A null prototype: `__proto__=1` is an option name like any other (and then an unknown one).
  const options: Record<string, number> = Object.create(null);
  for (const pair of pairs) {
    const [key, value] = pair.split('=', 2);
    if (!key || value === undefined || !Number.isFinite(Number(value))) throw new UsageError(`--strategy-option takes key=number, not '${pair}'`);
    options[key] = Number(value);
  }
  return options;
}

/** The search space of a run: its stored text checked again (imports resolve beside the original file). */
async function spaceOf(config: RunConfig): Promise<SearchSpaceIR> {
  const [{ checkText }, { fileHost }] = await Promise.all([import('../semantics/program.js'), import('../semantics/file-host.js')]);
  const result = checkText(config.spaceText, config.spaceFile, fileHost);
  const space = result.program?.searchSpaces.find((s) => s.name === config.space);
  if (hasErrors(result.diagnostics) || !space) {
    throw new InputError(`the run's search space '${config.space}' (${displayPath(config.spaceFile)}) no longer checks: ${result.diagnostics.find((d) => d.severity === 'error')?.message ?? 'not found'}`);
  }
  return space;
}

const timestamp = () => new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

export function registerSearch(program: Command): void {
  const search = program
    .command('search')
    .description('search a `search` space for pyramid architectures (JSON events on stdout; docs/search.md)')
    .argument('[file]', '.fpn file with a search declaration, or FILE#NAME (not with --resume)')
    .option('--space <name>', 'which search declaration (default: the first in the file)')
    .option('--strategy <name>', `how to propose architectures: ${STRATEGY_NAMES.join(', ')}`, 'ppo')
    .option('--strategy-option <key=value>', 'a strategy setting, e.g. lr=0.01 or population=50 (repeatable)', (v: string, all: string[]) => [...all, v], [])
    .option('--reward <spec>', "the reward: 'proxy' (train the space's proxy detector, AP on held-out images: proxy:data=DIR,steps=100,...) " +
      "or 'target' (a known-optimum surrogate for demos: target:delay=100,seed=2)", 'target')
    .option('--trials <n>', 'trials to propose, repeats included', '100')
    .option('--seed <n>', 'seed of the strategy and the rewards', '0')
    .option('--run <dir>', 'the run directory (default: runs/<space>-<time>)')
    .option('--resume <dir>', 'continue the run in this directory (its config wins over the other options)')
    .option('--workers <n>', 'local worker processes; 0 runs trials in the search process (default: one per core)')
    .option('--queue <url>', 'send trials to a BullMQ queue on Redis (redis://HOST:PORT) for `nasfpn worker`s instead of local workers')
    .option('--queue-name <name>', 'the BullMQ queue', DEFAULT_QUEUE_NAME)
    .option('--parallel <n>', `trials in flight at once on a queue (default ${DEFAULT_QUEUE_PARALLEL})`)
    .option('--backend <name>', 'TF.js backend of the ppo controller and of the local workers\' proxy training (default: the fastest available)')
    .option('-q, --quiet', 'no events on stdout (the run directory still gets them)')
    .option('--no-ui', 'print JSON lines even on a terminal (off a terminal they are always printed)')
    .action(async (file: string | undefined, options: SearchOptions) => {
      const store = options.resume ? await openRun(options.resume, file) : await createRun(file, options);
      const config = store.config;
      const space = await spaceOf(config);

      // Heavy modules only now: TF.js for the controller, bullmq for a queue.
      const [{ runSearch }, { createStrategy }, { rewardTrains }] = await Promise.all([
        import('../search/search.js'), import('../search/strategies/index.js'), import('../search/reward.js'),
      ]);
      let tf = null;
      // The controller trains in this process, and so does a reward that trains when trials run here (--workers 0);
      // a --backend for local workers is checked here, before they start.
      const needsBackend = !config.queue && rewardTrains(config.reward) && (config.workers === 0 || options.backend !== undefined);
      if (config.strategy === 'ppo' || needsBackend) {
        const backend = await import('../runtime/backend.js');
        await backend.initBackend(options.backend);
        tf = await backend.loadTf();
      }
      let strategy;
      try {
        strategy = createStrategy(config.strategy, { space, seed: config.seed, options: config.strategyOptions }, tf);
      } catch (error) {
        if (error instanceof RangeError) throw new UsageError(error.message);
        throw error;
      }
      const executor = await makeExecutor(config, options);
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      let listeners: SearchListener[] = options.quiet ? [] : [(event) => process.stdout.write(JSON.stringify(event) + '\n')];
      // On a terminal the search shows its dashboard (src/tui, ink loaded only here): p pauses new trials,
      // q (and Ctrl-C, which raw mode turns into a key) stops the search as SIGINT does.
      let ui: { close(): Promise<void>; closeWhenDismissed(): Promise<void> } | null = null;
      let runExecutor: Executor = executor;
      if (!options.quiet && options.ui !== false && process.stdout.isTTY === true) {
        const [{ openSearchUi }, { PausableExecutor }] = await Promise.all([import('../tui/index.js'), import('../search/pausable.js')]);
        const pausable = new PausableExecutor(executor);
        runExecutor = pausable;
        const opened = openSearchUi({ pause: () => pausable.pause(), resume: () => pausable.resume(), quit: stop }, { run: store.dir });
        listeners = [opened.listener];
        ui = opened;
      }
      // On a queue, the events also go to a Redis stream, for `nasfpn search watch redis://…` on other machines.
      let publisher: import('../search/event-stream.js').RedisEventPublisher | null = null;
      if (config.queue) {
        const { RedisEventPublisher, runIdOf } = await import('../search/event-stream.js');
        publisher = new RedisEventPublisher({
          url: config.queue, queueName: options.queueName, runId: runIdOf(store.dir, config), config, trialRecord: (id) => store.readTrial(id),
        });
        await publisher.start();
        listeners = [...listeners, publisher.listener];
      }
      try {
        const summary = await runSearch({ store, space, strategy, executor: runExecutor, listeners, signal: abort.signal });
        // The whole budget ran: the final dashboard stays until q (a stop by q or a signal closes it at once).
        if (summary.reason === 'budget') await ui?.closeWhenDismissed();
      } catch (error) {
        const fault = ioFault(error);
        if (!fault) throw error;
        throw new IoError(`${fault.path ? `${messagePath(fault.path)}: ` : ''}${fault.text} (${fault.code}). The run directory keeps every trial ` +
          `finished before this (each file is replaced whole; a last event line cut short is passed over); trials in flight run again. ` +
          `Fix the cause, then continue with \`nasfpn search --resume ${store.dir}\``);
      } finally {
        store.close();
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        strategy.dispose();
        await ui?.close();
        await publisher?.close();
        if (publisher?.pending) process.stderr.write(`nasfpn search: ${publisher.pending} events could not be sent to ${terminalLine(config.queue ?? '')} (the run directory has them all)\n`);
      }
    });

  search
    .command('export')
    .exitOverride()
    .description('write the best architectures of a run as .fpn files (pyramid + the proxy detector around it)')
    .argument('<run>', 'the run directory')
    .option('--top <k>', 'how many (distinct architectures, best first)', '5')
    .requiredOption('-o, --output <dir>', 'directory for top1.fpn, top2.fpn, ...')
    .action(async (run: string, options: { top: string; output: string }) => {
      const top = wholeNumber(options.top, '--top', 1);
      // A reader: the run may be searching still.
      const { bestTrials, exportText } = await import('../search/export.js');
      const { config, trials } = await readRun(run);
      const space = await spaceOf(config);
      const best = bestTrials(trials, top);
      if (!best.length) throw new InputError(`${run} has no finished trial yet`);
      mkdirSync(options.output, { recursive: true });
      best.forEach((trial, i) => {
        const path = join(options.output, `top${i + 1}.fpn`);
        writeFileAtomic(path, exportText(trial, i + 1, { space, reward: config.reward, dir: options.output }));
        process.stdout.write(`${displayPath(path)}  reward ${trial.reward}  trial ${trial.id}\n`);
      });
    });
}

/** A run store error is bad input (a missing or damaged run directory). */
async function orInputError<T>(read: (store: typeof import('../search/store.js')) => T): Promise<T> {
  const store = await import('../search/store.js');
  try {
    return read(store);
  } catch (error) {
    if (error instanceof store.RunDirectoryError) throw new InputError(error.message);
    throw error;
  }
}
/** Lines about damaged files of a run: on stderr, beside the events on stdout. */
export const warn = (message: string) => process.stderr.write(`nasfpn search: warning: ${terminalLine(message)}\n`);

function readRun(dir: string): Promise<{ config: RunConfig; trials: TrialRecord[] }> {
  return orInputError(({ readRunConfig, readTrials }) => ({ config: readRunConfig(dir), trials: readTrials(dir, warn) }));
}

async function openRun(dir: string, file: string | undefined): Promise<RunStore> {
  if (file !== undefined) throw new UsageError('--resume takes the run directory; the search space comes from its config (drop the file argument)');
  return orInputError(({ RunStore, readRunConfig }) => {
    if (readRunConfig(dir).strategy === 'fixed') {
      throw new UsageError(`${dir} is one of a study's runs: continue the study by running its \`nasfpn search study\` command again (same arguments, its --run directory)`);
    }
    return RunStore.open(dir, warn);
  });
}

async function createRun(argument: string | undefined, options: SearchOptions): Promise<RunStore> {
  if (argument === undefined) throw new UsageError('give the .fpn file with the search space, or --resume RUN');
  if (!(STRATEGY_NAMES as readonly string[]).includes(options.strategy)) {
    throw new UsageError(`--strategy must be one of ${STRATEGY_NAMES.join(', ')}, not '${options.strategy}'`);
  }
  const [{ parseRewardSpec }, { checkSpaceSearchable }, { RunStore }, { loadSearchSpace, readInput }] = await Promise.all([
    import('../search/reward.js'), import('../search/space.js'), import('../search/store.js'), import('./load.js'),
  ]);
  let reward;
  try {
    reward = parseRewardSpec(options.reward);
  } catch (error) {
    throw new UsageError(`--reward: ${(error as Error).message}`);
  }
  if (options.backend !== undefined) {
    // A bad name is a usage error before the run directory exists (the backend itself starts later).
    const { parseBackendName } = await import('../runtime/backend.js');
    try {
      parseBackendName(options.backend);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  const trials = wholeNumber(options.trials, '--trials', 1);
  const seed = wholeNumber(options.seed, '--seed', 0);
  const strategyOptions = parseStrategyOptions(options.strategyOption);
  if (options.queue && !isRedisUrl(options.queue)) throw new UsageError(`--queue takes redis://HOST:PORT, not '${options.queue}'`);
  if (options.queue && options.workers !== undefined) throw new UsageError('--workers and --queue exclude each other: queue workers are `nasfpn worker` processes');
  const workers = options.queue ? 0 : options.workers !== undefined ? wholeNumber(options.workers, '--workers', 0) : await defaultWorkers(reward, options.backend);

  // FILE#NAME or --space NAME, read as every command reads names (src/cli/load.ts).
  const loaded = await loadSearchSpace(argument, { name: options.space, flag: '--space' });
  const file = loaded.file;
  const space = loaded.chosen;
  const unsearchable = checkSpaceSearchable(space);
  if (unsearchable) throw new InputError(`${displayPath(file)}: ${unsearchable}`);
  await checkReward(reward, space, file);

  const dir = options.run ?? join('runs', `${space.name}-${timestamp()}`);
  if (existsSync(join(dir, 'config.json'))) throw new InputError(`${dir} already holds a search run: continue it with --resume ${dir}, or choose another --run`);
  if (existsSync(dir) && readdirSync(dir).length) throw new InputError(`${dir} exists and is not empty; choose another --run`);
  const config: RunConfig = {
    version: 1, spaceFile: resolve(file), spaceText: readInput(file), space: space.name,
    strategy: options.strategy as StrategyName, strategyOptions, reward, seed, trials, workers,
    queue: options.queue ?? null, createdAt: new Date().toISOString(),
  };
  return RunStore.create(dir, config, warn);
}

/**
 * Checks the reward against the space before the run starts (a bad budget, a space without a proxy detector, a
 * dataset folder that is not one), makes its data folder absolute (workers may start in another folder), and pins
 * a warm start (`init=`) to a checkpoint folder and its content address.
 */
export async function checkReward(reward: RewardSpec, space: SearchSpaceIR, file: string, flag = '--reward'): Promise<void> {
  const { rewardProblem } = await import('../search/reward.js');
  let problem: string | null;
  try {
    problem = rewardProblem(reward, space);
  } catch (error) {
    throw new UsageError(`${flag}: ${(error as Error).message}`);
  }
  if (problem) throw new InputError(`${displayPath(file)}: ${problem}`);
  if (reward.name === 'proxy') {
    const { proxyWarning, readProxyOptions } = await import('../search/proxy-budget.js');
    const warning = proxyWarning(space, readProxyOptions(reward));
    if (warning) process.stderr.write(`nasfpn search: warning: ${terminalLine(warning)}\n`);
  }
  if (typeof reward.options.data === 'string') {
    reward.options.data = resolve(reward.options.data);
    const { findSplits } = await import('../data/dataset.js');
    const splits = findSplits(reward.options.data).map((s) => s.split);
    if (!splits.some((s) => s.startsWith('train')) || !splits.some((s) => s.startsWith('val'))) {
      throw new InputError(`${flag} proxy: ${displayPath(reward.options.data)} needs a train and a val split (annotations/instances_train.json and ` +
        `instances_val.json; it has ${splits.length ? splits.join(', ') : 'none'}); make one with \`nasfpn data synth -o DIR\``);
    }
  }
  if (typeof reward.options.init === 'string') await pinWarmStart(reward, flag);
}

/**
 * `init=RUN|CKPT` as the run records it: the checkpoint folder (a training run's newest), absolute, and
 * `initHash`, its content address, which every worker checks, so that rewards from two inits never share a run.
 */
async function pinWarmStart(reward: RewardSpec, flag: string): Promise<void> {
  const { latestCheckpointDir, readCheckpoint } = await import('../train/checkpoint.js');
  const given = resolve(String(reward.options.init));
  const dir = latestCheckpointDir(given) ?? given;
  let contentAddress: string;
  try {
    contentAddress = readCheckpoint(dir).contentAddress;
  } catch (error) {
    throw new InputError(`${flag} proxy: init=${displayPath(given)} is not a checkpoint or a training run with one: ${(error as Error).message}`);
  }
  if (reward.options.initHash !== undefined && reward.options.initHash !== contentAddress) {
    throw new InputError(`${flag} proxy: the checkpoint ${displayPath(dir)} has content address ${contentAddress}, not initHash=${reward.options.initHash}`);
  }
  reward.options.init = dir;
  reward.options.initHash = contentAddress;
}

/**
 * Local workers so that workers × the threads each one's backend uses fit the cores. A reward without tensors
 * (or on wasm, single-threaded in Node) takes one core a worker; tfjs-node's TensorFlow uses every core for each
 * op, and a GPU backend has one device, so those get one worker. The backend is chosen here as the workers will.
 */
export async function defaultWorkers(reward: RewardSpec, backend: string | undefined): Promise<number> {
  const { rewardTrains } = await import('../search/reward.js');
  if (!rewardTrains(reward)) return availableParallelism();
  const { initBackend } = await import('../runtime/backend.js');
  const { name } = await initBackend(backend);
  return Math.max(1, Math.floor(availableParallelism() / backendThreads(name)));
}

function backendThreads(name: BackendName): number {
  switch (name) {
    case 'tfjs-node':
    case 'tfjs-node-gpu':
    case 'webgpu':
      return availableParallelism();
    case 'wasm':
    case 'cpu':
      return 1;
    default:
      return assertNever(name, 'backend');
  }
}

/** The executor of a run: its queue, the search process itself (`--workers 0`), or local worker processes. */
export async function makeExecutor(config: RunConfig, options: Pick<SearchOptions, 'parallel' | 'queueName' | 'backend'>) {
  if (config.queue) {
    const { RedisQueueExecutor } = await import('../search/queue.js');
    const parallel = options.parallel !== undefined ? wholeNumber(options.parallel, '--parallel', 1) : DEFAULT_QUEUE_PARALLEL;
    return new RedisQueueExecutor({ url: config.queue, queueName: options.queueName, capacity: parallel });
  }
  if (config.workers === 0) {
    const { InProcessExecutor } = await import('../search/executor.js');
    return new InProcessExecutor();
  }
  const [{ LocalPool }, { rewardTrains }] = await Promise.all([import('../search/pool.js'), import('../search/reward.js')]);
  // The workers are this same CLI (`nasfpn worker --ipc`), started as child processes. For a reward that trains,
  // each chooses its TF.js backend before it says it is ready, so worker.joined names it.
  const requested = options.backend ?? process.env.NASFPN_BACKEND ?? 'auto';
  const backend = rewardTrains(config.reward) ? ['--backend', requested] : [];
  return new LocalPool(config.workers, { module: process.argv[1], args: ['worker', '--ipc', ...backend] });
}
