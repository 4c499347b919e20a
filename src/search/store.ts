// The run directory (format in docs/search.md, "The run directory"): config, strategy and RNG state, one file
// per trial, the event log and the best architecture. This module is the only code that knows the format: the
// search writes through a RunStore, and everything else (`search watch`, `search report`, `search export`, the
// terminal UI) reads through the functions below. Every file but the event log is replaced atomically, so a
// kill at any moment leaves each file either as it was or as it became.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../runtime/atomic.js';
import type { RandomState } from '../util/random.js';
import { sleep } from '../util/sleep.js';
import { parseEventLine, type SearchEvent } from './events.js';
import type { RunConfig, TrialRecord } from './records.js';

/** state.json: where the search and its strategy are. */
export interface RunState {
  version: 1;
  /** The id the next proposal gets. */
  nextTrial: number;
  /** The search's own RNG (per-trial reward seeds). */
  random: RandomState;
  strategy: unknown;
  /** Ids of the trials the strategy has learned from. */
  observed: number[];
  updatedAt: string;
}

/** The run directory is missing, incomplete or not a run directory; the message names the file. */
export class RunDirectoryError extends Error {}

const CONFIG_FILE = 'config.json';
const STATE_FILE = 'state.json';
const EVENTS_FILE = 'events.jsonl';
const BEST_FILE = 'best.fpn';
const TRIALS_DIR = 'trials';
/** Format version of the run directory this code reads and writes. */
const FORMAT = 1;
const TRIAL_FILE = /^\d{6,}\.json$/;
const trialFile = (id: number): string => `${String(id).padStart(6, '0')}.json`;

// ---------------------------------------------------------------------------------------------------
// Reading: for anyone, while the search runs or after; never writes.

/** Whether `dir` looks like a run directory (it has config.json or events.jsonl). */
export const isRunDir = (dir: string): boolean => existsSync(join(dir, CONFIG_FILE)) || existsSync(join(dir, EVENTS_FILE));

/** config.json, checked for its format version. */
export function readRunConfig(dir: string): RunConfig {
  const path = join(dir, CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new RunDirectoryError(missing ? `${dir} is not a search run (no ${CONFIG_FILE})` : `cannot read ${path}: ${(error as Error).message}`);
  }
  const config = parseJson<RunConfig>(path, text);
  if (config.version !== FORMAT) throw new RunDirectoryError(`${path}: run directory format ${String(config.version)} is not supported (this nasfpn reads ${FORMAT})`);
  return config;
}

/** One trial's record, or null when it is not (yet) written or cannot be read. */
export function readTrial(dir: string, id: number): TrialRecord | null {
  try {
    return JSON.parse(readFileSync(join(dir, TRIALS_DIR, trialFile(id)), 'utf8')) as TrialRecord;
  } catch {
    return null;
  }
}

/** Every trial record, by id. A file that is not a trial record is an error naming it. */
export function readTrials(dir: string): TrialRecord[] {
  const trialsDir = join(dir, TRIALS_DIR);
  if (!existsSync(trialsDir)) return [];
  return readdirSync(trialsDir).filter((f) => TRIAL_FILE.test(f)).map((f) => {
    const path = join(trialsDir, f);
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as TrialRecord;
    } catch (error) {
      throw new RunDirectoryError(`${path} is not a trial record: ${(error as Error).message}`);
    }
  }).sort((a, b) => a.id - b.id);
}

/** state.json, or null when the run has not written it yet. */
export function readRunState(dir: string): RunState | null {
  const path = join(dir, STATE_FILE);
  if (!existsSync(path)) return null;
  return parseJson<RunState>(path, readFileSync(path, 'utf8'));
}

/** Every complete event line of every session of the run (a last line cut short by a kill is skipped); [] when there is none. */
export function readEvents(dir: string): SearchEvent[] {
  const path = join(dir, EVENTS_FILE);
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').flatMap((line) => {
    const event = line.trim() ? parseEventLine(line) : null;
    return event ? [event] : [];
  });
}

