// The `stack` view: a whole detector, left to right. The backbone's C3–C5, their 1×1 laterals (and P6/P7 by
// max pooling), the stacked pyramid networks (the middle ones collapsed into one "× N" block past a
// threshold, TensorBoard-style), the RetinaNet head — after every pyramid when anytime heads are declared —
// with the feature widths on the connections. One row per level, as in the graph view. With an exit K (the
// paper's anytime detection), what that exit's model leaves out — the later pyramids, every other head — is
// greyed, as src/codegen/exits.ts reads it off the truncated model.
import { backboneFacts } from '../codegen/backbone-facts.js';
import { partsRun } from '../codegen/exits.js';
import { strideOf, type Backbone, type DetectorIR, type PyramidNetworkIR } from '../semantics/ir.js';
import { levelRange } from '../semantics/levels.js';
import { FINEST_PYRAMID_INPUT_LEVEL } from '../semantics/rules.js';
import { assertNever } from '../util/assert-never.js';
import { arrowHeadPath } from './geometry.js';
import { el, group, num, svgDocument, textEl } from './svg.js';
import { textBox, textWidth, type Box } from './text.js';
import { boxFill, FONT_FAMILY, themeByName, type BoxFill, type Theme, type ThemeName } from './theme.js';

const ROW_GAP = 44;
const MARGIN = 20;
const GAP = 54;
const PAD = 10;
const TEXT_SIZE = 11;
const SMALL_SIZE = 10;
const TITLE_SIZE = 15;
const SUBTITLE_SIZE = 11;
const BOX_ROW_HEIGHT = 26;

export interface StackOptions {
  theme?: ThemeName;
  /** Draw every pyramid when there are at most this many; otherwise first, "× (N−2)", last. Default 3. */
  collapseAbove?: number;
  /** Grey what stopping after this pyramid skips (an exit of the detector); it is never collapsed. */
  exit?: number;
}

/** How much of its colour a part the exit skips keeps. */
const SKIPPED_OPACITY = 0.3;

/** A drawn rectangle with centred lines of text. */
export interface StackBlock {
  id: string;
  kind: 'image' | 'backbone' | 'lateral' | 'pyramid' | 'collapsed' | 'head';
  box: Box;
  lines: { text: string; bold: boolean; muted: boolean }[];
  /** Level rows the block spans (for the data-level attribute); empty for the image. */
  levels: number[];
  /** Extra data-* attributes. */
  data: Record<string, string | number>;
  fill: BoxFill;
  /** Drawn as a pile of boxes (the collapsed repeats). */
  stacked?: boolean;
  /** Not run by the exit drawn (greyed). */
  skipped?: boolean;
}

export interface StackEdge {
  from: string;
  to: string;
  level: number | null;
  points: [number, number][];
  label: string | null;
  /** Into or out of a part the exit drawn skips (greyed). */
  skipped?: boolean;
}

export interface StackLayout {
  width: number;
  height: number;
  rows: { level: number; y: number }[];
  blocks: StackBlock[];
  edges: StackEdge[];
  texts: { text: string; x: number; y: number; size: number; bold: boolean; muted: boolean; anchor: 'start' | 'middle' | 'end'; box: Box }[];
}

/**
 * The channel counts of the backbone levels a pyramid can take (C3..C5), as the builder makes them
 * (src/codegen/backbone-facts.ts).
 */
export const backboneChannels = (backbone: Backbone): ReadonlyMap<number, number> =>
  new Map([...backboneFacts(backbone).channels].filter(([level]) => level >= FINEST_PYRAMID_INPUT_LEVEL));

export const backboneName = (backbone: Backbone): string => backboneFacts(backbone).name;

