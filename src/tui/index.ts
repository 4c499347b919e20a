// The search's terminal UI as the commands use it: `nasfpn search` (live, with controls) feeds it the
// engine's events; `nasfpn search watch` feeds it events.jsonl as another process appends to it. This
// module imports ink and React, so commands import it lazily, and only on a terminal.
import { createElement } from 'react';
import { render } from 'ink';
import type { BestSoFar, SearchEvent, SearchListener } from '../search/events.js';
import type { TrialRecord } from '../search/records.js';
import { SearchApp, type SearchUiControls } from './app.js';
import { exportBestTrial } from './export-best.js';
import { readTrial } from '../search/store.js';
import { pyramidOf } from './architectures.js';
import { trialsDone, type SearchState } from './state.js';
import { ThrottledStore } from './store.js';

export type { SearchUiControls } from './app.js';

// ANSI private modes: the alternate screen (with the cursor saved and restored).
const ENTER_ALTERNATE_SCREEN = '\x1b[?1049h';
const LEAVE_ALTERNATE_SCREEN = '\x1b[?1049l';

/** What stays on the screen after the UI closes: where the search stands. */
export function summaryLine(s: SearchState): string {
  const phase = s.phase === 'finished' ? (s.reason === 'budget' ? 'finished' : 'stopped') : s.phase === 'paused' ? 'waiting' : 'running';
  const best = s.best ? `; best trial ${s.best.trial}, reward ${s.best.reward.toFixed(4)} (${s.best.hash.slice(0, 12)})` : '';
  const resume = s.phase === 'finished' && s.reason === 'stopped' && s.run ? `; continue with: nasfpn search --resume ${s.run}` : '';
  return `search ${s.space ?? ''} ${phase}: ${trialsDone(s)}/${s.budget} trials, ${s.failed} failed${s.stoppedEarly ? `, ${s.stoppedEarly} stopped early` : ''}${best}${resume}`;
}

export interface SearchUiOptions {
  /** The run directory whose trial records the architecture views read; default: the one search.started names. */
  run?: string;
  /** Where `e` writes the best architecture; default: the current directory. */
  exportDir?: string;
  /** Where the architecture views get a trial's record; default: the run directory's trials/ folder. */
  loadTrial?: (id: number) => TrialRecord | null;
  /** What `e` does with the best trial; default: export it from the run directory into `exportDir`. */
  exportBest?: (best: BestSoFar) => Promise<string>;
  /** The state to start from (e.g. events.jsonl replayed). */
  initial?: SearchState;
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
}

export interface SearchUi {
  /** Give the UI an event (the engine's SearchListener). */
  listener: SearchListener;
  /** Resolves when the user has left the UI: q on a read-only view, or q and then the search stopped. */
  exited: Promise<void>;
  /** Draws the last state and closes the UI: the shell's screen comes back, with one summary line under it. */
  close(): Promise<void>;
  /**
   * After a search has run to its budget: keeps the final dashboard until the user presses q, then closes it.
   * Closes at once when there is no keyboard to press q on (stdin is not a terminal).
   */
  closeWhenDismissed(): Promise<void>;
}

/**
 * Opens the UI. `controls` steer a live search (p, q); null makes it read-only (`search watch`).
 * The caller feeds events to `listener` and closes the UI when the search is over (or awaits `exited`).
 */
export function openSearchUi(controls: SearchUiControls | null, options: SearchUiOptions = {}): SearchUi {
  const store = new ThrottledStore(options.initial);
  const runDir = () => options.run ?? store.getSnapshot().run;
  let exit!: () => void;
  const exited = new Promise<void>((resolve) => (exit = resolve));
  const loadTrial = options.loadTrial ?? ((id: number) => {
    const run = runDir();
    return run ? readTrial(run, id) : null;
  });
  const exportBest = options.exportBest ?? (async (best: BestSoFar): Promise<string> => {
    const run = runDir();
    if (!run) throw new Error('the search has not said where its run directory is yet');
    return exportBestTrial(run, best, options.exportDir ?? '.');
  });
  const stdout = options.stdout ?? process.stdout;
  // The dashboard draws on the terminal's alternate screen (as full-screen programs do): resizes redraw it
  // from the top-left corner, and the shell's screen comes back as it was when the UI closes.
  const alternate = stdout.isTTY === true;
  if (alternate) stdout.write(`${ENTER_ALTERNATE_SCREEN}\x1b[H`);
  const app = createElement(SearchApp, { store, controls, loadTrial, parsePyramid: (fpn: string) => pyramidOf(fpn), exportBest, onExit: () => exit() });
  const instance = render(app, {
    stdout,
    stdin: options.stdin ?? process.stdin,
    // q and Ctrl-C go through the controls, so the engine saves its state before anything exits.
    exitOnCtrlC: false,
    maxFps: 10,
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    store.close();
    // Let React commit the last batch before unmounting, so the last frame shows the final state.
    await new Promise((r) => setTimeout(r, 0));
    instance.unmount();
    await instance.waitUntilExit().catch(() => undefined);
    if (alternate) {
      stdout.write(LEAVE_ALTERNATE_SCREEN);
      stdout.write(`${summaryLine(store.getSnapshot())}\n`);
    }
    exit();
  };
  void exited.then(() => close());
  const interactive = (options.stdin ?? process.stdin).isTTY === true;
  const closeWhenDismissed = async () => {
    if (interactive) await exited;
    await close();
  };
  return { listener: store.push, exited, close, closeWhenDismissed };
}

/** Shows `events` until they end (and the user quits) or the user quits; for `search watch`. */
export async function runSearchUi(events: AsyncIterable<SearchEvent>, controls: SearchUiControls | null, options: SearchUiOptions = {}): Promise<void> {
  const ui = openSearchUi(controls, options);
  let stop = false;
  void ui.exited.then(() => (stop = true));
  const iterator = events[Symbol.asyncIterator]();
  const consume = (async () => {
    while (!stop) {
      const next = await Promise.race([iterator.next(), ui.exited.then(() => null)]);
      if (next === null || next.done) break;
      ui.listener(next.value);
    }
    // Not awaited: a tailing source may be waiting for data; the caller aborts it (see `search watch`).
    void iterator.return?.();
  })();
  await ui.exited;
  await consume;
}

