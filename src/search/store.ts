// The run directory (format in docs/search.md, "The run directory"): config, strategy and RNG state, one file
// per trial, the event log and the best architecture. This module is the only code that knows the format: the
// search writes through a RunStore, and everything else (`search watch`, `search report`, `search export`, the
// terminal UI) reads through the functions below. Every file but the event log is replaced atomically, so a
// kill at any moment leaves each file either as it was or as it became.
//
// Damage after the fact (a disk error, a hand edit) costs only the damaged file. Readers pass over a damaged
// trial record or event line with a warning. The writer, which holds the run's lock (src/runtime/run-lock.ts),
// sets a damaged trial record or state.json aside as damaged-<name> (never deleting it) and says which trials
// the search must rebuild from the event log or run again (src/search/search.ts does that).
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../runtime/atomic.js';
import { appendFile, readText } from '../runtime/fs.js';
import { lockRunDirectory, type RunLock } from '../runtime/run-lock.js';
import type { RandomState } from '../util/random.js';
import { sleep } from '../util/sleep.js';
import { parseEventLine, type SearchEvent } from './events.js';
import type { RunConfig, TrialRecord, TrialStatus } from './records.js';
import { RunDirectoryError } from './errors.js';
// Defined apart so the CLI's error taxonomy can load it without the store; its users import it from here.
export { RunDirectoryError };

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

/** A line for people about a damaged file or line the reading passed over. */
export type Warn = (message: string) => void;

/** config.json, checked for its format version. */
export function readRunConfig(dir: string): RunConfig {
  const path = join(dir, CONFIG_FILE);
  let text: string;
  try {
    text = readText(path);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    if (!missing) throw error;
    throw new RunDirectoryError(`${dir} is not a search run (no ${CONFIG_FILE})`);
  }
  const config = parseJson<RunConfig>(path, text);
  if (config?.version !== FORMAT) throw new RunDirectoryError(`${path}: run directory format ${String(config?.version)} is not supported (this nasfpn reads ${FORMAT})`);
  return config;
}

/** One trial's record, or null when it is not (yet) written or cannot be read. */
export function readTrial(dir: string, id: number): TrialRecord | null {
  try {
    return trialRecordOf(readText(join(dir, TRIALS_DIR, trialFile(id))), id);
  } catch {
    return null;
  }
}

/** Every intact trial record, by id; each damaged one is passed over with a warning naming it. */
export function readTrials(dir: string, warn: Warn): TrialRecord[] {
  return scanTrials(dir, (path, reason) => warn(`${path} ${reason}: passed over`)).trials;
}

/** state.json, or null when the run has not written it yet. Throws RunDirectoryError when it is damaged. */
export function readRunState(dir: string): RunState | null {
  const path = join(dir, STATE_FILE);
  if (!existsSync(path)) return null;
  const state = parseJson<RunState>(path, readText(path));
  if (!isRunState(state)) throw new RunDirectoryError(`${path} is not the search's state`);
  return state;
}

/**
 * Every event of events.jsonl; [] when there is none. A line that is not an event is passed over, with a
 * warning naming it unless it is the last line cut short (as a kill leaves it).
 */
export function readEvents(dir: string, warn: Warn = () => {}): SearchEvent[] {
  const path = join(dir, EVENTS_FILE);
  if (!existsSync(path)) return [];
  const lines = readText(path).split('\n');
  return lines.flatMap((line, i) => {
    if (!line.trim()) return [];
    const event = parseEventLine(line);
    if (!event && i < lines.length - 1) warn(`${path}:${i + 1}: not an event: passed over`);
    return event ? [event] : [];
  });
}

const TRIAL_STATUSES: readonly TrialStatus[] = ['queued', 'running', 'finished', 'failed'];

/** The record in a trial file's text, when it is one and has the file's id; null otherwise. */
function trialRecordOf(text: string, id: number): TrialRecord | null {
  let value: Partial<TrialRecord> | null;
  try {
    value = JSON.parse(text) as Partial<TrialRecord> | null;
  } catch {
    return null;
  }
  const ok = value !== null && typeof value === 'object' && value.id === id && typeof value.hash === 'string' && typeof value.fpn === 'string' &&
    Array.isArray(value.decisions) && TRIAL_STATUSES.includes(value.status as TrialStatus);
  return ok ? (value as TrialRecord) : null;
}

function isRunState(value: Partial<RunState> | null): value is RunState {
  return value !== null && typeof value === 'object' && Number.isInteger(value.nextTrial) && Array.isArray(value.observed) && Array.isArray(value.random);
}

