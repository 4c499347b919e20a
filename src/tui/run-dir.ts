// Reading a search's run directory (docs/search.md, "The run directory") from outside the engine: for
// `search watch` (which follows events.jsonl while another process appends to it) and for the report.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { parseEventLine, type SearchEvent } from '../search/events.js';
import type { RunConfig, TrialRecord } from '../search/records.js';
import { checkText } from '../semantics/program.js';
import { fileHost } from '../semantics/file-host.js';
import type { PyramidIR, SearchSpaceIR } from '../semantics/ir.js';
import { sleep } from '../util/sleep.js';

const EVENTS_FILE = 'events.jsonl';
const CONFIG_FILE = 'config.json';
const TRIALS_DIR = 'trials';

/** A run directory that is missing or unreadable; the message names the file. */
export class RunDirError extends Error {}

const trialPath = (run: string, id: number): string => join(run, TRIALS_DIR, `${String(id).padStart(6, '0')}.json`);

/** Whether `run` looks like a run directory (it has config.json or events.jsonl). */
export const isRunDir = (run: string): boolean => existsSync(join(run, CONFIG_FILE)) || existsSync(join(run, EVENTS_FILE));

export function readRunConfig(run: string): RunConfig {
  const path = join(run, CONFIG_FILE);
  return readJson<RunConfig>(path);
}

/** One trial's record, or null when it is not (yet) written or cannot be read. */
export function readTrial(run: string, id: number): TrialRecord | null {
  try {
    return readJson<TrialRecord>(trialPath(run, id));
  } catch {
    return null;
  }
}

/** Every trial record, by id. A torn file (written atomically, so only by hand) is an error naming it. */
export function readTrials(run: string): TrialRecord[] {
  const dir = join(run, TRIALS_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^\d+\.json$/.test(f))
    .map((f) => readJson<TrialRecord>(join(dir, f)))
    .sort((a, b) => a.id - b.id);
}

/** Every event of events.jsonl (a last line cut short by a kill is skipped); [] when there is none. */
export function readEvents(run: string): SearchEvent[] {
  const path = join(run, EVENTS_FILE);
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

/**
 * The events of events.jsonl, those already there and then each one appended, until `signal` aborts.
 * Only complete lines are parsed: a line being written is held back until its newline arrives.
 * Waits for the file when the run has not written it yet.
 */
export async function* tailEvents(run: string, options: TailOptions = {}): AsyncGenerator<SearchEvent> {
  const path = join(run, EVENTS_FILE);
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
    const buffer = new Uint8Array(Math.min(size - offset, 1 << 20));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** A run config's search space, checked from its text; null when it does not check (e.g. its imports are not on this machine). */
export function searchSpaceOfConfig(config: RunConfig): SearchSpaceIR | null {
  const result = checkText(config.spaceText, config.spaceFile, fileHost);
  return result.program?.searchSpaces.find((s) => s.name === config.space) ?? null;
}

/** The pyramid a trial's .fpn text declares, checked; null when it does not check. */
export function pyramidOf(fpn: string, label = 'trial.fpn'): PyramidIR | null {
  const pyramid = checkText(fpn, label).program?.pyramids[0];
  // Trials are merging-cell pyramids; a fixed `kind fpn` pyramid has no cells to draw as a grid.
  return pyramid?.kind === 'cells' ? pyramid : null;
}

function readJson<T>(path: string): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new RunDirError(`cannot read ${path}: no such file, or not readable`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new RunDirError(`${path} is not valid JSON (${(error as Error).message})`);
  }
}
