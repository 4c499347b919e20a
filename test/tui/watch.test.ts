// Following a run directory: events.jsonl read as another process appends to it (a line being written is
// held back until its newline), and `search watch` off a terminal (JSON lines until the search ends).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Command } from 'commander';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerSearchUi } from '../../src/cli/search-ui.js';
import { InputError } from '../../src/cli/errors.js';
import { readEvents, tailEvents } from '../../src/search/store.js';
import type { SearchEvent } from '../../src/search/events.js';
import { fakeRun, writeRun } from './fixture.js';
import { readFileSync } from 'node:fs';
import { exportBestTrial } from '../../src/tui/export-best.js';
import { reduceAll } from '../../src/tui/state.js';
import { checkFile } from '../../src/semantics/program.js';
import { fileHost } from '../../src/semantics/file-host.js';
import { pyramidHash } from '../../src/semantics/hash.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nasfpn-watch-'));
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

describe('tailEvents', () => {
  it('yields what is there, waits for the file, holds a torn line until its newline, stops on abort', async () => {
    const run = fakeRun(3, 2);
    const lines = run.events.map((e) => JSON.stringify(e));
    const stop = new AbortController();
    const seen: SearchEvent[] = [];
    const tail = (async () => {
      for await (const event of tailEvents(dir, { pollMs: 5, signal: stop.signal })) seen.push(event);
    })();
    const until = async (n: number) => {
      while (seen.length < n) await new Promise((r) => setTimeout(r, 5));
    };
    // No file yet: nothing, no error. Then two lines and half of the third.
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([]);
    writeFileSync(join(dir, 'events.jsonl'), `${lines[0]}\n${lines[1]}\n${lines[2].slice(0, 10)}`);
    await until(2);
    await new Promise((r) => setTimeout(r, 20));
    expect(seen.length).toBe(2);
    appendFileSync(join(dir, 'events.jsonl'), `${lines[2].slice(10)}\nnot json\n${lines.slice(3).join('\n')}\n`);
    await until(lines.length);
    stop.abort();
    await tail;
    expect(seen).toEqual(run.events);
  });

  it('untilFinished ends at a search.finished that is the last line', async () => {
    const run = fakeRun(4, 2);
    writeRun(dir, run);
    const seen: SearchEvent[] = [];
    for await (const event of tailEvents(dir, { pollMs: 5, untilFinished: true })) seen.push(event);
    expect(seen).toEqual(readEvents(dir));
  });
});

describe('nasfpn search watch off a terminal', () => {
  async function watch(...args: string[]): Promise<string> {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    const program = new Command('nasfpn').exitOverride();
    registerSearchUi(program);
    for (const c of program.commands) for (const s of [c, ...c.commands]) s.exitOverride();
    await program.parseAsync(['search', 'watch', ...args], { from: 'user' });
    return out;
  }

  it('prints the events as JSON lines and ends with the search', async () => {
    const run = fakeRun(5, 4);
    writeRun(dir, run);
    const out = await watch(dir);
    expect(out.trimEnd().split('\n').map((l) => JSON.parse(l))).toEqual(run.events);
  });

  it('a folder that is not a run is bad input', async () => {
    await expect(watch(dir)).rejects.toThrow(InputError);
  });
});

describe('e: exporting the best from the UI', () => {
  it('writes what nasfpn search export writes: the pyramid and the proxy detector, and it checks', async () => {
    // A run the engine made from examples/search.fpn (config.json keeps the space's text; its import resolves beside it).
    const run = 'test/fixtures/tui/engine-ppo-16';
    const best = reduceAll(readEvents(run)).best!;
    const path = exportBestTrial(run, best, dir);
    expect(path).toBe(join(dir, `best-trial-${best.trial}.fpn`));
    const text = readFileSync(path, 'utf8');
    expect(text).toMatch(new RegExp(`^# Search nasfpn_space: rank 1, trial ${best.trial}, reward ${best.reward}`));
    const checked = checkFile(path, fileHost);
    expect(checked.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(checked.program!.pyramids.map((p) => p.name)).toEqual(['top1']);
    expect(checked.program!.detectors.map((d) => d.name)).toEqual(['top1_proxy_r10']);
    expect(pyramidHash(checked.program!.pyramids[0])).toBe(best.hash);
  });
});
