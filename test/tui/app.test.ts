// The ink dashboard with ink-testing-library: frames asserted on the fixture run's real event sequence, and
// every key. The store is flushed by hand (its redraw tick is not waited for).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createElement } from 'react';
import { render, cleanup } from 'ink-testing-library';
import { render as inkRender } from 'ink';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { SearchApp, type SearchAppProps, type SearchUiControls } from '../../src/tui/app.js';
import { ThrottledStore } from '../../src/tui/store.js';
import { readEvents, readTrial } from '../../src/search/store.js';
import { pyramidOf } from '../../src/tui/architectures.js';
import type { SearchEvent } from '../../src/search/events.js';

const RUN = 'test/fixtures/tui/run-40';
const EVENTS = readEvents(RUN);
const KEYS = { down: '\u001B[B', up: '\u001B[A', enter: '\r', escape: '\u001B' };

afterEach(() => cleanup());

function setup(controls: SearchUiControls | null, events: SearchEvent[] = EVENTS) {
  const store = new ThrottledStore(undefined, 1_000_000);
  const onExit = vi.fn();
  const exportBest = vi.fn(async () => '/tmp/best-trial-39.fpn');
  const props: SearchAppProps = { store, controls, loadTrial: (id) => readTrial(RUN, id), parsePyramid: (fpn) => pyramidOf(fpn), exportBest, onExit };
  const app = render(createElement(SearchApp, props));
  const feed = async (more: SearchEvent[]) => {
    for (const e of more) store.push(e);
    store.flush();
    await settle();
  };
  return { app, store, onExit, exportBest, feed, events };
}

/** Lets React commit and ink write the frame. */
const settle = () => new Promise((r) => setTimeout(r, 60));

async function frameWith(app: ReturnType<typeof render>, text: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const frame = app.lastFrame() ?? '';
    if (frame.includes(text)) return frame;
    await settle();
  }
  throw new Error(`no frame shows '${text}'; the last one:\n${app.lastFrame()}`);
}

const controls = () => ({ pause: vi.fn(), resume: vi.fn(), quit: vi.fn() });

