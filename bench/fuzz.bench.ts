// Hostile .fpn files through every command of the bundled CLI that reads one: check, fmt, stats, build,
// build --emit ts, draw, hash, export. The mutants are test/helpers/mutants.ts's classes (token edits, bit
// flips, splices, huge numbers, NUL bytes, unicode, Object.prototype's names, imports of devices and FIFOs,
// deep nesting, huge files, issue 27's hostile text), written to files; each run counts as
//   - an internal error: exit code 70, "internal error" or a stack trace in the output, or a crashed worker;
//   - slow: over RUN_LIMIT_MS (the run is then abandoned and its worker replaced);
//   - a leftover: a failed run that left its output file behind.
// Goal (issue 21): none of the three, on ≥ 1,000 mutants per command.
//
// The runs happen in process, in worker threads that import dist/main.js (built by `npm run build`) and call
// its `main(argv)` the way bin/nasfpn.js does, with standard output and error captured per run; a worker that
// runs past the limit is terminated. `build` (a TF.js model, on the cpu backend) runs on the mutants of the
// small sources only (the examples and fixtures whose every detector has under 5 M parameters, ResNet-10s of a
// few channels): building the examples' 60 M-parameter detectors a thousand times measures TF.js, not the
// language.
//
//   npm run bench fuzz                          1,000 mutants per command (FUZZ_MUTANTS), 1 worker (FUZZ_WORKERS)
//   FUZZ_MUTANTS=100 FUZZ_SEED=7 npm run bench fuzz
//   FUZZ_BUNDLE=/elsewhere/dist/main.js npm run bench fuzz    another build of the CLI (e.g. an older commit's)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { countModel } from '../src/codegen/count.js';
import { lowerDetector } from '../src/codegen/lower.js';
import { fileHost } from '../src/semantics/file-host.js';
import { checkText } from '../src/semantics/program.js';
import { Random } from '../src/util/random.js';
import { MUTATION_CLASSES, Mutator, validSources, type MutationClass } from '../test/helpers/mutants.js';
import { writeResult } from './lib.js';

const MUTANTS = Number(process.env.FUZZ_MUTANTS ?? 1000);
const SEED = Number(process.env.FUZZ_SEED ?? 20190417);
const WORKERS = Number(process.env.FUZZ_WORKERS ?? 1);
/** A run longer than this is a hang, as the issue counts them. */
const RUN_LIMIT_MS = 10_000;

interface Command {
  name: string;
  /** The command line for mutant file `file`, writing under `out`. */
  args(file: string, out: string): string[];
  /** The file or folder the command writes, which must not exist after a failed run. */
  output?(out: string): string;
  /** Run only on mutants of these sources (default: all). */
  smallOnly?: boolean;
}

const COMMANDS: Command[] = [
  { name: 'check', args: (f) => ['check', f] },
  { name: 'fmt', args: (f) => ['fmt', f] },
  { name: 'stats', args: (f) => ['stats', f] },
  { name: 'build', args: (f, o) => ['build', f, '-o', join(o, 'model'), '--backend', 'cpu'], output: (o) => join(o, 'model'), smallOnly: true },
  { name: 'build --emit ts', args: (f, o) => ['build', f, '--emit', 'ts', '-o', join(o, 'model.ts')], output: (o) => join(o, 'model.ts') },
  { name: 'draw', args: (f, o) => ['draw', f, '-o', join(o, 'drawing.svg')], output: (o) => join(o, 'drawing.svg') },
  { name: 'hash', args: (f) => ['hash', f] },
  { name: 'export', args: (f, o) => ['export', f, '--to', 'tf-spec', '-o', join(o, 'spec.json')], output: (o) => join(o, 'spec.json') },
];

// The worker: imports the bundle once (its own top-level run does `--version`), then runs what it is sent.
const WORKER_SOURCE = `
import { parentPort, workerData } from 'node:worker_threads';
const captured = { out: '', err: '' };
const write = (key) => (chunk, encoding, callback) => {
  captured[key] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  if (typeof encoding === 'function') encoding(); else if (typeof callback === 'function') callback();
  return true;
};
process.stdout.write = write('out');
process.stderr.write = write('err');
const { main } = await import(workerData.bundle);
await new Promise((r) => setTimeout(r, 50)); // let the import's own --version run finish
parentPort.on('message', async ({ id, argv }) => {
  captured.out = '';
  captured.err = '';
  process.exitCode = undefined;
  let code;
  try {
    code = await main(argv);
  } catch (error) {
    code = 'threw: ' + (error && error.stack || error);
  }
  parentPort.postMessage({ id, code, out: captured.out.slice(-4000), err: captured.err.slice(-4000) });
});
parentPort.postMessage({ ready: true });
`;

interface RunResult {
  code: number | string | null;
  out: string;
  err: string;
  ms: number;
  /** Why the run did not end normally: 'timeout' or the worker's error. */
  abnormal?: string;
}

