// The in-process evaluator (reset / process / evaluate) gives the same numbers as evaluating the columns of a
// results file, and refuses what loadRes refuses.
import { describe, expect, test } from 'vitest';
import { CocoEvaluator, evaluateDetections } from '../../src/eval/evaluator.js';
import { makeParams } from '../../src/eval/params.js';
import { syntheticCoco } from '../../src/eval/synthetic.js';

const { gt, dt } = syntheticCoco({ seed: 5, images: 40, categories: 6, gtPerImage: 4, detectionsPerImage: 15 });

function feed(evaluator: CocoEvaluator): void {
  // Image by image, as prediction produces them.
  for (let start = 0; start < dt.count; start += 15) {
    const end = start + 15;
    evaluator.process(dt.imageIds[start], {
      boxes: dt.bboxes.subarray(4 * start, 4 * end),
      scores: dt.scores.subarray(start, end),
      categoryIds: dt.categoryIds.subarray(start, end),
    });
  }
}

describe('CocoEvaluator', () => {
  test('process image by image, then evaluate: the numbers of the whole file', () => {
    const evaluator = new CocoEvaluator(gt);
    feed(evaluator);
    const fromFile = evaluateDetections(gt, dt);
    const inProcess = evaluator.evaluate();
    expect(inProcess.summary).toEqual(fromFile.summary);
    expect(inProcess.perCategory).toEqual(fromFile.perCategory);
    expect(fromFile.summary.AP).toBeGreaterThan(0);
  });

  test('reset forgets the detections; evaluating nothing scores 0 where there is GT', () => {
    const evaluator = new CocoEvaluator(gt);
    feed(evaluator);
    evaluator.reset();
    const empty = evaluator.evaluate().summary;
    expect(empty.AP).toBe(0);
    expect(empty.AR100).toBe(0);
    feed(evaluator);
    expect(evaluator.evaluate().summary).toEqual(evaluateDetections(gt, dt).summary);
  });

  test('parameters as in COCOeval: a category subset', () => {
    const evaluator = new CocoEvaluator(gt, { catIds: [2, 1] });
    feed(evaluator);
    const { perCategory } = evaluator.evaluate();
    expect(perCategory.map((c) => c.id)).toEqual([1, 2]);
    expect(evaluator.evaluate().summary).toEqual(evaluateDetections(gt, dt, makeParams(gt, { catIds: [1, 2] })).summary);
  });

  test('an image outside the ground truth, or mismatched columns, is a RangeError', () => {
    const evaluator = new CocoEvaluator(gt);
    expect(() => evaluator.process(-5, { boxes: [0, 0, 1, 1], scores: [1], categoryIds: [1] })).toThrow(/image -5 is not an image/);
    expect(() => evaluator.process(gt.images.ids[0], { boxes: [0, 0, 1], scores: [1], categoryIds: [1] })).toThrow(RangeError);
  });
});

describe('formatFixed3', () => {
  test('rounds as Python\'s {:0.3f}: exact ties to even, the rest to nearest', async () => {
    const { formatFixed3 } = await import('../../src/eval/summary.js');
    // Python: '{:0.3f}'.format(x) for these values.
    const python: [number, string][] = [[0.0625, '0.062'], [0.1875, '0.188'], [0.3125, '0.312'], [0.9375, '0.938'],
      [0.8349834983498349, '0.835'], [-1, '-1.000'], [0, '0.000'], [1, '1.000'], [0.0005, '0.001'], [0.1235, '0.123']];
    for (const [x, text] of python) expect(formatFixed3(x), String(x)).toBe(text);
  });
});
