// Anytime exits of a trained run through the built CLI: a tiny 3-stack detector with anytime heads trained for
// two steps on a synthetic set, then `eval RUN --exits` (every exit from one pass, each exit's forward time, the
// table, RUN/exits.json and RUN/exits.svg), `eval RUN --exit K` (the cut model alone scores the same), and
// `predict --exit` / `--budget-ms` (the exit used is said; the times are measured once and cached in the run).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBundle, expectNoStackTrace, nasfpn } from '../helpers/cli.js';
import { tinyRecipeText } from '../train/standins.js';

const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-exits-cli-'));
const data = join(scratch, 'data');
const run = join(scratch, 'run');
const images = join(data, 'val');

/**
 * The trainer tests' tiny recipe with its pyramid stacked 3 times and a head after each (64² synthetic images,
 * read at 32²); anchors of 2 strides and a class prior of 0.2, so that after two steps every exit has detections
 * above the 0.05 score threshold and an AP above 0 to compare.
 */
const RECIPE = tinyRecipeText('  steps 2\n  eval every 0')
  .replace('pyramid p x 1 @ 8', 'pyramid p x 3 @ 8\n  anytime heads')
  .replace('anchors scales 1 ratios 1', 'anchors scales 1 ratios 1 size 2 prior 0.2');

interface ExitsJson {
  exits: { exit: number; ap: number; ap50: number; ap75: number; ms: number; cpuMs: number; flops: number; params: number }[];
}

beforeAll(() => {
  ensureBundle();
  const synth = nasfpn('data', 'synth', '-o', data, '--images', '8', '--size', '64', '--classes', '2', '--val', '0.5');
  if (synth.code !== 0) throw new Error(synth.stderr);
  writeFileSync(join(scratch, 'tiny.fpn'), RECIPE);
  expect(RECIPE).toContain('anytime heads');
  expect(RECIPE).toContain('prior 0.2');
  const trained = nasfpn('train', join(scratch, 'tiny.fpn'), '-o', run, '--data', data);
  if (trained.code !== 0) throw new Error(trained.stderr);
}, 240_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('eval RUN --exits and --exit', () => {
  let exits: ExitsJson['exits'];

  beforeAll(() => {
    const evaluated = nasfpn('eval', run, '--exits');
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(evaluated.stdout).toMatch(/^tiny: COCO AP on 4 val images; forward pass of one 32×32 image on /);
    expect(evaluated.stdout.split('\n').filter((l) => /^\s+[123]\s/.test(l))).toHaveLength(3);
    exits = (JSON.parse(readFileSync(join(run, 'exits.json'), 'utf8')) as ExitsJson).exits;
  }, 240_000);

  test('writes every exit with its AP, time and FLOPs, the plot and the time cache into the run folder', () => {
    expect(exits.map((e) => e.exit)).toEqual([1, 2, 3]);
    for (let i = 1; i < 3; i++) {
      expect(exits[i].flops).toBeGreaterThan(exits[i - 1].flops);
      expect(exits[i].params).toBeGreaterThan(exits[i - 1].params);
    }
    for (const e of exits) {
      expect(e.ms).toBeGreaterThan(0);
      expect(e.cpuMs).toBeGreaterThan(0);
      expect(e.ap).toBeGreaterThanOrEqual(0);
    }
    const svg = readFileSync(join(run, 'exits.svg'), 'utf8');
    for (const text of ['exit 1', 'exit 3', 'AP50', 'GFLOPs']) expect(svg).toContain(text);
    expect(existsSync(join(run, 'exit-times.json'))).toBe(true);
  });

  test('--exit K (the cut model alone) scores what --exits found for exit K in the whole model\'s pass', () => {
    expect(exits[0].ap50).toBeGreaterThan(0);
    const one = nasfpn('eval', run, '--exit', '1', '--json');
    expect(one.code, one.stderr).toBe(0);
    const summary = JSON.parse(one.stdout) as { AP: number; AP50: number };
    expect(summary.AP).toBeCloseTo(exits[0].ap, 9);
    expect(summary.AP50).toBeCloseTo(exits[0].ap50, 9);
  });
});

describe('predict --exit and --budget-ms', () => {
  test('--exit K says the exit it used', () => {
    const out = join(scratch, 'exit1.json');
    const predicted = nasfpn('predict', run, images, '--exit', '1', '-o', out);
    expect(predicted.code, predicted.stderr).toBe(0);
    expect(predicted.stdout).toContain('exit 1 of 3');
    expect(Array.isArray(JSON.parse(readFileSync(out, 'utf8')))).toBe(true);
    // Without --exit: the last exit, whose detections differ from the first's.
    const last = join(scratch, 'last.json');
    expect(nasfpn('predict', run, images, '-o', last).stdout).toContain('exit 3 of 3');
    expect(readFileSync(last, 'utf8')).not.toBe(readFileSync(out, 'utf8'));
  });

  test('--budget-ms picks the deepest exit that fits, from the times cached in the run folder', () => {
    const out = join(scratch, 'budget.json');
    const roomy = nasfpn('predict', run, images, '--budget-ms', '100000', '-o', out);
    expect(roomy.code, roomy.stderr).toBe(0);
    expect(roomy.stderr).toMatch(/--budget-ms 100000: exit 3 of 3 \(exit 1 [\d.]+ ms, exit 2 [\d.]+ ms, exit 3 [\d.]+ ms; .*cached in /);
    expect(roomy.stdout).toContain('exit 3 of 3');
    // The exit the budget chose gives the detections of that exit named.
    const named = join(scratch, 'exit3.json');
    expect(nasfpn('predict', run, images, '--exit', '3', '-o', named).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(named, 'utf8'));
    const tight = nasfpn('predict', run, images, '--budget-ms', '0.0001', '-o', out);
    expect(tight.code, tight.stderr).toBe(0);
    expect(tight.stderr).toMatch(/warning: --budget-ms 0.0001: no exit fits .*using the fastest, exit 1/);
    expect(tight.stdout).toContain('exit 1 of 3');
  });

  test('usage errors: both options, an exit the detector lacks, a bad budget', () => {
    for (const args of [['--exit', '1', '--budget-ms', '5'], ['--exit', '4'], ['--exit', '0'], ['--budget-ms', '-1']]) {
      const refused = nasfpn('predict', run, images, '-o', join(scratch, 'x.json'), ...args);
      expect(refused.code, `${args.join(' ')}: ${refused.stderr}`).toBe(2);
      expectNoStackTrace(refused);
    }
    const both = nasfpn('eval', run, '--exit', '1', '--exits');
    expect(both.code).toBe(2);
  });
});
