// `nasfpn eval` end to end through the built bundle, as a user runs it: the pycocotools layout, --json, -o,
// --max-dets, subsets, --plot; bad input files (test/fixtures/coco/bad/<case>: message, exit 1, nothing
// written) and bad command lines (exit 2).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBundle, expectNoStackTrace, nasfpn } from '../helpers/cli.js';

const FIXTURES = 'test/fixtures/coco';

beforeAll(ensureBundle, 120_000);

const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-eval-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const caseFiles = (name: string) => ['--gt', join(FIXTURES, name, 'gt.json'), '--pred', join(FIXTURES, name, 'dt.json')];

describe('nasfpn eval', () => {
  test('prints the 12 numbers in pycocotools\' layout and the per-category table', () => {
    const r = nasfpn('eval', ...caseFiles('category-without-detections'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(' Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.500\n');
    expect(r.stdout).toContain(' Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = -1.000\n');
    expect(r.stdout.split('\n').filter((l) => l.startsWith(' Average'))).toHaveLength(12);
    expect(r.stdout).toMatch(/^class1 +100\.0 +100\.0 +1$/m);
    expect(r.stdout).toMatch(/^class2 +0\.0 +0\.0 +1$/m);
  });

  test('--json prints the 12 keys and perCategory; -o writes the same object', () => {
    const out = join(scratch, 'metrics.json');
    const r = nasfpn('eval', ...caseFiles('one-class'), '--json', '-o', out);
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout);
    expect(Object.keys(printed)).toEqual(['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl', 'perCategory']);
    expect(printed.AP).toBeCloseTo((51 + (50 * 2) / 3) / 101, 12);
    expect(printed.perCategory).toEqual([{ id: 1, name: 'class1', AP: printed.AP, AP50: printed.AP50, numGt: 2 }]);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(printed);
  });

  test('--max-dets, --cat-ids and --img-ids as pycocotools\' Params', () => {
    const maxDets = JSON.parse(nasfpn('eval', ...caseFiles('beyond-maxdets'), '--max-dets', '1,2,3', '--json').stdout);
    expect(maxDets.AP).toBe(-1); // summarize's AP reads maxDets=100
    expect(maxDets.AP50).toBeCloseTo(51 / 3 / 101, 12);
    const cats = JSON.parse(nasfpn('eval', ...caseFiles('category-without-detections'), '--cat-ids', '1', '--json').stdout);
    expect(cats.AP).toBeCloseTo(1, 12); // 1/(1 + np.spacing(1)), as pycocotools
    expect(cats.perCategory.map((c: { id: number }) => c.id)).toEqual([1]);
    const images = JSON.parse(nasfpn('eval', ...caseFiles('image-without-gt'), '--img-ids', '1,3', '--json').stdout);
    expect(images.AP).toBeCloseTo(1, 12); // image 2's false positive is not evaluated
    const areas = JSON.parse(nasfpn('eval', ...caseFiles('area-boundaries'), '--area-ranges', 'all=0:1e10,small=0:1023', '--json').stdout);
    expect([areas.APs, areas.APm]).toEqual([-1, -1]);
  });

  test('--plot writes the overall and per-category precision–recall curves', () => {
    const dir = join(scratch, 'plots');
    const r = nasfpn('eval', ...caseFiles('empty-categories'), '--plot', dir);
    expect(r.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['pr-1-class1.svg', 'pr-2-class2.svg', 'pr-3-class3.svg', 'pr-all.svg']);
    const svg = readFileSync(join(dir, 'pr-all.svg'), 'utf8');
    expect(svg).toMatch(/^<svg /);
    expect(svg.match(/<path /g)).toHaveLength(10); // one curve per IoU threshold
    expect(readFileSync(join(dir, 'pr-2-class2.svg'), 'utf8')).not.toContain('<path '); // no GT: no curve
  });

  describe.each(readdirSync(join(FIXTURES, 'bad')))('bad input: %s', (name) => {
    test('its message, exit 1, nothing written', () => {
      const dir = join(FIXTURES, 'bad', name);
      const message = readFileSync(join(dir, 'message.txt'), 'utf8').trim();
      const out = join(scratch, `${name}.json`);
      const plots = join(scratch, `${name}-plots`);
      const r = nasfpn('eval', '--gt', join(dir, 'gt.json'), '--pred', join(dir, 'dt.json'), '-o', out, '--plot', plots);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(message);
      expect(r.stderr).toMatch(/\.json: \d+ problems?/); // names the file
      expect(r.stdout).toBe('');
      expectNoStackTrace(r);
      expect(existsSync(out)).toBe(false);
      expect(existsSync(plots)).toBe(false);
    });
  });

  test('a missing file is bad input; a bad command line is exit 2', () => {
    const missing = nasfpn('eval', '--gt', join(scratch, 'nope.json'), '--pred', join(scratch, 'nope2.json'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope.json');
    for (const args of [
      [...caseFiles('one-class'), '--iou-type', 'segm'],
      [...caseFiles('one-class'), '--max-dets', '1,10'],
      [...caseFiles('one-class'), '--cat-ids', '1,x'],
      [...caseFiles('one-class'), '--area-ranges', 'small=5:1'],
      [...caseFiles('one-class'), '--png'],
      ['--gt', join(FIXTURES, 'one-class', 'gt.json')],
    ]) {
      const r = nasfpn('eval', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expectNoStackTrace(r);
    }
  });
});