/** A worker thread running the CLI; replaced when a run hangs or it dies. */
class CliWorker {
  private worker!: Worker;
  private ready!: Promise<void>;
  /** Ends the run in progress (with the worker's answer, a timeout or the worker's death). */
  private settle: ((result: Omit<RunResult, 'ms'>) => void) | null = null;
  private next = 0;

  constructor(private readonly bundle: string, private readonly workerFile: string) {
    this.start();
  }

  private start(): void {
    const worker = new Worker(this.workerFile, {
      workerData: { bundle: this.bundle }, argv: ['--version'], stdout: true, stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: 3072 },
      env: { ...process.env, NO_COLOR: '1', NASFPN_DEBUG: '' },
    });
    this.worker = worker;
    worker.stdout.resume();
    worker.stderr.resume();
    // Events of a worker that was replaced (a late answer after a timeout) are ignored.
    const current = () => worker === this.worker;
    this.ready = new Promise((ready) => {
      worker.on('message', (message) => {
        if (!current()) return;
        if (message.ready) ready();
        else this.settle?.(message);
      });
    });
    worker.on('error', (error) => {
      if (current()) this.settle?.({ code: null, out: '', err: '', abnormal: `worker died: ${error.message}` });
    });
    worker.on('exit', (code) => {
      if (current()) this.settle?.({ code: null, out: '', err: '', abnormal: `worker exited (${code})` });
    });
  }

  async run(argv: string[]): Promise<RunResult> {
    await this.ready;
    const started = performance.now();
    const result = await new Promise<Omit<RunResult, 'ms'>>((resolve) => {
      const timer = setTimeout(() => this.settle?.({ code: null, out: '', err: '', abnormal: 'timeout' }), RUN_LIMIT_MS);
      this.settle = (r) => {
        clearTimeout(timer);
        this.settle = null;
        resolve(r);
      };
      this.worker.postMessage({ id: this.next++, argv });
    });
    const ms = performance.now() - started;
    if (result.abnormal) {
      // A hung or dead worker is abandoned (a blocked read cannot be interrupted) and replaced.
      const old = this.worker;
      this.start();
      void old.terminate().catch(() => {});
      old.unref();
    }
    return { ...result, ms };
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}

const INTERNAL = /internal error|\n\s+at .+:\d+:\d+\)?\n|Maximum call stack/;

interface Tally {
  runs: number;
  internalErrors: number;
  slow: number;
  leftovers: number;
  exitCodes: Record<string, number>;
  slowestMs: number;
  totalMs: number;
  /** The first few problems, with the mutant that reproduces each. */
  examples: string[];
}

const newTally = (): Tally => ({ runs: 0, internalErrors: 0, slow: 0, leftovers: 0, exitCodes: {}, slowestMs: 0, totalMs: 0, examples: [] });

if (!process.env.FUZZ_BUNDLE) execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-fuzz-bench-'));
const fifo = join(scratch, 'fifo');
execFileSync('mkfifo', [fifo]);
const folder = join(scratch, 'folder.fpn');
mkdirSync(folder);
const workerFile = join(scratch, 'worker.mjs');
writeFileSync(workerFile, WORKER_SOURCE);

const sources = validSources();
/** Sources whose every detector has under SMALL_MODEL_PARAMETERS parameters: build runs on their mutants. */
const SMALL_MODEL_PARAMETERS = 5_000_000;
const sourcePath = (file: string) =>
  file.startsWith('valid-') ? join('test/fixtures/check', file.replace(/\.fpn$/, ''), 'input.fpn') : join('examples', file);
const small = new Set(sources.filter((s) => {
  const program = checkText(s.text, resolve(sourcePath(s.file)), fileHost).program;
  return program !== null && program.detectors.length > 0 &&
    program.detectors.every((d) => { const c = countModel(lowerDetector(d)); return c.trainable + c.nonTrainable < SMALL_MODEL_PARAMETERS; });
}).map((s) => s.file));
const mutator = new Mutator(sources, Random.seeded(SEED));
const pick = Random.seeded(SEED + 1);
const bundle = pathToFileURL(resolve(process.env.FUZZ_BUNDLE ?? 'dist/main.js')).href;
const workers = Array.from({ length: WORKERS }, () => new CliWorker(bundle, workerFile));
const byCommand = new Map(COMMANDS.map((c) => [c.name, newTally()]));
const byClass = new Map<MutationClass, Tally>(MUTATION_CLASSES.map((c) => [c, newTally()]));