export interface TailOptions {
  /** How often to look for new lines. */
  pollMs?: number;
  signal?: AbortSignal;
  /** End once a search.finished event is the last line of the file (for a non-interactive watch). */
  untilFinished?: boolean;
}

/** Default poll interval for `search watch`: well under the UI's redraw interval's worth of lag. */
const TAIL_POLL_MS = 250;
/** The most bytes of the event log read at once while following it. */
const TAIL_CHUNK_BYTES = 1 << 20;

/**
 * The events of events.jsonl, those already there and then each one appended, until `signal` aborts.
 * Only complete lines are parsed: a line being written is held back until its newline arrives.
 * Waits for the file when the run has not written it yet.
 */
export async function* tailEvents(dir: string, options: TailOptions = {}): AsyncGenerator<SearchEvent> {
  const path = join(dir, EVENTS_FILE);
  const pollMs = options.pollMs ?? TAIL_POLL_MS;
  let offset = 0;
  let pending = '';
  const decoder = new TextDecoder();
  let lastType: string | null = null;
  while (!options.signal?.aborted) {
    const chunk = await readFrom(path, offset);
    if (chunk && chunk.length) {
      offset += chunk.length;
      pending += decoder.decode(chunk, { stream: true });
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const event = line.trim() ? parseEventLine(line) : null;
        if (!event) continue;
        lastType = event.type;
        yield event;
      }
      continue;
    }
    if (options.untilFinished && lastType === 'search.finished' && !pending) return;
    await sleep(pollMs, options.signal);
  }
}

async function readFrom(path: string, offset: number): Promise<Uint8Array | null> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return null;
  }
  try {
    const { size } = await handle.stat();
    if (size <= offset) return null;
    const buffer = new Uint8Array(Math.min(size - offset, TAIL_CHUNK_BYTES));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function parseJson<T>(path: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new RunDirectoryError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

// ---------------------------------------------------------------------------------------------------
// Writing: the search process that owns the run.

export class RunStore {
  private constructor(readonly dir: string, readonly config: RunConfig) {}

  /** A new run in `dir`, which must not hold a run already. */
  static create(dir: string, config: RunConfig): RunStore {
    if (existsSync(join(dir, CONFIG_FILE))) {
      throw new RunDirectoryError(`${dir} already holds a search run: resume it with --resume ${dir}, or pick another --run directory`);
    }
    mkdirSync(join(dir, TRIALS_DIR), { recursive: true });
    writeFileAtomic(join(dir, CONFIG_FILE), JSON.stringify(config, null, 2) + '\n');
    return new RunStore(dir, config);
  }

  /** The run in `dir`, to continue it. */
  static open(dir: string): RunStore {
    const config = readRunConfig(dir);
    mkdirSync(join(dir, TRIALS_DIR), { recursive: true });
    return new RunStore(dir, config);
  }

  trials(): TrialRecord[] {
    return readTrials(this.dir);
  }

  /** One trial's record, or null when it is not written (or not readable). */
  readTrial(id: number): TrialRecord | null {
    return readTrial(this.dir, id);
  }

  writeTrial(trial: TrialRecord): void {
    writeFileAtomic(join(this.dir, TRIALS_DIR, trialFile(trial.id)), JSON.stringify(trial, null, 2) + '\n');
  }

  readState(): RunState | null {
    return readRunState(this.dir);
  }

  writeState(state: RunState): void {
    writeFileAtomic(join(this.dir, STATE_FILE), JSON.stringify(state) + '\n');
  }

  appendEvent(event: SearchEvent): void {
    appendFileSync(join(this.dir, EVENTS_FILE), JSON.stringify(event) + '\n');
  }

  /** Every complete event line of every session of the run. */
  events(): SearchEvent[] {
    return readEvents(this.dir);
  }

  writeBest(fpn: string): void {
    writeFileAtomic(join(this.dir, BEST_FILE), fpn);
  }
}
