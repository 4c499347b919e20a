// `nasfpn data targets` and `nasfpn data show --detector` as users run them: from the dist/ bundle (rebuilt when
// stale), on a fixture matched by hand.
//
// test/fixtures/targets/three-boxes: one 128 × 120 image, placed at scale 0.5 into the 64 × 64 input of
// detector `tiny` (P3: 8 × 8 anchors of 32 × 32, anchor n = 8y + x is [8x − 12, 8y − 12, 8x + 20, 8y + 20];
// P4: 4 × 4 anchors of 64 × 64, anchor 64 + 4y + x is [16x − 24, 16y − 24, 16x + 40, 16y + 40]). Its boxes,
// in input pixels:
//   #0 [4, 4, 28, 28] (24²): the P3 anchors that contain it, x, y ∈ {1, 2} (n = 9, 10, 17, 18), have IoU
//      576/1024 = 0.5625 ≥ 0.5; every other anchor less (P3 x = 0 or 3: 384/1216; P4: 576/4096).
//   #1 [52, 4, 60, 12] (8²): at most 64/1024 = 0.0625 (the nine P3 anchors y ∈ {0, 1, 2}, x ∈ {5, 6, 7} that
//      contain it), so it is force-matched to the lowest of them, n = 5, although anchor 5's own best box is
//      #2 (256/3072 = 0.083).
//   #2 [16, 12, 64, 60] (48²): P4 anchor (2, 2) = [8, 8, 72, 72] contains it, 2304/4096 = 0.5625 (n = 74); its
//      neighbours stay below 0.5 ((1, 2): 2112/4288 = 0.49); a P3 anchor reaches at most 1024/2304 = 0.44.
// Box targets: anchor 9 (centre 12, 12) for #0 (centre 16, 16, side 24): (4/32, 4/32, log 0.75, log 0.75);
// anchor 5 (centre y 4, x 44) for #1 (centre 8, 56, side 8): (0.125, 0.375, log 0.25, log 0.25); anchor 74
// (centre 40, 40, side 64) for #2 (centre 36, 40, side 48): (−0.0625, 0, log 0.75, log 0.75).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ensureBundle, expectNoStackTrace, nasfpn } from '../helpers/cli.js';

const FIXTURE = 'test/fixtures/targets/three-boxes';
const DETECTOR = `${FIXTURE}/detector.fpn#tiny`;
let outDir: string;

beforeAll(() => {
  ensureBundle();
  outDir = mkdtempSync(join(tmpdir(), 'nasfpn-targets-cli-'));
}, 120_000);
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

const LOG_075 = Math.log(0.75);
const LOG_025 = Math.log(0.25);
/** The positives worked out above: anchor → [level, y, x, GT, IoU, class, box target, forced]. */
const EXPECTED_POSITIVES = [
  { index: 5, level: 3, y: 0, x: 5, gt: 1, iou: 0.0625, classTarget: 2, boxTarget: [0.125, 0.375, LOG_025, LOG_025], forced: true },
  { index: 9, level: 3, y: 1, x: 1, gt: 0, iou: 0.5625, classTarget: 1, boxTarget: [0.125, 0.125, LOG_075, LOG_075], forced: false },
  { index: 10, level: 3, y: 1, x: 2, gt: 0, iou: 0.5625, classTarget: 1, boxTarget: [0.125, -0.125, LOG_075, LOG_075], forced: false },
  { index: 17, level: 3, y: 2, x: 1, gt: 0, iou: 0.5625, classTarget: 1, boxTarget: [-0.125, 0.125, LOG_075, LOG_075], forced: false },
  { index: 18, level: 3, y: 2, x: 2, gt: 0, iou: 0.5625, classTarget: 1, boxTarget: [-0.125, -0.125, LOG_075, LOG_075], forced: false },
  { index: 74, level: 4, y: 2, x: 2, gt: 2, iou: 0.5625, classTarget: 1, boxTarget: [-0.0625, 0, LOG_075, LOG_075], forced: false },
];

interface AnchorJson {
  index: number; level: number; y: number; x: number; scale: number; ratio: number; box: number[];
  classTarget: number; boxTarget: number[]; gt: number; iou: number; forced: boolean;
}

