// The run directory (format in docs/search.md): config, strategy and RNG state, one file per trial, the event
// log and the best architecture. Every file but the event log is replaced atomically, so a kill at any moment
// leaves each file either as it was or as it became.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../runtime/atomic.js';
import type { RandomState } from '../util/random.js';
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

/** The run directory is missing, incomplete or not a run directory. */
export class RunDirectoryError extends Error {}

const TRIALS = 'trials';
const trialFile = (id: number) => `${String(id).padStart(6, '0')}.json`;

export class RunStore {
  private constructor(readonly dir: string, readonly config: RunConfig) {}

  /** A new run in `dir`, which must not hold a run already. */
  static create(dir: string, config: RunConfig): RunStore {
    if (existsSync(join(dir, 'config.json'))) {
      throw new RunDirectoryError(`${dir} already holds a search run: resume it with --resume ${dir}, or pick another --run directory`);
    }
    mkdirSync(join(dir, TRIALS), { recursive: true });
    writeFileAtomic(join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
    return new RunStore(dir, config);
  }

  static open(dir: string): RunStore {
    const path = join(dir, 'config.json');
    let config: RunConfig;
    try {
      config = JSON.parse(readFileSync(path, 'utf8')) as RunConfig;
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      throw new RunDirectoryError(missing ? `${dir} is not a search run (no config.json)` : `${path} is not valid JSON: ${(error as Error).message}`);
    }
    if (config.version !== 1) throw new RunDirectoryError(`${path}: run directory format ${String(config.version)} is not supported (this nasfpn reads 1)`);
    mkdirSync(join(dir, TRIALS), { recursive: true });
    return new RunStore(dir, config);
  }

  trials(): TrialRecord[] {
    const dir = join(this.dir, TRIALS);
    const files = readdirSync(dir).filter((f) => /^\d{6,}\.json$/.test(f)).sort();
    return files.map((f) => {
      try {
        return JSON.parse(readFileSync(join(dir, f), 'utf8')) as TrialRecord;
      } catch (error) {
        throw new RunDirectoryError(`${join(dir, f)} is not a trial record: ${(error as Error).message}`);
      }
    }).sort((a, b) => a.id - b.id);
  }

  /** One trial's record, or null when it is not written (or not readable). */
  readTrial(id: number): TrialRecord | null {
    try {
      return JSON.parse(readFileSync(join(this.dir, TRIALS, trialFile(id)), 'utf8')) as TrialRecord;
    } catch {
      return null;
    }
  }

  writeTrial(trial: TrialRecord): void {
    writeFileAtomic(join(this.dir, TRIALS, trialFile(trial.id)), JSON.stringify(trial, null, 2) + '\n');
  }

  readState(): RunState | null {
    const path = join(this.dir, 'state.json');
    if (!existsSync(path)) return null;
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as RunState;
    } catch (error) {
      throw new RunDirectoryError(`${path} is not valid JSON: ${(error as Error).message}`);
    }
  }

  writeState(state: RunState): void {
    writeFileAtomic(join(this.dir, 'state.json'), JSON.stringify(state) + '\n');
  }

  appendEvent(event: SearchEvent): void {
    appendFileSync(join(this.dir, 'events.jsonl'), JSON.stringify(event) + '\n');
  }

  /** Every complete event line of every session of the run. */
  events(): SearchEvent[] {
    const path = join(this.dir, 'events.jsonl');
    if (!existsSync(path)) return [];
    return readFileSync(path, 'utf8').split('\n').flatMap((line) => {
      const event = parseEventLine(line);
      return event ? [event] : [];
    });
  }

  writeBest(fpn: string): void {
    writeFileAtomic(join(this.dir, 'best.fpn'), fpn);
  }
}