export function layoutStack(d: DetectorIR, options: StackOptions = {}): StackLayout {
  const collapseAbove = options.collapseAbove ?? 3;
  const runs = options.exit === undefined ? null : partsRun(d, options.exit);
  const levels = levelRange(d.minLevel, d.maxLevel);
  const texts: StackLayout['texts'] = [];
  const addText = (text: string, x: number, y: number, size: number, bold: boolean, muted: boolean, anchor: 'start' | 'middle' | 'end') =>
    texts.push({ text, x, y, size, bold, muted, anchor, box: textBox(text, x, y, size, anchor, bold) });

  const titleBaseline = MARGIN + TITLE_SIZE * 0.8;
  const subtitleBaseline = titleBaseline + SUBTITLE_SIZE + 6;
  addText(d.name, MARGIN, titleBaseline, TITLE_SIZE, true, false, 'start');
  const conv = d.conv === 'separable' ? ', separable convs' : '';
  addText(
    `${backboneName(d.backbone)} · ${d.repeats} × ${d.pyramid.name} @${d.width}${conv} · RetinaNet head · ${d.inputSize}×${d.inputSize} input` +
      (options.exit === undefined ? '' : ` · exit ${options.exit}: the greyed parts are skipped`),
    MARGIN, subtitleBaseline, SUBTITLE_SIZE, false, true, 'start',
  );

  // Rows: one per level, with a band for the top-of-column width labels above the first.
  const top = subtitleBaseline + 44;
  const rowY = (level: number) => top + (level - d.minLevel) * ROW_GAP;
  const rows = levels.map((level) => ({ level, y: rowY(level) }));
  const spanTop = rowY(d.minLevel) - BOX_ROW_HEIGHT / 2 - 6;
  const spanBottom = rowY(d.maxLevel) + BOX_ROW_HEIGHT / 2 + 6;

  // Row labels at the far left.
  const rowLabelWidth = Math.max(...levels.map((l) => textWidth(`P${l} /${strideOf(l)}`, TEXT_SIZE, true)));
  for (const l of levels) addText(`P${l} /${strideOf(l)}`, MARGIN + rowLabelWidth, rowY(l) + TEXT_SIZE * 0.38, TEXT_SIZE, true, false, 'end');

  const blocks: StackBlock[] = [];
  const edges: StackEdge[] = [];
  let x = MARGIN + rowLabelWidth + 20;

  /** A block spanning all rows, centred text, width fitted to its lines. */
  const tallBlock = (
    id: string, kind: StackBlock['kind'], lines: StackBlock['lines'], fill: StackBlock['fill'], data: StackBlock['data'] = {}, stacked = false, skipped = false,
  ) => {
    const width = Math.ceil(Math.max(...lines.map((ln) => textWidth(ln.text, ln.bold ? TEXT_SIZE : SMALL_SIZE, ln.bold))) + 2 * PAD);
    const block: StackBlock = { id, kind, box: { x, y: spanTop, width, height: spanBottom - spanTop }, lines, levels, data, fill, stacked, skipped };
    blocks.push(block);
    x += width + GAP;
    return block;
  };
  const connectRows = (from: StackBlock, to: StackBlock, label: string | null) => {
    for (const level of levels) {
      const y = rowY(level);
      edges.push({ from: from.id, to: to.id, level, points: [[from.box.x + from.box.width, y], [to.box.x, y]], label: level === d.minLevel ? label : null });
    }
  };

  // Image → backbone.
  const imageHeight = 64;
  const image: StackBlock = {
    id: 'image', kind: 'image', levels: [], data: {}, fill: 'inner',
    box: { x, y: (spanTop + spanBottom) / 2 - imageHeight / 2, width: 0, height: imageHeight },
    lines: [{ text: 'image', bold: true, muted: false }, { text: `${d.inputSize}×${d.inputSize}`, bold: false, muted: true }],
  };
  image.box.width = Math.ceil(Math.max(textWidth('image', TEXT_SIZE, true), textWidth(`${d.inputSize}×${d.inputSize}`, SMALL_SIZE)) + 2 * PAD);
  blocks.push(image);
  x += image.box.width + GAP - 14;

  const channels = backboneChannels(d.backbone);
  const backbone = tallBlock('backbone', 'backbone', [
    { text: backboneName(d.backbone), bold: true, muted: false },
    { text: 'backbone', bold: false, muted: true },
  ], 'inner', { backbone: backboneName(d.backbone) });
  edges.push({ from: 'image', to: 'backbone', level: null, points: [[image.box.x + image.box.width, (spanTop + spanBottom) / 2], [backbone.box.x, (spanTop + spanBottom) / 2]], label: null });

  // Laterals: one small box per level. Backbone levels get a 1×1 conv to the pyramid width; levels above
  // the backbone's deepest are max-pooled from the level below (after its projection).
  const lateralWidth = Math.ceil(Math.max(textWidth('1×1 conv', SMALL_SIZE), textWidth('max-pool ÷2', SMALL_SIZE)) + 2 * PAD);
  // The backbone → lateral connections carry "C4 · 1024"-style labels: widen that gap to fit the longest.
  const channelLabelWidth = Math.max(0, ...[...channels].map(([level, c]) => textWidth(`C${level} · ${c}`, SMALL_SIZE)));
  const lateralX = x + Math.max(0, Math.ceil(channelLabelWidth + 16 - GAP));
  const deepest = Math.max(...channels.keys());
  for (const level of levels) {
    const fromBackbone = channels.has(level);
    const y = rowY(level);
    // A level above the backbone's is max-pooled from the lateral one row up (P6 from P5, P7 from P6), or
    // straight from the deepest backbone level when the pyramid starts above it.
    const above = blocks.find((b) => b.id === `lateral${level - 1}`);
    const poolFactor = above ? 2 : 2 ** (level - deepest);
    const block: StackBlock = {
      id: `lateral${level}`, kind: 'lateral', levels: [level], fill: 'block',
      data: fromBackbone ? { op: 'conv1x1', channels: channels.get(level)! } : { op: d.pyramid.kind === 'fpn' ? 'conv3x3_stride2' : 'max_pool' },
      box: { x: lateralX, y: y - BOX_ROW_HEIGHT / 2 + 3, width: lateralWidth, height: BOX_ROW_HEIGHT - 6 },
      lines: [{ text: fromBackbone ? '1×1 conv' : extraLevelText(d.pyramid, poolFactor), bold: false, muted: false }],
    };
    blocks.push(block);
    if (fromBackbone) {
      edges.push({ from: 'backbone', to: block.id, level, points: [[backbone.box.x + backbone.box.width, y], [lateralX, y]], label: `C${level} · ${channels.get(level)}` });
    } else if (above) {
      // A short drop from the lateral above, entering from the top.
      edges.push({
        from: above.id, to: block.id, level,
        points: [[lateralX + lateralWidth / 2, above.box.y + above.box.height], [lateralX + lateralWidth / 2, block.box.y]],
        label: null,
      });
    } else {
      edges.push({ from: 'backbone', to: block.id, level, points: [[backbone.box.x + backbone.box.width, y], [lateralX, y]], label: `C${deepest}` });
    }
  }
  x = lateralX + lateralWidth + GAP;
  const lateralBlocks = blocks.filter((b) => b.kind === 'lateral');

  // Pyramids, the middle ones collapsed.
  const contents = pyramidContents(d.pyramid);
  const repeatsShown = shownRepeats(d.repeats, collapseAbove, options.exit);
  const runsRepeat = (first: number, last: number, ran: ReadonlySet<number>) =>
    Array.from({ length: last - first + 1 }, (_, i) => first + i).some((r) => ran.has(r));
  const pyramidBlocks: StackBlock[] = [];
  for (const shown of repeatsShown) {
    const extras = [d.conv === 'separable' ? 'separable' : null, d.dropblock ? `DropBlock ${d.dropblock.size}×${d.dropblock.size}` : null].filter(Boolean) as string[];
    if (typeof shown === 'number') {
      pyramidBlocks.push(tallBlock(`pyramid${shown}`, 'pyramid', [
        { text: `${d.pyramid.name} #${shown}`, bold: true, muted: false },
        { text: `${contents} @${d.width}`, bold: false, muted: true },
        ...extras.map((t) => ({ text: t, bold: false, muted: true })),
      ], 'cluster', { repeat: shown }, false, runs !== null && !runs.pyramids.has(shown)));
    } else {
      const count = shown[1] - shown[0] + 1;
      pyramidBlocks.push(tallBlock(`pyramid${shown[0]}-${shown[1]}`, 'collapsed', [
        { text: `${d.pyramid.name} × ${count}`, bold: true, muted: false },
        { text: `#${shown[0]}–#${shown[1]}`, bold: false, muted: true },
        { text: `${contents} @${d.width} each`, bold: false, muted: true },
        ...extras.map((t) => ({ text: t, bold: false, muted: true })),
      ], 'cluster', { repeat: `${shown[0]}-${shown[1]}`, collapsed: count }, true, runs !== null && !runsRepeat(shown[0], shown[1], runs.pyramids)));
    }
  }
  // Laterals feed the first pyramid; each pyramid feeds the next.
  for (const level of levels) {
    const lateral = lateralBlocks.find((b) => b.id === `lateral${level}`)!;
    const y = rowY(level);
    edges.push({ from: lateral.id, to: pyramidBlocks[0].id, level, points: [[lateral.box.x + lateral.box.width, y], [pyramidBlocks[0].box.x, y]], label: level === d.minLevel ? `${d.width}` : null });
  }
  for (let i = 1; i < pyramidBlocks.length; i++) connectRows(pyramidBlocks[i - 1], pyramidBlocks[i], `${d.width}`);

  // Heads. The class and box towers share weights across levels (BN per level).
  const anchors = d.head.anchors.scales * d.head.anchors.ratios.length;
  const headConv = d.conv === 'separable' ? 'sep. conv' : 'conv';
  const headLines = (title: string): StackBlock['lines'] => [
    { text: title, bold: true, muted: false },
    { text: `class: ${d.head.convs}× ${headConv} ${d.head.width} → ${d.head.classes}·${anchors}`, bold: false, muted: true },
    { text: `box: ${d.head.convs}× ${headConv} ${d.head.width} → 4·${anchors}`, bold: false, muted: true },
    { text: `shared over P${d.minLevel}–P${d.maxLevel}`, bold: false, muted: true },
  ];
  const lastPyramid = pyramidBlocks[pyramidBlocks.length - 1];
  const head = tallBlock('head', 'head', headLines('RetinaNet head'), 'output', { classes: d.head.classes, anchors }, false, runs !== null && !runs.heads.has(d.repeats));
  connectRows(lastPyramid, head, `${d.width}`);

  // Anytime heads: a small head under every earlier pyramid (early exit), fed from its bottom.
  let bottom = spanBottom;
  if (d.anytimeHeads) {
    for (const pyramid of pyramidBlocks.slice(0, -1)) {
      const text = pyramid.kind === 'collapsed' ? `heads × ${pyramid.data.collapsed}` : 'head';
      const [first, last] = String(pyramid.data.repeat).split('-').map(Number);
      const width = Math.ceil(Math.max(textWidth(text, TEXT_SIZE, true), textWidth('anytime exit', SMALL_SIZE)) + 2 * PAD);
      const block: StackBlock = {
        id: `head${pyramid.data.repeat}`, kind: 'head', levels, fill: 'output',
        data: { repeat: pyramid.data.repeat, anytime: 'true' },
        box: { x: pyramid.box.x + pyramid.box.width / 2 - width / 2, y: spanBottom + 34, width, height: 40 },
        lines: [{ text, bold: true, muted: false }, { text: 'anytime exit', bold: false, muted: true }],
        stacked: pyramid.kind === 'collapsed',
        skipped: runs !== null && !runsRepeat(first, last ?? first, runs.heads),
      };
      blocks.push(block);
      const cx = pyramid.box.x + pyramid.box.width / 2;
      edges.push({ from: pyramid.id, to: block.id, level: null, points: [[cx, spanBottom], [cx, block.box.y]], label: null });
      bottom = Math.max(bottom, block.box.y + block.box.height + 6);
    }
  }

  // A connection into or out of a skipped part is not run either.
  const skippedIds = new Set(blocks.filter((b) => b.skipped).map((b) => b.id));
  for (const edge of edges) edge.skipped = skippedIds.has(edge.from) || skippedIds.has(edge.to);

  const width = Math.ceil(Math.max(x - GAP + MARGIN, ...texts.map((t) => t.box.x + t.box.width + MARGIN)));
  return { width, height: Math.ceil(bottom + MARGIN + 4), rows, blocks, edges, texts };
}