/** The work: every mutant through every command (build: small sources only). */
interface Job { n: number; kind: MutationClass; file: string; dir: string; command: Command }
const jobs: Job[] = [];
for (let n = 0; n < MUTANTS; n++) {
  const kind = MUTATION_CLASSES[n % MUTATION_CLASSES.length];
  // Every fourth mutant is of a small source, so that build has its share.
  const source = n % 4 === 0 ? sources.filter((s) => small.has(s.file))[pick.int(small.size)] : sources[pick.int(sources.length)];
  const text = mutator.mutate(source, kind, { fifo, dir: folder });
  const dir = join(scratch, `m${n}`);
  mkdirSync(dir);
  // Some mutants also get a hostile file name (issue 27): a line end, quotes, a bidi control, an escape.
  const name = kind === 'hostile-text' && n % 2 === 0 ? `mutant-\n"'\u202e\x1b[2J.fpn` : `mutant-${kind}.fpn`;
  const file = join(dir, name);
  writeFileSync(file, text);
  for (const command of COMMANDS) {
    if (command.smallOnly && !small.has(source.file)) continue;
    jobs.push({ n, kind, file, dir, command });
  }
}
console.log(`fuzz: ${MUTANTS} mutants (seed ${SEED}), ${jobs.length} runs on ${WORKERS} worker(s), ${RUN_LIMIT_MS / 1000} s limit per run; build on mutants of ${[...small].join(', ')}`);

function record(tally: Tally, job: Job, result: RunResult, leftover: boolean): void {
  tally.runs++;
  tally.totalMs += result.ms;
  tally.slowestMs = Math.max(tally.slowestMs, result.ms);
  const code = result.abnormal ?? String(result.code);
  tally.exitCodes[code] = (tally.exitCodes[code] ?? 0) + 1;
  const internal = result.abnormal !== undefined && result.abnormal !== 'timeout' || result.code === 70 || typeof result.code === 'string' || INTERNAL.test(`${result.out}\n${result.err}`);
  const slow = result.abnormal === 'timeout' || result.ms > RUN_LIMIT_MS;
  if (internal) tally.internalErrors++;
  if (slow) tally.slow++;
  if (leftover) tally.leftovers++;
  if ((internal || slow || leftover) && tally.examples.length < 5) {
    const why = internal ? `internal error (${code}): ${(result.err || result.out).slice(-300)}` : slow ? `slow (${Math.round(result.ms)} ms)` : 'left its output behind';
    tally.examples.push(`mutant ${job.n} (${job.kind}, seed ${SEED}) ${job.command.name}: ${why}`);
  }
}

let done = 0;
const started = performance.now();
async function drain(worker: CliWorker): Promise<void> {
  for (let job = jobs.shift(); job; job = jobs.shift()) {
    const out = join(job.dir, job.command.name.replace(/\W+/g, '-'));
    mkdirSync(out);
    const result = await worker.run(job.command.args(job.file, out));
    const failed = result.code !== 0;
    const leftover = failed && job.command.output !== undefined && existsSync(job.command.output(out));
    record(byCommand.get(job.command.name)!, job, result, leftover);
    record(byClass.get(job.kind)!, job, result, leftover);
    rmSync(out, { recursive: true, force: true });
    if (++done % 250 === 0) console.log(`fuzz: ${done} runs, ${Math.round((performance.now() - started) / 1000)} s`);
  }
}
await Promise.all(workers.map(drain));
await Promise.all(workers.map((w) => w.close()));
rmSync(scratch, { recursive: true, force: true });

const summarize = (tally: Tally) => ({
  runs: tally.runs, internalErrors: tally.internalErrors, slow: tally.slow, leftovers: tally.leftovers,
  meanMs: Math.round(tally.totalMs / Math.max(1, tally.runs)), slowestMs: Math.round(tally.slowestMs), exitCodes: tally.exitCodes, examples: tally.examples,
});
const commands = Object.fromEntries([...byCommand].map(([name, tally]) => [name, summarize(tally)]));
const classes = Object.fromEntries([...byClass].map(([name, tally]) => [name, summarize(tally)]));
for (const [name, s] of Object.entries(commands)) {
  console.log(`${name.padEnd(16)} ${String(s.runs).padStart(5)} runs: ${s.internalErrors} internal errors, ${s.slow} over ${RUN_LIMIT_MS / 1000} s, ${s.leftovers} leftovers; mean ${s.meanMs} ms, slowest ${s.slowestMs} ms; exit codes ${JSON.stringify(s.exitCodes)}`);
  for (const example of s.examples) console.log(`    ${example}`);
}
const totals = [...byCommand.values()].reduce((a, t) => ({ internalErrors: a.internalErrors + t.internalErrors, slow: a.slow + t.slow, leftovers: a.leftovers + t.leftovers }), { internalErrors: 0, slow: 0, leftovers: 0 });
console.log(`fuzz: ${totals.internalErrors} internal errors, ${totals.slow} slow runs, ${totals.leftovers} leftovers in ${Math.round((performance.now() - started) / 1000)} s (goal: 0, 0, 0)`);
writeResult(process.env.FUZZ_BUNDLE ? 'fuzz-other-bundle' : 'fuzz', { bundle: process.env.FUZZ_BUNDLE ?? 'dist/main.js', mutants: MUTANTS, seed: SEED, workers: WORKERS, runLimitMs: RUN_LIMIT_MS, totals, commands, classes });
process.exit(0);
