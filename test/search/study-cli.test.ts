// `nasfpn search study` end to end through the built CLI, on the known-optimum surrogate (no training): the
// runs and files it writes, a kill and a rerun that continues, and the errors of bad command lines and input.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRunConfig, readTrials } from '../../src/search/store.js';
import type { StudyReport } from '../../src/search/study.js';
import { noDamage } from './helpers.js';
import { ensureBundle, nasfpn } from './cli-helpers.js';

const SPACE = 'examples/scales.fpn#scales_space';
const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-study-cli-'));
beforeAll(ensureBundle, 120_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The proxy under study and the reference: the surrogate with two hidden targets, so the ranks differ. */
const study = (run: string, ...more: string[]) =>
  ['search', 'study', SPACE, '--architectures', '5', '--proxy', 'target:seed=3', '--reference', 'target:seed=4', '--repeat', '2', '--workers', '0', '--run', run, ...more];

describe('nasfpn search study', () => {
  it('scores the list under both rewards as runs of the engine and writes the report, the table and the plot', () => {
    const run = join(scratch, 'whole');
    const done = nasfpn(...study(run, '--json'));
    expect(done.stderr).not.toContain('internal error');
    expect(done.code).toBe(0);
    const report = JSON.parse(done.stdout) as StudyReport;
    expect(report.rows.map((r) => r.name)).toEqual(['fpn', 'nasfpn', 'sample01', 'sample02', 'sample03']);
    expect([report.pairs, report.complete]).toEqual([5, true]);
    expect(report.rows.filter((r) => r.proxyRepeat !== null).map((r) => r.name)).toEqual(['fpn', 'nasfpn']);
    // The surrogate has no seed noise: the repeats score the same.
    expect(report.noise.proxy.sd).toBe(0);
    expect(JSON.parse(readFileSync(join(run, 'report.json'), 'utf8'))).toEqual(report);
    expect(readFileSync(join(run, 'report.md'), 'utf8')).toContain('Spearman ρ');
    expect(readFileSync(join(run, 'scatter.svg'), 'utf8')).toContain('>nasfpn</text>');
    for (const [name, trials] of [['proxy', 5], ['reference', 5], ['proxy-repeat', 2], ['reference-repeat', 2]] as const) {
      const config = readRunConfig(join(run, name));
      expect([config.strategy, config.trials]).toEqual(['fixed', trials]);
      expect(readTrials(join(run, name), noDamage).every((t) => t.status === 'finished' && t.decisions.length === 0)).toBe(true);
    }
    expect(readRunConfig(join(run, 'proxy-repeat')).seed).toBe(readRunConfig(join(run, 'proxy')).seed + 1);
    // The table, and a rerun of a finished study only reports.
    const again = nasfpn(...study(run));
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('5 of 5 architectures scored under both rewards');
    expect(again.stderr).not.toContain('proxy 1/5');
  });

  it('continues after a kill: finished trials stay, the rest run', async () => {
    const run = join(scratch, 'killed');
    const child = spawn(process.execPath, ['bin/nasfpn.js', ...study(run).map((a) => (a === 'target:seed=3' ? 'target:seed=3,delay=400' : a))]);
    let stderr = '';
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('proxy 2/5')) resolve();
      });
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const before = readTrials(join(run, 'proxy'), noDamage).filter((t) => t.status === 'finished');
    expect(before.length).toBeGreaterThanOrEqual(2);
    const rerun = nasfpn(...study(run, '--json').map((a) => (a === 'target:seed=3' ? 'target:seed=3,delay=400' : a)));
    expect(rerun.code).toBe(0);
    expect((JSON.parse(rerun.stdout) as StudyReport).complete).toBe(true);
    const after = readTrials(join(run, 'proxy'), noDamage);
    for (const t of before) expect(after.find((a) => a.id === t.id)!.startedAt).toBe(t.startedAt);
    // A study's run is not a search: --resume on it says how to continue.
    const resume = nasfpn('search', '--resume', join(run, 'proxy'));
    expect(resume.code).toBe(2);
    expect(resume.stderr).toContain("one of a study's runs");
  }, 60_000);

  it('says what is wrong with a bad command line (exit 2) and bad input (exit 1)', () => {
    const usage = (args: string[], message: string) => {
      const r = nasfpn(...args);
      expect(r.stderr).toContain(message);
      expect(r.code).toBe(2);
    };
    usage(['search', 'study', SPACE, '--proxy', 'target', '--run', join(scratch, 'x')], '--proxy SPEC and --reference SPEC');
    usage(['search', 'study', SPACE, '--proxy', 'target', '--reference', 'target'], '--run DIR');
    usage(study(join(scratch, 'x'), '--architectures', '1'), '--architectures must be a whole number ≥ 2');
    usage(['search', 'study', SPACE, '--proxy', 'nope', '--reference', 'target', '--run', join(scratch, 'x')], "--proxy: unknown reward 'nope'");
    usage(['search', 'study', SPACE, '--proxy', 'proxy:lats=3', '--reference', 'target', '--run', join(scratch, 'x')], "--proxy: reward 'proxy' has no option 'lats'");
    // The reference is full training: early stopping is refused there, whatever else the spec lacks.
    usage(['search', 'study', SPACE, '--proxy', 'target', '--reference', 'proxy:stop=median', '--run', join(scratch, 'x')], '--reference: the reference reward trains every architecture to the end');
    const missing = nasfpn(...study(join(scratch, 'y'), '--fpn', 'fpn_nowhere'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("has no pyramid 'fpn_nowhere' (--fpn)");
    expect(existsSync(join(scratch, 'y'))).toBe(false);
    // A rerun must be the same study.
    const run = join(scratch, 'other');
    expect(nasfpn(...study(run)).code).toBe(0);
    usage(study(run, '--seed', '2'), 'holds a study with other seed');
  });
});
