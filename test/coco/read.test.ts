import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CocoFileError, detectionsFromRecords, readCocoDetections, readCocoGroundTruth } from '../../src/coco/read.js';

const dir = mkdtempSync(join(tmpdir(), 'nasfpn-coco-'));
const file = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

const gt = {
  images: [{ id: 1, width: 100, height: 80, file_name: 'a.png' }, { id: 7, width: 50, height: 50, file_name: 'b.png' }],
  categories: [{ id: 3, name: 'circle', supercategory: 'shape' }, { id: 5, name: 'square' }],
  annotations: [
    { id: 10, image_id: 1, category_id: 3, bbox: [1, 2, 30, 40], area: 1000, iscrowd: 0 },
    { id: 11, image_id: 7, category_id: 5, bbox: [0, 0, 10, 10], iscrowd: 1, ignore: 1 },
  ],
};

async function issuesOf(run: () => Promise<unknown>): Promise<string[]> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(CocoFileError);
    return (error as CocoFileError).issues.map((i) => `${i.jsonPath}: ${i.message}`);
  }
  throw new Error('expected a CocoFileError');
}

describe('readCocoGroundTruth', () => {
  it('reads an instances file into columns, with defaults for area and flags', async () => {
    const g = await readCocoGroundTruth(file('gt.json', gt));
    expect(Array.from(g.images.ids)).toEqual([1, 7]);
    expect(g.images.fileNames).toEqual(['a.png', 'b.png']);
    expect(Array.from(g.categories.ids)).toEqual([3, 5]);
    expect(g.categories.supercategories).toEqual(['shape', '']);
    expect(g.annotations.count).toBe(2);
    expect(Array.from(g.annotations.bboxes)).toEqual([1, 2, 30, 40, 0, 0, 10, 10]);
    expect(Array.from(g.annotations.areas)).toEqual([1000, 100]); // the second has no area: w·h
    expect(Array.from(g.annotations.iscrowd)).toEqual([0, 1]);
    expect(Array.from(g.annotations.ignore)).toEqual([0, 1]);
  });

  it('reports every structural problem at once, by JSON path', async () => {
    const bad = {
      images: [{ id: 1 }, { id: 1 }, { id: 'x' }],
      categories: [{ id: 3, name: 'a' }],
      annotations: [
        { id: 1, image_id: 2, category_id: 3, bbox: [0, 0, 1, 1] },
        { id: 2, image_id: 1, category_id: 9, bbox: [0, 0, 1] },
        { id: 3, image_id: 1, category_id: 3, bbox: [0, 0, 1, 1], iscrowd: 2 },
        { id: 2, image_id: 1, category_id: 3, bbox: [0, 0, 2, 2] },
      ],
    };
    expect(await issuesOf(() => readCocoGroundTruth(file('bad.json', bad)))).toEqual([
      'images[1].id: duplicate image id 1 (also images[0])',
      'images[2].id: must be an integer',
      'annotations[0].image_id: image 2 is not in "images"',
      'annotations[1].category_id: category 9 is not in "categories"',
      'annotations[1].bbox: must be [x, y, width, height]: four finite numbers',
      'annotations[2].iscrowd: must be 0 or 1',
      'annotations[3].id: duplicate annotation id 2 (also annotations[1])',
    ]);
  });

  it('names a missing file, a syntax error with its line and column, and a missing array', async () => {
    expect(await issuesOf(() => readCocoGroundTruth(join(dir, 'nope.json')))).toEqual([': cannot read the file: no such file']);
    const [syntax] = await issuesOf(() => readCocoGroundTruth(file('syntax.json', '{\n  "images": [,]\n}')));
    expect(syntax).toMatch(/not valid JSON: .* at line 2, column 14/);
    expect(await issuesOf(() => readCocoGroundTruth(file('partial.json', { images: [], categories: [] })))).toEqual([
      'annotations: missing: an instances file has an "annotations" array',
    ]);
  });
});

describe('readCocoDetections', () => {
  it('reads a results list and rejects an image the ground truth lacks, naming it', async () => {
    const g = await readCocoGroundTruth(file('gt2.json', gt));
    const d = await readCocoDetections(file('dt.json', [{ image_id: 7, category_id: 5, bbox: [1, 1, 5, 5], score: 0.5 }]), g);
    expect(d.count).toBe(1);
    expect(Array.from(d.bboxes)).toEqual([1, 1, 5, 5]);
    expect(await issuesOf(() => readCocoDetections(file('dt-bad.json', [
      { image_id: 8, category_id: 5, bbox: [1, 1, 5, 5], score: 0.5 },
      { image_id: 1, category_id: 5, bbox: [1, 1, 5, 5] },
    ]), g))).toEqual([
      `[0].image_id: image 8 is not in the ground truth (${g.path}): results must be for its images`,
      '[1].score: must be a finite number',
    ]);
    expect(detectionsFromRecords([], g).count).toBe(0);
  });
});
