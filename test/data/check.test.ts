// Every bad-data case as a fixture folder (test/fixtures/data/<case>/) with the expected report of
// `nasfpn data check` beside it (expected.txt), plus the loader's verdict on each.
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetError, findSplits, loadDataset } from '../../src/data/dataset.js';
import { runData } from './helpers.js';

const FIXTURES = 'test/fixtures/data';
const cases = readdirSync(FIXTURES).sort();

/** What each case must say (besides the golden), and whether the check fails. */
const EXPECT: Record<string, { code: number; says: string }> = {
  good: { code: 0, says: '2 images, 3 annotations: ok' },
  'truncated-jpeg': { code: 1, says: 'x/a.jpg: image 1: error: cannot decode image: truncated JPEG (the file ends before its end-of-image marker)' },
  'not-an-image': { code: 1, says: 'x/a.jpg: image 1: error: cannot decode image: Input file contains unsupported image format' },
  'missing-image': { code: 1, says: 'x/b.png: image 2: error: image file not found (listed in instances_x.json)' },
  'image-size': { code: 1, says: 'decodes to 20×20 (EXIF orientation applied), but its entry says 40×20' },
  'negative-bbox': { code: 0, says: 'annotations[1] (id 2, image 1): warning: bbox [20, 10, -12, 14] has a negative width: skipped' },
  'outside-bbox': { code: 0, says: 'annotations[1] (id 2, image 1): warning: bbox [40, 30, 5, 5] lies outside the 32×24 image: skipped' },
  'clipped-bbox': { code: 0, says: 'bbox [20, 10, 20, 20] sticks out of the 32×24 image: clipped' },
  'zero-size-bbox': { code: 0, says: 'annotations[0] (id 1, image 1): warning: bbox [2, 3, 0, 8] has no width: skipped' },
  'duplicate-image-id': { code: 1, says: 'images[1].id: error: duplicate image id 1 (also images[0])' },
  'unknown-category': { code: 1, says: 'annotations[2].category_id: error: category 7 is not in "categories"' },
  'many-problems': { code: 1, says: '2 errors, 2 warnings' },
};

describe('nasfpn data check: one fixture per bad-data case', () => {
  it('has an expectation for every fixture folder', () => {
    expect(cases).toEqual(Object.keys(EXPECT).sort());
  });

  for (const name of cases) {
    it(name, async () => {
      const run = await runData('check', join(FIXTURES, name));
      expect(run.code).toBe(EXPECT[name]!.code);
      expect(run.stdout + run.stderr).toContain(EXPECT[name]!.says);
      await expect(`exit ${run.code}\n${run.stdout}${run.stderr}`).toMatchFileSnapshot(`../fixtures/data/${name}/expected.txt`);
    });
  }

  it('counts every problem at once: warnings per code, errors per code', async () => {
    const run = await runData('check', join(FIXTURES, 'many-problems'), '--json');
    const report = JSON.parse(run.stdout);
    expect(report.ok).toBe(false);
    expect(report.splits[0].counts).toEqual({ 'bbox-empty': 2, 'bad-image': 1, 'missing-image': 1 });
  });

  it('--strict fails on warnings; --no-decode misses a truncated file but not a missing one', async () => {
    expect((await runData('check', join(FIXTURES, 'zero-size-bbox'), '--strict')).code).toBe(1);
    expect((await runData('check', join(FIXTURES, 'truncated-jpeg'), '--no-decode')).code).toBe(0);
    expect((await runData('check', join(FIXTURES, 'missing-image'), '--no-decode')).code).toBe(1);
  });
});

describe('loading a dataset with problems', () => {
  it('skips bad boxes with counted warnings and keeps the rest', async () => {
    const [source] = findSplits(join(FIXTURES, 'many-problems'));
    const dataset = await loadDataset(source!);
    expect(dataset.warnings.map((w) => w.code)).toEqual(['bbox-empty', 'bbox-empty']);
    expect(dataset.images.map((i) => i.annotations.classes.length)).toEqual([1, 1, 0, 0]);
  });

  it('clips a box that sticks out of its image', async () => {
    const [source] = findSplits(join(FIXTURES, 'clipped-bbox'));
    const dataset = await loadDataset(source!);
    expect(Array.from(dataset.images[0]!.annotations.boxes)).toEqual([2, 3, 12, 11, 20, 10, 32, 24]);
  });

  it('refuses a structurally broken file with every problem named', async () => {
    const [source] = findSplits(join(FIXTURES, 'unknown-category'));
    const error = await loadDataset(source!).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).message).toContain('instances_x.json: annotations[2].category_id: category 7 is not in "categories"');
  });
});