describe('nasfpn data targets', () => {
  it('prints the hand-computed positives per level (the summary)', () => {
    const run = nasfpn('data', 'targets', FIXTURE, '--detector', DETECTOR, '--image', '7');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(readFileSync(`${FIXTURE}/expected.txt`, 'utf8'));
  });

  it('--json holds every anchor with its class and box target, matching the hand computation', () => {
    const run = nasfpn('data', 'targets', FIXTURE, '--detector', DETECTOR, '--image', '7', '--split', 'val', '--json');
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(Object.keys(report)).toEqual([
      'image', 'detector', 'placement', 'boxFormat', 'boxTargetFormat', 'classTargetFormat', 'gt', 'levels', 'positives', 'anchors',
    ]);
    expect(report.image).toEqual({ id: 7, file: `${FIXTURE}/val/grey.png`, width: 128, height: 120, split: 'val' });
    expect(report.detector).toEqual({ name: 'tiny', file: `${FIXTURE}/detector.fpn`, inputSize: 64, anchors: { scales: 1, ratios: [1], size: 4 } });
    expect(report.placement).toEqual({ scale: 0.5, resizedWidth: 64, resizedHeight: 60 });
    expect(report.gt.map((g: { box: number[] }) => g.box)).toEqual([[4, 4, 28, 28], [52, 4, 60, 12], [16, 12, 64, 60]]);
    expect(report.levels).toEqual([
      { level: 3, stride: 8, height: 8, width: 8, anchors: 64, positives: 5, ignored: 0 },
      { level: 4, stride: 16, height: 4, width: 4, anchors: 16, positives: 1, ignored: 0 },
    ]);
    expect(report.positives).toBe(6);

    const anchors: AnchorJson[] = report.anchors;
    expect(anchors).toHaveLength(80);
    anchors.forEach((a, n) => {
      expect(Object.keys(a)).toEqual(['index', 'level', 'y', 'x', 'scale', 'ratio', 'box', 'classTarget', 'boxTarget', 'gt', 'iou', 'forced']);
      expect(a.index).toBe(n);
      // The layout's order and geometry: P3 first (n = 8y + x), then P4 (n = 64 + 4y + x).
      const [level, stride, side, first] = n < 64 ? [3, 8, 32, 0] : [4, 16, 64, 64];
      expect([a.level, a.y * (64 / stride) + a.x + first, a.scale, a.ratio]).toEqual([level, n, 0, 0]);
      const [cx, cy] = [stride / 2 + a.x * stride, stride / 2 + a.y * stride];
      expect(a.box).toEqual([cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2]);
    });
    const positives = anchors.filter((a) => a.classTarget >= 0);
    expect(positives.map(({ index, level, y, x, gt, classTarget, forced }) => ({ index, level, y, x, gt, classTarget, forced })))
      .toEqual(EXPECTED_POSITIVES.map(({ index, level, y, x, gt, classTarget, forced }) => ({ index, level, y, x, gt, classTarget, forced })));
    positives.forEach((a, i) => {
      expect(a.iou).toBeCloseTo(EXPECTED_POSITIVES[i].iou, 6);
      a.boxTarget.forEach((t, c) => expect(t).toBeCloseTo(EXPECTED_POSITIVES[i].boxTarget[c], 6));
    });
    // Everything else is negative (no ignore band at 0.5 / 0.5), with a zero box target and no GT.
    for (const a of anchors.filter((a) => a.classTarget < 0)) {
      expect([a.classTarget, a.gt, a.forced, a.boxTarget]).toEqual([-1, -1, false, [0, 0, 0, 0]]);
      expect(a.iou).toBeLessThan(0.5);
    }
    // A negative reports its best IoU: P4 (1, 2), n = 70, with #2, just below the threshold.
    expect(anchors[70].iou).toBeCloseTo(2112 / 4288, 6);
  });

  it('a crowd box is never a target (image 8: box #0 of image 7, marked crowd)', () => {
    const run = nasfpn('data', 'targets', FIXTURE, '--detector', DETECTOR, '--image', '8');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('  #0  square (category 1, channel 1)  [4, 4, 28, 28]  crowd: never a target\n');
    expect(run.stdout).toContain('all               80          0        0\n\nno positive anchors\n');
    const json = JSON.parse(nasfpn('data', 'targets', FIXTURE, '--detector', DETECTOR, '--image', '8', '--json').stdout);
    expect(json.gt).toEqual([{ index: 0, category: 1, channel: 1, crowd: true, box: [4, 4, 28, 28] }]);
    expect(json.positives).toBe(0);
    // Negatives report their IoU with non-crowd boxes only: there are none.
    expect(json.anchors.every((a: AnchorJson) => a.classTarget === -1 && a.iou === 0)).toBe(true);
  });

  it('bad input exits 1 with a message; a missing option exits 2; no stack traces', () => {
    const cases: [string[], number, string][] = [
      [['--image', '9'], 1, `nasfpn: no image with id 9 in ${FIXTURE}/annotations/instances_val.json\n`],
      [['--detector', `${FIXTURE}/detector.fpn#huge`], 1, `nasfpn: ${FIXTURE}/detector.fpn has no detector named 'huge' (it has: tiny)\n`],
      [['--detector', `${FIXTURE}/nothing.fpn`], 1, `nasfpn: cannot read ${FIXTURE}/nothing.fpn: no such file, or not readable\n`],
      [['--split', 'train'], 1, `nasfpn: ${FIXTURE}: no split 'train' (there are: val)\n`],
    ];
    for (const [change, status, stderr] of cases) {
      const args = ['--detector', DETECTOR, '--image', '7'];
      for (let i = 0; i < change.length; i += 2) {
        const at = args.indexOf(change[i]);
        if (at >= 0) args[at + 1] = change[i + 1];
        else args.push(change[i], change[i + 1]);
      }
      const run = nasfpn('data', 'targets', FIXTURE, ...args);
      expect([run.code, run.stderr]).toEqual([status, stderr]);
      expectNoStackTrace(run);
    }
    const missing = nasfpn('data', 'targets', join(outDir, 'no-such-folder'), '--detector', DETECTOR, '--image', '7');
    expect([missing.code, missing.stderr]).toEqual([1, `nasfpn: ${join(outDir, 'no-such-folder')}: no such folder\n`]);
    const noDetector = nasfpn('data', 'targets', FIXTURE, '--image', '7');
    expect(noDetector.code).toBe(2);
    expect(noDetector.stderr).toContain("required option '--detector <file#name>' not specified");
    const badId = nasfpn('data', 'targets', FIXTURE, '--detector', DETECTOR, '--image', 'seven');
    expect(badId.code).toBe(2);
  });
});

