// `nasfpn data synth | show | stats` end to end, in process (check has its fixtures in check.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runData } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nasfpn-data-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('nasfpn data synth', () => {
  it('writes a COCO folder that data check accepts', async () => {
    const out = join(dir, 'shapes');
    const run = await runData('synth', '-o', out, '--images', '10', '--size', '48', '--classes', '3', '--seed', '4', '--val', '0.2');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/8 train \+ 2 val images of 48×48, \d+ boxes, 3 classes, seed 4/);
    expect(readdirSync(out).sort()).toEqual(['annotations', 'train', 'val']);
    expect(readdirSync(join(out, 'annotations')).sort()).toEqual(['instances_train.json', 'instances_val.json']);
    expect((await runData('check', out)).code).toBe(0);
    // No temp folder is left beside it.
    expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('refuses to replace a non-empty folder without --force, and bad options are usage errors', async () => {
    const out = join(dir, 'occupied');
    mkdirSync(out);
    writeFileSync(join(out, 'keep.txt'), 'mine');
    const refused = await runData('synth', '-o', out, '--images', '2', '--size', '32');
    expect([refused.code, refused.stderr]).toEqual([1, `nasfpn: ${out} exists and is not empty; use --force to replace it\n`]);
    expect(existsSync(join(out, 'keep.txt'))).toBe(true);
    expect((await runData('synth', '-o', out, '--images', '2', '--size', '32', '--force')).code).toBe(0);
    expect(existsSync(join(out, 'keep.txt'))).toBe(false);
    const bad = await runData('synth', '-o', join(dir, 'x'), '--classes', '13');
    expect([bad.code, bad.stderr]).toEqual([2, 'nasfpn: --classes must be an integer in [1, 12] (one shape a class), not 13\n(run with --help for usage)\n']);
    expect((await runData('synth', '-o', join(dir, 'x'), '--images', 'many')).code).toBe(2);
    expect((await runData('synth', '-o', join(dir, 'x'), '--min-objects', '5', '--max-objects', '2')).code).toBe(2);
    const context = await runData('synth', '-o', join(dir, 'x'), '--context', '5');
    expect([context.code, context.stderr]).toEqual([2, 'nasfpn: --context must be an integer in [0, 4] (one plate outline a class), not 5\n(run with --help for usage)\n']);
    expect((await runData('synth', '-o', join(dir, 'x'), '--max-side', '0')).code).toBe(2);
  });

  it('the cross-scale options: shapes, token and plate classes together, counted in the summary', async () => {
    const out = join(dir, 'scales');
    const run = await runData('synth', '-o', out, '--images', '6', '--size', '96', '--classes', '1', '--context', '2', '--detail', '2', '--max-side', '1', '--seed', '3');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/5 train \+ 1 val images of 96×96, \d+ boxes, 5 classes, seed 3/);
    const train = JSON.parse(readFileSync(join(out, 'annotations/instances_train.json'), 'utf8'));
    expect(train.categories.map((c: { name: string }) => c.name)).toEqual(['disc', 'token-on-disc', 'token-on-square', 'plate-of-dots', 'plate-of-rings']);
    expect((await runData('check', out)).code).toBe(0);
  });
});

describe('nasfpn data show', () => {
  it('draws the image with its boxes and class names, crowd boxes dashed', async () => {
    const out = join(dir, 'good.svg');
    const run = await runData('show', 'test/fixtures/data/good', '--image', '2', '-o', out);
    expect(run.code).toBe(0);
    const svg = readFileSync(out, 'utf8');
    expect(svg).toContain('<image x="0" y="0" width="512" height="512" href="data:image/png;base64,');
    // The 20 × 20 image is drawn at 512 px: its crowd box [0, 0, 20, 20] becomes the whole picture, dashed.
    expect(svg).toContain('<rect x="0" y="0" width="512" height="512" fill="none" stroke="#d62728" stroke-width="2" stroke-dasharray="6 4"/>');
    expect(svg).toContain('>car (crowd)</text>');
  });

  it('writes PNG for .png, and names a missing image id', async () => {
    const out = join(dir, 'good.png');
    expect((await runData('show', 'test/fixtures/data/good', '-o', out)).code).toBe(0);
    expect(readFileSync(out).subarray(1, 4).toString()).toBe('PNG');
    const missing = await runData('show', 'test/fixtures/data/good', '--image', '99', '-o', out);
    expect([missing.code, missing.stderr]).toEqual([1, 'nasfpn: no image with id 99 in test/fixtures/data/good/annotations/instances_x.json\n']);
    expect((await runData('show', 'test/fixtures/data/good', '-o', join(dir, 'a.jpg'))).code).toBe(2);
  });
});

