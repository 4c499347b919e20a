// A search against a failing disk, damaged run files and a second writer, through the built CLI: the disk
// failing (the file-system seam's faults, NASFPN_FAULTS) ends the search with exit 74 and the resume command,
// every file it wrote is intact, and the resumed search finishes its budget with each trial once; a damaged
// trial record costs only that record; a second `search --resume` of a running search is refused.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultRule } from '../../src/runtime/fs.js';
import type { TrialRecord } from '../../src/search/records.js';
import { readEvents, readTrials } from '../../src/search/store.js';
import { expectNoStackTrace, nasfpnWith } from '../helpers/cli.js';
import { ensureBundle, nasfpn, Running } from './cli-helpers.js';
import { noDamage } from './helpers.js';

const SPACE = 'test/fixtures/search/small.fpn';
const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-search-faults-'));
beforeAll(ensureBundle, 120_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const TRIALS = 12;
const searchArgs = (run: string, delay = 0) => ['search', SPACE, '--strategy', 'random', '--trials', String(TRIALS), '--workers', '0', '--reward', `target:delay=${delay}`, '--run', run, '--quiet'];
const withFaults = (rules: FaultRule[], ...args: string[]) => nasfpnWith({ env: { NASFPN_BACKEND: 'wasm', NASFPN_FAULTS: JSON.stringify(rules) } }, ...args);
const ids = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** A record without its times (a rebuilt record's times are its events' stamps, a few ms after the record's own). */
const timeless = ({ queuedAt: _q, startedAt: _s, endedAt: _e, ...rest }: TrialRecord) => rest;

/**
 * The resumed search finished its budget: every id once, finished, and the trials finished before kept as they
 * were (`rebuilt` ones, from the event log, up to their times).
 */
function expectFinishedKeeping(run: string, before: TrialRecord[], rebuilt: number[] = []): void {
  const after = readTrials(run, noDamage);
  expect(after.map((t) => t.id)).toEqual(ids(TRIALS));
  expect(after.every((t) => t.status === 'finished')).toBe(true);
  for (const t of before.filter((x) => x.status === 'finished')) {
    const now = after.find((x) => x.id === t.id)!;
    if (rebuilt.includes(t.id)) expect(timeless(now)).toEqual(timeless(t));
    else expect(now).toEqual(t);
  }
  const finishedEvents = readEvents(run).filter((e) => e.type === 'trial.finished').map((e) => (e as { trial: number }).trial);
  expect(new Set(finishedEvents)).toEqual(new Set(ids(TRIALS)));
}

describe('the run directory on a failing disk', () => {
  it.each([
    ['a trial record', { op: 'write', path: 'trials', nth: 9, fault: 'ENOSPC' }, /trials\/0000\d\d\.json: no space left on device \(ENOSPC\)/],
    ['the event log', { op: 'write', path: 'events.jsonl', nth: 14, fault: 'EIO' }, /events\.jsonl: input\/output error .* \(EIO\)/],
    ['the state', { op: 'write', path: 'state.json', nth: 6, fault: 'EDQUOT' }, /state\.json: disk quota exceeded \(EDQUOT\)/],
  ] as [string, FaultRule, RegExp][])('%s: exit 74 with the resume command; the resume finishes every trial once', (name, rule, message) => {
    const run = join(scratch, name.replace(/ /g, '-'));
    const failed = withFaults([rule], ...searchArgs(run));
    expect(failed.code, failed.stderr).toBe(74);
    expect(failed.stderr).toMatch(message);
    expect(failed.stderr).toContain(`The run directory keeps every trial finished before this`);
    expect(failed.stderr).toContain(`continue with \`nasfpn search --resume ${run}\``);
    expectNoStackTrace(failed);
    const before = readTrials(run, noDamage); // every record written is whole
    expect(before.length).toBeGreaterThan(0);
    expect(before.length).toBeLessThan(TRIALS);
    const resumed = nasfpn('search', '--resume', run, '--quiet');
    expect(resumed.code, resumed.stderr).toBe(0);
    expectFinishedKeeping(run, before);
  });
});

describe('damaged run files and a second writer', () => {
  it('a damaged trial record of a stopped search is set aside and rebuilt; the search finishes its budget', async () => {
    const run = join(scratch, 'damaged');
    const first = new Running(searchArgs(run, 150).filter((a) => a !== '--quiet'));
    await first.until((_, all) => all.filter((e) => e.type === 'trial.finished').length >= 5);
    first.child.kill('SIGKILL');
    await first.exited;
    const before = readTrials(run, noDamage);
    writeFileSync(join(run, 'trials', '000002.json'), '{"id": 2, "hash": "');
    const resumed = nasfpn('search', '--resume', run, '--quiet');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/warning: .*000002\.json is not trial 2's record \(damaged\): set aside as .*damaged-000002\.json\n/);
    expect(resumed.stderr).toContain('warning: trial 2: rebuilt from events.jsonl (finished)');
    expect(resumed.stderr).toMatch(/warning: taking over .*lock: nasfpn search \(process \d+ on .*\) is no longer running/);
    expect(readFileSync(join(run, 'trials', 'damaged-000002.json'), 'utf8')).toBe('{"id": 2, "hash": "');
    expectFinishedKeeping(run, before, [2]);
  });

  it('one writer per run: a second `search --resume` of a running search is refused; readers go on', async () => {
    const run = join(scratch, 'busy');
    const first = new Running(searchArgs(run, 300).filter((a) => a !== '--quiet'));
    await first.until((e) => e.type === 'trial.finished');
    const second = nasfpn('search', '--resume', run);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(new RegExp(`nasfpn: ${run} is in use: nasfpn search \\(process ${first.child.pid} on ${hostname()}\\) has been writing it since \\S+\\. Only one process writes a run at a time`));
    expect(nasfpn('search', 'export', run, '--top', '1', '-o', join(scratch, 'busy-best')).code).toBe(0);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(readdirSync(run)).not.toContain('lock');
    expect(nasfpn('search', '--resume', run, '--quiet').code).toBe(0);
    expect(readTrials(run, noDamage).map((t) => t.id)).toEqual(ids(TRIALS));
  });
});