/** The intact trial records (by id) and the damaged files, each handed to `damaged` with why. */
function scanTrials(dir: string, damaged: (path: string, reason: string, id: number) => void): { trials: TrialRecord[] } {
  const trialsDir = join(dir, TRIALS_DIR);
  if (!existsSync(trialsDir)) return { trials: [] };
  const trials: TrialRecord[] = [];
  for (const file of readdirSync(trialsDir).filter((f) => TRIAL_FILE.test(f))) {
    const id = Number(file.slice(0, -'.json'.length));
    const path = join(trialsDir, file);
    const record = trialRecordOf(readText(path), id);
    if (record) trials.push(record);
    else damaged(path, `is not trial ${id}'s record (damaged)`, id);
  }
  return { trials: trials.sort((a, b) => a.id - b.id) };
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

/** Renames a damaged file to damaged-<name> beside it (damaged-<name>.N when that is taken); returns the new path. */
function setAside(path: string): string {
  const base = `damaged-${basename(path)}`;
  let target = join(dirname(path), base);
  for (let n = 2; existsSync(target); n++) target = join(dirname(path), `${base}.${n}`);
  renameSync(path, target);
  return target;
}

// ---------------------------------------------------------------------------------------------------
// Writing: the search process that owns the run, holding its lock.

/** What a resumed run finds: the intact trial records and the ids of those that were damaged (set aside). */
export interface StoredTrials {
  trials: TrialRecord[];
  damaged: number[];
}

export class RunStore {
  private constructor(
    readonly dir: string,
    readonly config: RunConfig,
    private readonly lock: RunLock,
    /** Where lines about damaged files go (the search prints them on stderr). */
    readonly warn: Warn,
  ) {}

  /** A new run in `dir`, which must not hold a run already. Takes the run's lock; `warn` hears about damaged files. */
  static create(dir: string, config: RunConfig, warn: Warn): RunStore {
    const lock = lockRunDirectory(dir, 'nasfpn search', warn);
    try {
      if (existsSync(join(dir, CONFIG_FILE))) {
        throw new RunDirectoryError(`${dir} already holds a search run: resume it with --resume ${dir}, or pick another --run directory`);
      }
      mkdirSync(join(dir, TRIALS_DIR), { recursive: true });
      writeFileAtomic(join(dir, CONFIG_FILE), JSON.stringify(config, null, 2) + '\n');
    } catch (error) {
      lock.release();
      throw error;
    }
    return new RunStore(dir, config, lock, warn);
  }

  /** The run in `dir`, to continue it. Takes the run's lock (a second writer is refused). */
  static open(dir: string, warn: Warn): RunStore {
    if (!existsSync(join(dir, CONFIG_FILE))) throw new RunDirectoryError(`${dir} is not a search run (no ${CONFIG_FILE})`);
    const lock = lockRunDirectory(dir, 'nasfpn search', warn);
    try {
      const config = readRunConfig(dir);
      mkdirSync(join(dir, TRIALS_DIR), { recursive: true });
      sealEventLog(join(dir, EVENTS_FILE));
      return new RunStore(dir, config, lock, warn);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /** Gives up the run's lock. */
  close(): void {
    this.lock.release();
  }

  /** The intact trial records; a damaged one is set aside (trials/damaged-NNNNNN.json) and its id listed. */
  loadTrials(): StoredTrials {
    const damaged: number[] = [];
    const { trials } = scanTrials(this.dir, (path, reason, id) => {
      damaged.push(id);
      this.warn(`${path} ${reason}: set aside as ${setAside(path)}`);
    });
    return { trials, damaged: damaged.sort((a, b) => a - b) };
  }

  /** One trial's record, or null when it is not written (or not readable). */
  readTrial(id: number): TrialRecord | null {
    return readTrial(this.dir, id);
  }

  writeTrial(trial: TrialRecord): void {
    writeFileAtomic(join(this.dir, TRIALS_DIR, trialFile(trial.id)), JSON.stringify(trial, null, 2) + '\n');
  }

  /** state.json, or null when there is none, or when it is damaged (then set aside as damaged-state.json, with a warning). */
  readState(): RunState | null {
    try {
      return readRunState(this.dir);
    } catch (error) {
      if (!(error instanceof RunDirectoryError)) throw error;
      this.warn(`${error.message}: set aside as ${setAside(join(this.dir, STATE_FILE))}; the strategy relearns from the finished trials`);
      return null;
    }
  }

  writeState(state: RunState): void {
    writeFileAtomic(join(this.dir, STATE_FILE), JSON.stringify(state) + '\n');
  }

  appendEvent(event: SearchEvent): void {
    appendFile(join(this.dir, EVENTS_FILE), JSON.stringify(event) + '\n');
  }

  /** Every event of every session of the run (damaged lines passed over with a warning). */
  events(): SearchEvent[] {
    return readEvents(this.dir, this.warn);
  }

  writeBest(fpn: string): void {
    writeFileAtomic(join(this.dir, BEST_FILE), fpn);
  }
}

/** Ends a last line cut short (by a kill, or a disk that filled mid-line) so that the next event starts a line of its own. */
function sealEventLog(path: string): void {
  if (!existsSync(path)) return;
  const fd = openSync(path, 'r');
  const last = Buffer.alloc(1);
  try {
    const { size } = fstatSync(fd);
    if (size === 0 || (readSync(fd, last, 0, 1, size - 1) === 1 && last[0] === NEWLINE)) return;
  } finally {
    closeSync(fd);
  }
  appendFile(path, '\n');
}

const NEWLINE = 0x0a;