describe('nasfpn data show --detector', () => {
  it('draws each positive anchor in its level\'s colour, with a legend', async () => {
    const out = join(outDir, 'anchors.png');
    const run = nasfpn('data', 'show', FIXTURE, '--image', '7', '--detector', DETECTOR, '-o', out);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('3 boxes, 6 positive anchors of tiny');
    const { data, info } = await sharp(readFileSync(out)).raw().toBuffer({ resolveWithObject: true });
    // The 128 × 120 image is drawn 4× (512 × 480), with a two-line legend strip below it.
    expect([info.width, info.height]).toEqual([512, 528]);
    const pixel = (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3));
    const P3 = [0xff, 0x17, 0x44];
    const P4 = [0xff, 0xea, 0x00];
    const GREY = [96, 96, 96];
    // P4 anchor 74, [8, 8, 72, 72] in input pixels = [16, 16, 144, 144] in the image = x 64 on screen: its left edge
    // (2 px wide, centred on x = 64) below box #0 and left of box #2, where nothing else is drawn.
    expect([pixel(63, 400), pixel(64, 400), pixel(66, 400)]).toEqual([P4, P4, GREY]);
    // P3 anchor 18, [4, 4, 36, 36] → [8, 8, 72, 72] in the image → y 288 on screen: its bottom edge.
    expect([pixel(250, 287), pixel(250, 288), pixel(250, 290)]).toEqual([P3, P3, GREY]);
    const svgOut = join(outDir, 'anchors.svg');
    expect(nasfpn('data', 'show', FIXTURE, '--image', '7', '--detector', DETECTOR, '-o', svgOut).code).toBe(0);
    const svg = readFileSync(svgOut, 'utf8');
    expect(svg).toContain('>P3 anchors (stride 8): 5 positive</text>');
    expect(svg).toContain('>P4 anchors (stride 16): 1 positive</text>');
    expect(svg.match(/stroke="#ff1744"/g)).toHaveLength(5 + 1); // five anchors and the legend swatch
    expect(svg.match(/stroke="#ffea00"/g)).toHaveLength(1 + 1);
  });

  it('a detector that does not fit the dataset\'s classes is bad input', () => {
    const wide = join(outDir, 'wide.fpn');
    writeFileSync(wide, readFileSync(`${FIXTURE}/detector.fpn`, 'utf8').replace('classes 3', 'classes 5'));
    const run = nasfpn('data', 'show', FIXTURE, '--detector', wide, '-o', join(outDir, 'x.png'));
    expect([run.code, run.stderr]).toEqual([1,
      `nasfpn: ${FIXTURE}/annotations/instances_val.json: a head of 5 classes does not fit 2 categories: use 3 (categories + the unused channel 0) or 91 (raw COCO ids)\n`]);
  });
});