describe('nasfpn data stats', () => {
  it('counts classes and puts each box at its nearest anchor (by hand)', async () => {
    const run = await runData('stats', 'test/fixtures/data/good', '--input', '320', '--json');
    const [stats] = JSON.parse(run.stdout);
    expect(stats).toMatchObject({ images: 2, boxes: 3, crowdBoxes: 1, imagesWithoutBoxes: 0, boxesPerImage: { min: 1, mean: 1.5, max: 2 } });
    expect(stats.classes).toEqual([{ id: 1, name: 'person', boxes: 1, crowd: 0 }, { id: 3, name: 'car', boxes: 2, crowd: 1 }]);
    // Image a (32 × 24) at input 320 is scaled 10×: sqrt(10·8)·10 = 89.4 px → 3·log2(89.4/4) = 13.4 → anchor 13,
    // P4's second scale (80.6 px); sqrt(12·14)·10 = 129.6 px → 15.05 → anchor 15, P5's first (128 px).
    const byLevel = Object.fromEntries(stats.levels.map((l: { level: unknown; counts: number[] }) => [l.level, l.counts]));
    expect(byLevel).toEqual({ below: [0], 3: [0, 0, 0], 4: [0, 1, 0], 5: [1, 0, 0], 6: [0, 0, 0], 7: [0, 0, 0], above: [0] });
    const text = await runData('stats', 'test/fixtures/data/good', '--input', '320');
    expect(text.stdout).toContain('  P4                        1   64: 0, 80.63: 1, 101.59: 0');
  });

  it('--anchor-size measures against a detector\'s smaller anchors (by hand)', async () => {
    const run = await runData('stats', 'test/fixtures/data/good', '--input', '320', '--anchor-size', '1', '--json');
    const [stats] = JSON.parse(run.stdout);
    // With anchors of 1 stride: 89.4 px → 3·log2(89.4) = 19.45 → anchor 19 − 9 = 10, P6's second scale (80.6 px);
    // 129.6 px → 21.05 → anchor 12, P7's first (128 px).
    const byLevel = Object.fromEntries(stats.levels.map((l: { level: unknown; counts: number[] }) => [l.level, l.counts]));
    expect(byLevel).toEqual({ below: [0], 3: [0, 0, 0], 4: [0, 0, 0], 5: [0, 0, 0], 6: [0, 1, 0], 7: [1, 0, 0], above: [0] });
    expect(stats.anchorSize).toBe(1);
    expect((await runData('stats', 'test/fixtures/data/good', '--anchor-size', '0')).code).toBe(2);
  });

  it('a folder that is not a dataset is bad input, naming it', async () => {
    const run = await runData('stats', dir);
    expect([run.code, run.stderr]).toEqual([1, `nasfpn: ${dir}: not a COCO folder (no annotations/instances_*.json)\n`]);
    expect((await runData('stats')).code).toBe(2);
  });

  it('a dataset with errors is bad input: its problems by file and entry, and where to see them all', async () => {
    const run = await runData('stats', 'test/fixtures/data/unknown-category');
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'nasfpn: test/fixtures/data/unknown-category/annotations/instances_x.json: annotations[2].category_id: category 7 is not in "categories"\n' +
        "(run 'nasfpn data check' to see every problem)\n",
    );
  });
});