describe('SearchApp frames', () => {
  it('before anything happens', async () => {
    const { app } = setup(controls());
    const frame = await frameWith(app, 'STARTING');
    expect(frame).toContain('no trial has finished yet');
    expect(frame).toContain('nothing proposed yet');
    expect(frame).toContain('p pause · q quit');
  });

  it('part-way: the charts, the table and the running trials fill in', async () => {
    const { app, feed } = setup(controls());
    // Up to trial 9's second progress report.
    const cut = EVENTS.findIndex((e) => e.type === 'trial.progress' && e.trial === 9 && e.fraction === 0.5);
    await feed(EVENTS.slice(0, cut + 1));
    const frame = await frameWith(app, 'RUNNING');
    expect(frame).toContain('8/40 trials');
    expect(frame).toMatch(/Unique 8 of 9 proposed/);
    expect(frame).toMatch(/local-1 +#9 +[█▌░]+ 50% 50\/100 loss/);
    expect(frame).toMatch(/[\u2801-\u28ff]/); // braille dots of the charts
    expect(frame).toContain('Controller (update 1)');
    expect(frame).toContain('Best architecture: trial 6');
  });

  it('at the end: the top-k table, the best as a Figure 7 grid, FINISHED', async () => {
    const { app, feed } = setup(controls());
    await feed(EVENTS);
    const frame = await frameWith(app, 'FINISHED');
    expect(frame).toContain('40/40 trials');
    const tableRows = frame.split('\n').filter((l) => /^ +\d+ +\d+ +[0-9a-f]{8} +0\.\d{4}/.test(l.slice(0, 40)));
    expect(tableRows[0]).toMatch(/^ +1 +39 /);
    for (const level of [3, 4, 5, 6, 7]) expect(frame).toMatch(new RegExp(`P${level} s${2 ** level} +●`));
    expect(frame).toContain('c1 P');
    expect(frame.split('\n').length).toBeLessThan(40); // fits the (default 40-row) terminal
    expect(frame).toContain('search ended');
  });
});

describe('SearchApp keys', () => {
  it('p pauses and resumes proposals', async () => {
    const c = controls();
    const { app, feed } = setup(c);
    await feed(EVENTS.slice(0, 20));
    app.stdin.write('p');
    expect(await frameWith(app, 'PROPOSALS PAUSED')).toContain('proposals paused');
    expect(c.pause).toHaveBeenCalledTimes(1);
    app.stdin.write('p');
    await frameWith(app, 'proposals resumed');
    expect(c.resume).toHaveBeenCalledTimes(1);
  });

  it('q asks the engine to stop, and the UI exits once the search has stopped', async () => {
    const c = controls();
    const { app, feed, onExit } = setup(c);
    await feed(EVENTS.slice(0, 20));
    app.stdin.write('q');
    await frameWith(app, 'stopping');
    expect(c.quit).toHaveBeenCalledTimes(1);
    expect(onExit).not.toHaveBeenCalled();
    await feed([{ type: 'search.finished', time: EVENTS[19].time, reason: 'stopped', trials: 3, unique: 3, failed: 0, best: null }]);
    await frameWith(app, 'STOPPED');
    expect(onExit).toHaveBeenCalled();
  });

  it('e exports the best', async () => {
    const { app, feed, exportBest } = setup(controls());
    app.stdin.write('e');
    await frameWith(app, 'nothing to export');
    await feed(EVENTS);
    app.stdin.write('e');
    await frameWith(app, 'exported trial 39 to /tmp/best-trial-39.fpn');
    expect(exportBest).toHaveBeenCalledWith({ trial: 39, reward: expect.any(Number), hash: expect.any(String) });
  });

  it('↓ and enter show the selected trial\'s architecture and curve; esc goes back; ? shows help', async () => {
    const { app, feed } = setup(controls());
    await feed(EVENTS);
    await frameWith(app, 'FINISHED');
    app.stdin.write(KEYS.down);
    await settle();
    app.stdin.write(KEYS.enter);
    const second = (await frameWith(app, 'Loss over the trial'));
    expect(second).toMatch(/Trial \d+ · reward 0\.\d{4}/);
    expect(second).toMatch(/P3 s8 +●/);
    app.stdin.write(KEYS.escape);
    await frameWith(app, 'Top 10');
    app.stdin.write('?');
    expect(await frameWith(app, 'Keys')).toContain('export the current best architecture as .fpn');
  });

  it('read-only (watch): p does nothing, q closes the view', async () => {
    const { app, feed, onExit } = setup(null);
    await feed(EVENTS.slice(0, 20));
    expect(await frameWith(app, '(watch)')).toContain('q close');
    app.stdin.write('p');
    await frameWith(app, 'read-only');
    app.stdin.write('q');
    await settle();
    expect(onExit).toHaveBeenCalled();
  });
});

describe('without raw mode (a pipe, CI)', () => {
  it('renders and never turns input on', async () => {
    const stdin = new PassThrough() as unknown as NodeJS.ReadStream & { setRawMode?: unknown };
    const setRawMode = vi.fn();
    stdin.setRawMode = setRawMode;
    const out = Object.assign(new EventEmitter(), { columns: 100, rows: 40, frames: [] as string[], write(frame: string) { this.frames.push(frame); return true; } });
    const store = new ThrottledStore(undefined, 1_000_000);
    for (const e of EVENTS) store.push(e);
    store.flush();
    const instance = inkRender(createElement(SearchApp, { store, controls: null, loadTrial: (id) => readTrial(RUN, id), parsePyramid: (fpn) => pyramidOf(fpn), exportBest: async () => '', onExit: () => undefined }),
      { stdout: out as unknown as NodeJS.WriteStream, stdin, debug: true, patchConsole: false, exitOnCtrlC: false });
    await settle();
    instance.unmount();
    expect(setRawMode).not.toHaveBeenCalled();
    expect(out.frames.join('')).toContain('FINISHED');
  });
});