/**
 * The pyramids drawn, each a repeat or a collapsed range: all of them up to `collapseAbove`; past it the first,
 * the last and the exit's own each alone, every run of others between them collapsed into one block.
 */
function shownRepeats(repeats: number, collapseAbove: number, exit: number | undefined): (number | [number, number])[] {
  const all = Array.from({ length: repeats }, (_, i) => i + 1);
  if (repeats <= collapseAbove) return all;
  const alone = new Set([1, repeats, ...(exit === undefined ? [] : [exit])]);
  const shown: (number | [number, number])[] = [];
  for (const r of all) {
    const previous = shown[shown.length - 1];
    if (alone.has(r)) shown.push(r);
    else if (Array.isArray(previous)) previous[1] = r;
    else shown.push([r, r]);
  }
  return shown.map((s) => (Array.isArray(s) && s[0] === s[1] ? s[0] : s));
}

// ---------------------------------------------------------------------------------------------------

function blockElement(block: StackBlock, theme: Theme): string {
  const { x, y, width, height } = block.box;
  const shapes: string[] = [];
  const rect = (dx: number) => el('rect', { x: x + dx, y: y - dx, width, height, rx: 5, fill: boxFill(block.fill, theme), stroke: theme.clusterStroke, 'stroke-width': 1.2 });
  // A pile: two offset outlines behind the box.
  if (block.stacked) shapes.push(rect(8), rect(4));
  shapes.push(rect(0));
  const lineHeight = 15;
  const firstBaseline = y + height / 2 - ((block.lines.length - 1) * lineHeight) / 2 + TEXT_SIZE * 0.36;
  block.lines.forEach((ln, i) => {
    shapes.push(textEl('text', {
      x: x + width / 2, y: firstBaseline + i * lineHeight, 'text-anchor': 'middle', 'font-size': ln.bold ? TEXT_SIZE : SMALL_SIZE,
      'font-weight': ln.bold ? 'bold' : undefined, fill: ln.muted ? theme.muted : theme.ink,
    }, ln.text));
  });
  const data: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(block.data)) data[`data-${k}`] = v;
  return group({
    'data-node': block.id, 'data-kind': block.kind,
    'data-level': block.levels.length ? block.levels.join(' ') : undefined, ...data, ...skippedAttributes(block.skipped),
  }, shapes);
}

