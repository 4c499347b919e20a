// Every bad-data case as a fixture folder (test/fixtures/data/<case>/) with the expected report of
// `nasfpn data check` beside it (expected.txt), plus the loader's verdict on each.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DatasetError, findSplits, imagePath, loadDataset } from '../../src/data/dataset.js';
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
  'duplicate-annotation-id': { code: 1, says: 'annotations[2].id: error: duplicate annotation id 2 (also annotations[1])' },
  'outside-path': { code: 1, says: 'images[1] (id 2): error: file_name "/etc/hostname" leads out of the image folder' },
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

describe('image paths stay inside the dataset folder', () => {
  it('one rule: resolved against the image folder; climbing out or an absolute path is outside', () => {
    expect(imagePath('/d/x', 'a.jpg')).toEqual({ file: '/d/x/a.jpg', outside: false });
    expect(imagePath('/d/x', 'sub/../a.jpg')).toEqual({ file: '/d/x/a.jpg', outside: false });
    expect(imagePath('/d/x', '..a.jpg')).toEqual({ file: '/d/x/..a.jpg', outside: false });
    expect(imagePath('/d/x', '../../../../etc/passwd')).toEqual({ file: '/etc/passwd', outside: true });
    expect(imagePath('/d/x', '/etc/hostname')).toEqual({ file: '/etc/hostname', outside: true });
    expect(imagePath('/d/x', '/d/x/a.jpg')).toEqual({ file: '/d/x/a.jpg', outside: false });
  });

  it('the loader refuses them (before any image is read), unless allowed', async () => {
    const [source] = findSplits(join(FIXTURES, 'outside-path'));
    const error = await loadDataset(source!).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).problems.map((p) => p.code)).toEqual(['image-outside', 'image-outside']);
    const allowed = await loadDataset(source!, undefined, { allowOutside: true });
    expect(allowed.images.map((i) => i.file)).toEqual([resolve(FIXTURES, 'good/x/a.jpg'), '/etc/hostname']);
  });

  it('data check --allow-outside-images checks such files instead of refusing them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nasfpn-outside-'));
    try {
      cpSync(join(FIXTURES, 'outside-path'), join(dir, 'set'), { recursive: true });
      cpSync(join(FIXTURES, 'good', 'x'), join(dir, 'elsewhere'), { recursive: true });
      const annotations = join(dir, 'set', 'annotations', 'instances_x.json');
      const coco = JSON.parse(readFileSync(annotations, 'utf8'));
      coco.images[0].file_name = '../../elsewhere/a.jpg';
      coco.images[1].file_name = join(dir, 'elsewhere', 'b.png');
      writeFileSync(annotations, JSON.stringify(coco));
      expect((await runData('check', join(dir, 'set'))).code).toBe(1);
      const run = await runData('check', join(dir, 'set'), '--allow-outside-images');
      expect(run.stdout + run.stderr).toContain('2 images, 3 annotations: ok');
      expect(run.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('images must be regular files', () => {
  const hasMkfifo = (() => {
    try {
      execFileSync('mkfifo', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!hasMkfifo)('a FIFO named as an image is refused at once, not read for ever (skipped without mkfifo)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nasfpn-fifo-'));
    try {
      cpSync(join(FIXTURES, 'good'), join(dir, 'set'), { recursive: true });
      rmSync(join(dir, 'set', 'x', 'a.jpg'));
      execFileSync('mkfifo', [join(dir, 'set', 'x', 'a.jpg')]);
      const run = await runData('check', join(dir, 'set'));
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('x/a.jpg: image 1: error: is a pipe (FIFO), not a regular file');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
