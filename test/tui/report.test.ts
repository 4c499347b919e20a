// `nasfpn search report` from a fixture run directory (test/fixtures/tui/run-40, written by fixture.ts):
// the files it makes, the top-k table, the Pareto front and snapshot choice by hand, and a golden for
// Figure 5-left. After a deliberate change, regenerate with UPDATE_GOLDEN=1 npx vitest run test/tui/report.test.ts
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Command } from 'commander';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildReport, paretoFront, snapshotTrials } from '../../src/tui/report.js';
import { niceTicks } from '../../src/viz/plot.js';
import { readTrials } from '../../src/search/store.js';
import { pyramidOf } from '../../src/tui/architectures.js';
import { diffPyramids } from '../../src/diff/pyramid.js';
import { renderGraphDiff } from '../../src/viz/graph-diff.js';
import { registerSearchUi } from '../../src/cli/search-ui.js';
import { InputError, UsageError } from '../../src/cli/errors.js';
import { fakeRun, writeRun } from './fixture.js';
import { noDamage } from '../search/helpers.js';

const RUN = 'test/fixtures/tui/run-40';
const GOLDEN = join(RUN, 'expected', 'fig5-reward.svg');

if (process.env.UPDATE_GOLDEN) {
  rmSync(RUN, { recursive: true, force: true });
  writeRun(RUN, fakeRun(40, 11));
  mkdirSync(join(RUN, 'expected'));
  writeFileSync(GOLDEN, buildReport(RUN).plots.find((p) => p.name === 'fig5-reward.svg')!.svg);
}

