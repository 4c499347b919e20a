// `nasfpn data targets` output: one image's anchor assignment (inspect.ts) as a readable summary or as JSON
// with every anchor. Boxes are [x1, y1, x2, y2] in network-input pixels (the project's in-memory convention,
// src/data/types.ts); box targets are (ty, tx, th, tw) as src/targets/boxcoding.ts encodes them.
import { describeAnchor, levelCounts, positiveAnchors, type ImageAssignment } from './inspect.js';
import { IGNORED, NEGATIVE } from './matching.js';

/** What the report says about the image and the detector besides the assignment itself. */
export interface TargetsContext {
  readonly image: { id: number; file: string; width: number; height: number; split: string };
  readonly detector: { name: string; file: string };
  /** The COCO category of a class channel. */
  readonly categoryOf: (channel: number) => { id: number; name: string };
}

const BOX_FORMAT = '[x1, y1, x2, y2] in network-input pixels';
const BOX_TARGET_FORMAT = '[ty, tx, th, tw] = [(yc - yc_a)/h_a, (xc - xc_a)/w_a, log(h/h_a), log(w/w_a)]';
const CLASS_TARGET_FORMAT = `${NEGATIVE} negative, ${IGNORED} ignored, else the class channel`;

/** Decimal places of IoUs and box targets in the summary (JSON keeps every digit). */
const DIGITS = 4;
const fixed = (v: number) => (Object.is(v, -0) ? 0 : v).toFixed(DIGITS).replace(/\.?0+$/, '');
const numbers = (vs: readonly number[]) => `[${vs.map(fixed).join(', ')}]`;

function header(assignment: ImageAssignment, context: TargetsContext): string[] {
  const { image, detector } = context;
  const { placement, layout } = assignment;
  return [
    `image ${image.id} (${image.file}, ${image.width}×${image.height}, split ${image.split}), detector ${detector.name} (${detector.file})`,
    `placed as evaluation places it: scale ${fixed(placement.scale)} → ${placement.resizedWidth}×${placement.resizedHeight} ` +
      `in the ${layout.inputSize}×${layout.inputSize} input; anchors: ${layout.scales} scale${layout.scales === 1 ? '' : 's'}, ` +
      `ratios ${layout.ratios.join(' ')}, size ${layout.anchorSize}`,
  ];
}

/** The readable summary: the GT boxes, anchors / positives / ignored per level, then every positive anchor. */
export function formatTargets(assignment: ImageAssignment, context: TargetsContext): string {
  const { gt } = assignment;
  const lines = header(assignment, context);
  lines.push('', `ground truth (boxes ${BOX_FORMAT}):`);
  if (gt.classes.length === 0) lines.push('  none: every anchor is negative');
  for (let g = 0; g < gt.classes.length; g++) {
    const { id, name } = context.categoryOf(gt.classes[g]);
    const box = Array.from(gt.boxes.subarray(4 * g, 4 * g + 4));
    lines.push(`  #${g}  ${name} (category ${id}, channel ${gt.classes[g]})  ${numbers(box)}${gt.crowd[g] ? '  crowd: never a target' : ''}`);
  }

  const counts = levelCounts(assignment);
  const table = [['level', 'grid', 'anchors', 'positives', 'ignored']];
  for (const c of counts) table.push([`P${c.level}`, `${c.height}×${c.width}`, String(c.anchors), String(c.positives), String(c.ignored)]);
  const sum = (key: 'anchors' | 'positives' | 'ignored') => String(counts.reduce((s, c) => s + c[key], 0));
  table.push(['all', '', sum('anchors'), sum('positives'), sum('ignored')]);
  lines.push('', ...alignRows(table, [false, false, true, true, true]));

  const positives = positiveAnchors(assignment);
  lines.push('', positives.length
    ? `positive anchors (class target = channel; box target ${BOX_TARGET_FORMAT}):`
    : 'no positive anchors');
  if (positives.length) {
    const rows = [['anchor', 'level', 'y', 'x', 'scale', 'ratio', 'GT', 'IoU', 'class', 'anchor box', 'box target', '']];
    for (const p of positives) {
      rows.push([
        String(p.index), `P${p.level}`, String(p.y), String(p.x), String(p.scale), String(p.ratio), `#${p.gt}`, fixed(p.iou),
        String(p.classTarget), numbers(p.box), numbers(p.boxTarget), p.forced ? 'force-matched' : '',
      ]);
    }
    lines.push(...alignRows(rows, [true, false, true, true, true, true, false, true, true, false, false, false]).map((l) => `  ${l}`));
  }
  return lines.join('\n') + '\n';
}

/** Rows as columns two spaces apart, right-aligned where `right` says. */
function alignRows(rows: readonly string[][], right: readonly boolean[]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (right[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd());
}

/**
 * The JSON report, in chunks (a 640² detector has ~77,000 anchors, ~10 MB): one object with the image, the
 * detector's anchor settings, the GT boxes, the per-level counts and every anchor, one per line.
 */
export function* targetsJson(assignment: ImageAssignment, context: TargetsContext): Generator<string> {
  const { gt, layout, placement } = assignment;
  const head = {
    image: context.image,
    detector: { ...context.detector, inputSize: layout.inputSize, anchors: { scales: layout.scales, ratios: layout.ratios, size: layout.anchorSize } },
    placement: { scale: placement.scale, resizedWidth: placement.resizedWidth, resizedHeight: placement.resizedHeight },
    boxFormat: BOX_FORMAT,
    boxTargetFormat: BOX_TARGET_FORMAT,
    classTargetFormat: CLASS_TARGET_FORMAT,
    gt: Array.from(gt.classes, (channel, g) => ({
      index: g, category: context.categoryOf(channel).id, channel, crowd: gt.crowd[g] === 1,
      box: Array.from(gt.boxes.subarray(4 * g, 4 * g + 4)),
    })),
    levels: levelCounts(assignment),
    positives: assignment.targets.positives,
  };
  const text = JSON.stringify(head, null, 2);
  yield `${text.slice(0, -2)},\n  "anchors": [\n`;
  const ANCHORS_PER_CHUNK = 1000;
  for (let start = 0; start < layout.anchorCount; start += ANCHORS_PER_CHUNK) {
    const lines: string[] = [];
    for (let n = start; n < Math.min(start + ANCHORS_PER_CHUNK, layout.anchorCount); n++) {
      lines.push(`    ${JSON.stringify(describeAnchor(assignment, n))}${n + 1 < layout.anchorCount ? ',' : ''}`);
    }
    yield lines.join('\n') + '\n';
  }
  yield '  ]\n}\n';
}