export function renderStack(d: DetectorIR, options: StackOptions = {}): string {
  const theme = themeByName(options.theme ?? 'light');
  const layout = layoutStack(d, options);
  const rowBands = layout.rows.map((row, i) =>
    group({ 'data-row': row.level, 'data-stride': strideOf(row.level) }, i % 2 === 0
      ? [el('rect', { x: MARGIN, y: row.y - ROW_GAP / 2, width: layout.width - 2 * MARGIN, height: ROW_GAP, fill: theme.band })]
      : []),
  );
  const edgeElements = layout.edges.map((e) => {
    const [[x1, y1], [x2, y2]] = e.points;
    const parts = [el('path', {
      d: `M${num(x1)},${num(y1)}L${num(x2 - 1)},${num(y2)}`, fill: 'none', stroke: theme.edge, 'stroke-width': 1.4,
    }), el('path', { d: arrowHeadPath([x2 - 1, y2], [x1, y1]), fill: theme.edge })];
    if (e.label) {
      parts.push(textEl('text', { x: (x1 + x2) / 2, y: y1 - 5, 'text-anchor': 'middle', 'font-size': SMALL_SIZE, fill: theme.muted }, e.label));
    }
    return group({ 'data-from': e.from, 'data-to': e.to, 'data-level': e.level ?? undefined, ...skippedAttributes(e.skipped) }, parts);
  });
  const textElements = layout.texts.map((t) => textEl('text', {
    x: t.x, y: t.y, 'font-size': t.size, 'font-weight': t.bold ? 'bold' : undefined, fill: t.muted ? theme.muted : theme.ink,
    'text-anchor': t.anchor === 'start' ? undefined : t.anchor,
  }, t.text));
  const anchors = d.head.anchors.scales * d.head.anchors.ratios.length;
  return svgDocument({
    width: layout.width,
    height: layout.height,
    title: `${d.name}: detector stack`,
    desc:
      `Detector ${d.name}: ${backboneName(d.backbone)} backbone giving C3–C5, laterals to width ${d.width} ` +
      `(levels above 5 by ${d.pyramid.kind === 'fpn' ? '3×3 stride-2 convs' : 'max pooling'}), ${d.repeats} stacked ${d.pyramid.name} pyramid networks of ${pyramidContents(d.pyramid)}` +
      `, then a RetinaNet head (${d.head.convs} convs of width ${d.head.width}, ${d.head.classes} classes, ${anchors} anchors)` +
      (d.anytimeHeads ? ' after every pyramid (anytime heads).' : '.') +
      (options.exit === undefined ? '' : ` Drawn for exit ${options.exit}: pyramids after ${options.exit} and every head but the one after pyramid ${options.exit} are greyed, as that exit skips them.`),
    background: theme.background,
    fontFamily: FONT_FAMILY,
    defs: [],
    body: [
      group({ class: 'rows' }, rowBands),
      group({ class: 'edges' }, edgeElements),
      group({ class: 'blocks' }, layout.blocks.map((b) => blockElement(b, theme))),
      group({ class: 'labels' }, textElements),
    ],
  });
}

/** A part the exit skips is drawn faded, and marked for readers of the SVG. */
const skippedAttributes = (skipped: boolean | undefined) => (skipped ? { 'data-skipped': 'true', opacity: SKIPPED_OPACITY } : {});

/** What one pyramid of the stack holds, for its block: its cell count, or the fixed FPN. */
function pyramidContents(p: PyramidNetworkIR): string {
  switch (p.kind) {
    case 'cells':
      return `${p.cells.length} cells`;
    case 'fpn':
      return 'FPN (top-down, 3×3)';
    default:
      return assertNever(p, 'pyramid kind');
  }
}

/** How a level above the backbone's is made: max pooling for merging cells, a 3×3/2 conv (of P5, then of relu(P6)) for FPN. */
function extraLevelText(p: PyramidNetworkIR, poolFactor: number): string {
  switch (p.kind) {
    case 'cells':
      return `max-pool ÷${poolFactor}`;
    case 'fpn':
      return '3×3/2 conv';
    default:
      return assertNever(p, 'pyramid kind');
  }
}