describe('buildReport', () => {
  const report = buildReport(RUN);
  const trials = readTrials(RUN, noDamage);

  it('makes Figure 5 (both), reward against FLOPs and params, and Figure 7-style snapshots', () => {
    expect(report.plots.map((p) => p.name)).toEqual(['fig5-reward.svg', 'fig5-unique.svg', 'reward-vs-flops.svg', 'reward-vs-params.svg']);
    expect(report.snapshots.length).toBeGreaterThanOrEqual(2);
    expect(report.snapshots.length).toBeLessThanOrEqual(5);
    for (const file of [...report.plots, ...report.snapshots]) {
      expect(file.svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect(file.svg.trimEnd().endsWith('</svg>')).toBe(true);
    }
    // The last snapshot is the best trial of the whole run.
    const best = trials.reduce((a, b) => (b.reward! > a.reward! ? b : a));
    expect(report.snapshots[report.snapshots.length - 1].name).toBe(`fig7-${String.fromCharCode(97 + report.snapshots.length)}-trial-${best.id}.svg`);
  });

  it('draws what changed from each snapshot to the next, as nasfpn diff --draw does', () => {
    expect(report.changes.length).toBe(report.snapshots.length - 1);
    const trialOf = (file: { name: string }) => Number(/trial-(\d+)\.svg$/.exec(file.name)![1]);
    report.changes.forEach((change, k) => {
      const [before, after] = [report.snapshots[k], report.snapshots[k + 1]];
      expect(change.name).toBe(`fig7-${before.name[5]}-to-${after.name[5]}-diff.svg`);
      expect(change.caption).toMatch(new RegExp(`^Trial ${trialOf(before)} → trial ${trialOf(after)}: structurally (different|equal): `));
      const [a, b] = [trials.find((t) => t.id === trialOf(before))!, trials.find((t) => t.id === trialOf(after))!];
      const expected = renderGraphDiff(pyramidOf(a.fpn)!, pyramidOf(b.fpn)!, diffPyramids(pyramidOf(a.fpn)!, pyramidOf(b.fpn)!), { theme: 'light' });
      expect(change.svg).toBe(expected);
    });
    expect(report.html).toContain('What changed from one snapshot to the next');
  });

  it('matches the Figure 5-left golden', () => {
    expect(report.plots[0].svg).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('draws one point per finished trial and the unique count of the records', () => {
    const rewards = report.plots[0].svg.match(/<circle /g) ?? [];
    expect(rewards.length).toBe(trials.length + 1); // + the legend's glyph
    const unique = trials.filter((t) => t.duplicateOf === null).length;
    expect(report.plots[1].svg).toContain(`${unique} unique architectures among ${trials.length} proposed`);
  });

  it('index.html: the top-k table, every figure inlined, nothing fetched', () => {
    const html = report.html;
    const rows = html.match(/<tr><td>/g) ?? [];
    const distinct = new Set(trials.map((t) => t.hash)).size;
    expect(rows.length).toBe(Math.min(10, distinct));
    const best = trials.reduce((a, b) => (b.reward! > a.reward! ? b : a));
    expect(html).toContain(`<tr><td>1</td><td>${best.id}</td>`);
    expect((html.match(/src="data:image\/svg\+xml;base64,/g) ?? []).length).toBe(report.plots.length + report.snapshots.length + report.changes.length);
    expect(html).not.toMatch(/(src|href)="https?:/);
    // A run whose reward stops no trial early says nothing of it.
    expect(report.earlyStopping).toBeNull();
    expect(html).not.toContain('early stopping');
  });

  it('says what early stopping saved when the reward stopped trials', () => {
    const run = fakeRun(6, 11, 100);
    run.config.reward = { name: 'proxy', options: { evalEvery: 10, stop: 'median' } };
    for (const t of run.trials) Object.assign(t, { metrics: { steps: 60 }, seconds: 60 });
    Object.assign(run.trials[4]!, { metrics: { steps: 20, budgetSteps: 60, stoppedAtStep: 20 }, seconds: 25 });
    const dir = mkdtempSync(join(tmpdir(), 'nasfpn-report-stop-'));
    try {
      writeRun(dir, run);
      const stopped = buildReport(dir);
      expect(stopped.earlyStopping).toEqual({ trials: 6, stopped: 1, stepsTrained: 320, stepsBudget: 360, stepsSaved: 40, secondsSaved: 50 });
      expect(stopped.html).toContain('early stopping: 1 of 6 trials stopped, 40 of 360 steps saved (11 %), about 50 s');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the pieces by hand', () => {
  it('Pareto front: cheapest first, each strictly better than all cheaper ones', () => {
    const front = paretoFront([
      { id: 1, cost: 5, reward: 0.5 }, { id: 2, cost: 3, reward: 0.4 }, { id: 3, cost: 4, reward: 0.3 },
      { id: 4, cost: 9, reward: 0.7 }, { id: 5, cost: 8, reward: 0.5 }, { id: 6, cost: 3, reward: 0.2 },
    ]);
    expect(front.map((p) => p.id)).toEqual([2, 1, 4]);
  });

  it('snapshots: the best after 20/40/60/80/100% of the trials, repeats dropped, ties to the earlier trial', () => {
    const scored = [0.1, 0.3, 0.2, 0.3, 0.5, 0.4, 0.45, 0.5, 0.6, 0.55].map((reward, i) => ({ id: i + 1, reward }));
    expect(snapshotTrials(scored)).toEqual([
      { after: 2, id: 2, reward: 0.3 },
      { after: 6, id: 5, reward: 0.5 },
      { after: 10, id: 9, reward: 0.6 },
    ]);
  });

  it('ticks at 1, 2, 5 × 10^k', () => {
    expect(niceTicks([0.13, 0.91])).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks([1, 40])).toEqual([0, 10, 20, 30, 40]);
  });
});

describe('nasfpn search report', () => {
  let dir: string;
  let stdout: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nasfpn-report-'));
    stdout = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout += String(chunk);
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });
  async function report(...args: string[]): Promise<void> {
    const program = new Command('nasfpn').exitOverride();
    registerSearchUi(program);
    for (const c of program.commands) for (const s of [c, ...c.commands]) s.exitOverride();
    await program.parseAsync(['search', 'report', ...args], { from: 'user' });
  }

  it('writes the report directory, PNGs with --png', async () => {
    const out = join(dir, 'report');
    await report(RUN, '-o', out, '--png', '--scale', '0.5');
    const files = readdirSync(out).sort();
    expect(files).toContain('index.html');
    expect(files.filter((f) => f.endsWith('.svg')).length).toBe(files.filter((f) => f.endsWith('.png')).length);
    expect(files.filter((f) => f.endsWith('-diff.svg')).length).toBeGreaterThan(0);
    expect(readFileSync(join(out, 'fig5-reward.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(stdout).toContain('index.html');
    // Nothing temporary is left beside it.
    expect(readdirSync(dir)).toEqual(['report']);
  });

  it('a directory that is not a run is bad input, and writes nothing', async () => {
    await expect(report(dir, '-o', join(dir, 'out'))).rejects.toThrow(InputError);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('a damaged trial record is passed over with a warning naming it, and left in place (the report only reads)', async () => {
    const run = join(dir, 'run');
    writeRun(run, fakeRun(6, 3));
    writeFileSync(join(run, 'trials', '000004.json'), '{"id": 4,');
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    await report(run, '-o', join(dir, 'out'));
    expect(stderr).toMatch(/warning: .*000004\.json is not trial 4's record \(damaged\): passed over/);
    expect(existsSync(join(dir, 'out', 'index.html'))).toBe(true);
    expect(readFileSync(join(run, 'trials', '000004.json'), 'utf8')).toBe('{"id": 4,');
  });

  it('-o is required', async () => {
    await expect(report(RUN)).rejects.toThrow(UsageError);
  });
});

describe('the report of a real run of the engine', () => {
  it('has every plot and at least one snapshot', () => {
    const report = buildReport('test/fixtures/tui/engine-ppo-16');
    expect(report.plots.map((p) => p.name)).toEqual(['fig5-reward.svg', 'fig5-unique.svg', 'reward-vs-flops.svg', 'reward-vs-params.svg']);
    expect(report.snapshots.length).toBeGreaterThan(0);
    expect(report.html).toContain('Search nasfpn_space (ppo, reward target)');
  });
});
