// The `graph` view: Figure 7 of the paper. One row per resolution (P3 at the top, coarser levels below),
// the pyramid's inputs on the left, every merging cell a dot in creation order, an arrow from each of a
// cell's two inputs, dashed arrows for dangling-layer sums.
//
// Positions are computed directly (a layered layouter cannot pin rows). Edges are routed here too: an
// edge goes straight when that misses every dot, otherwise it drops into the free lane between two rows,
// runs along it and climbs to its target; edges sharing a lane are spread over parallel tracks (bundled),
// and d3-shape turns the waypoints into smooth paths. `nasfpn diff --draw` (graph-diff.ts) lays out and paints a
// pyramid with another overlaid through the same code: its nodes and edges carry diff marks.
import { curveLinear, curveMonotoneX, line } from 'd3-shape';
import { inputCount, strideOf, type FpnPyramidIR, type OpKind, type PyramidIR, type PyramidNetworkIR } from '../semantics/ir.js';
import { levelName } from '../semantics/levels.js';
import { TOP_BACKBONE_LEVEL } from '../semantics/rules.js';
import { assertNever } from '../util/assert-never.js';
import { arrowHeadPath, circleBox, distanceToSegment, lastTangentPoint, polylineLength, segmentIntersectsBox, stepTowards, type Point } from './geometry.js';
import { el, group, num, svgDocument, textEl } from './svg.js';
import { boxesOverlap, textBox, textWidth, type Box } from './text.js';
import { FONT_FAMILY, themeByName, type Theme, type ThemeName } from './theme.js';

// Sizes in px. Rows are far enough apart for a lane of bundled edges between them.
const ROW_GAP = 64;
const MIN_COLUMN = 50;
const DOT_R = 6.5;
const RING_R = 11;
/** Edges keep this far from the centre of any dot they do not touch. */
const CLEARANCE = RING_R + 4;
const MARGIN = 20;
const LABEL_SIZE = 11;
const ROW_LABEL_SIZE = 13;
const STRIDE_SIZE = 10;
const TITLE_SIZE = 15;
const SUBTITLE_SIZE = 11;
const LEGEND_SIZE = 11;
/** Half the height of the band of tracks in a lane. */
const LANE_HALF_WIDTH = ROW_GAP / 2 - CLEARANCE - 3;

export interface GraphOptions {
  theme?: ThemeName;
  /** Rows to draw (defaults to the pyramid's levels); `--compare` passes the union of both pyramids'. */
  levels?: [min: number, max: number];
  /** Draw the legend under the graph (default true). */
  legend?: boolean;
}

export interface GraphDot {
  node: number;
  name: string;
  level: number;
  kind: 'input' | 'cell';
  op: Glyph | null;
  isOutput: boolean;
  x: number;
  y: number;
  /** Radius of what is drawn (the ring for inputs and outputs). */
  radius: number;
  /** In a diff drawing (graph-diff.ts): how the node changed. */
  mark?: DiffMark;
}

export interface GraphEdge {
  from: number;
  to: number;
  kind: 'input' | 'dangling';
  /** Waypoints, centre to centre before trimming to the dots' rims. */
  points: Point[];
  /** The lane (0 = above the first row, rows = below the last) an edge runs in, or null when straight. */
  lane: number | null;
  /** In a diff drawing: whether the edge is new, gone or in both. */
  mark?: EdgeMark;
}

export interface GraphLabel {
  text: string;
  x: number;
  y: number;
  size: number;
  bold: boolean;
  anchor: 'start' | 'middle' | 'end';
  box: Box;
  /** What the label names, for the SVG's data-* attributes. */
  role: 'node' | 'row' | 'stride' | 'title' | 'subtitle' | 'legend';
  fill: 'ink' | 'muted';
  /** The row a row or stride label belongs to. */
  level?: number;
}

export interface GraphRow {
  level: number;
  y: number;
}

export interface GraphLayout {
  width: number;
  height: number;
  rows: GraphRow[];
  dots: GraphDot[];
  edges: GraphEdge[];
  labels: GraphLabel[];
  /** Legend glyphs (drawn shapes, positioned), after the labels are placed. */
  legend: LegendItem[];
  /** Left and right x of the dot area (row bands span it). */
  bandLeft: number;
  bandRight: number;
}

export interface LegendItem {
  glyph: 'input' | 'output' | Glyph | 'edge' | 'dangling' | DiffMark;
  x: number;
  y: number;
}

// ---------------------------------------------------------------------------------------------------
// Layout

/** What a dot draws: a merging cell's op, or a plain 3×3 conv (the smoothing and P6/P7 convs of `kind fpn`). */
export type Glyph = OpKind | 'conv';

/** How each glyph is drawn: its legend text, the plural for the subtitle, and the radius of its shape. */
const GLYPHS: { [K in Glyph]: { legend: string; counted: (n: number) => string; radius: number } } = {
  sum: { legend: 'sum', counted: (n) => `${n} sum`, radius: DOT_R },
  global_pool: { legend: 'global pool', counted: (n) => `${n} global pool`, radius: DOT_R + 1.5 },
  wsum: { legend: 'weighted sum', counted: (n) => `${n} weighted sum${n === 1 ? '' : 's'}`, radius: DOT_R },
  conv: { legend: '3×3 conv', counted: (n) => `${n} conv${n === 1 ? '' : 's'}`, radius: DOT_R },
};

/**
 * How a diff drawing (graph-diff.ts, `nasfpn diff --draw`) paints a node: only in B, only in A, in both with
 * different fields, or in both alike. Edges are added, removed or unchanged.
 */
export type DiffMark = 'added' | 'removed' | 'changed' | 'unchanged';
export type EdgeMark = Exclude<DiffMark, 'changed'>;

/** One node as the graph view draws it, whatever the kind of its pyramid. */
export interface DrawnNode {
  name: string;
  level: number;
  kind: 'input' | 'cell';
  /** null for an input. */
  glyph: Glyph | null;
  isOutput: boolean;
  /** Nodes feeding it (solid arrows), then the dangling-layer sums added to it (dashed). */
  inputs: number[];
  dangling: number[];
  /** Global pooling: the input whose global pool gates the other. */
  pooled?: string;
  /** In a diff drawing: the node's mark, and one per entry of `inputs` and of `dangling`. */
  mark?: DiffMark;
  inputMarks?: EdgeMark[];
  danglingMarks?: EdgeMark[];
}

/** A pyramid of either kind as dots and arrows: its inputs first, then one node per column. */
export interface DrawnPyramid {
  name: string;
  minLevel: number;
  maxLevel: number;
  nodes: DrawnNode[];
  inputCount: number;
  /** The glyphs its legend lists. */
  glyphs: Glyph[];
  /** The diff marks its legend lists (a diff drawing only). */
  marks?: DiffMark[];
  subtitle: string;
  description: string;
}

export function drawnPyramid(p: PyramidNetworkIR): DrawnPyramid {
  switch (p.kind) {
    case 'cells':
      return drawnCells(p);
    case 'fpn':
      return drawnFpn(p);
    default:
      return assertNever(p, 'pyramid kind');
  }
}

/** Figure 7: the inputs, then every merging cell in creation order. */
function drawnCells(p: PyramidIR): DrawnPyramid {
  const inputs = inputCount(p);
  const nodes: DrawnNode[] = p.nodes.map((node, index) => {
    const cell = index < inputs ? null : p.cells[index - inputs];
    return {
      name: node.name, level: node.level, kind: node.kind, glyph: cell ? cell.op.kind : null, isOutput: cell?.isOutput ?? false,
      inputs: cell ? [...cell.inputs] : [], dangling: cell ? cell.danglingSums : [],
      pooled: cell?.op.kind === 'global_pool' ? p.nodes[cell.inputs[cell.op.pooled]].name : undefined,
    };
  });
  // Sum and global pool always (Figure 7's two), any other op where it is used.
  const used = new Set(p.cells.map((c) => c.op.kind));
  const glyphs = (['sum', 'global_pool', 'wsum'] as const satisfies readonly OpKind[]).filter((op) => op === 'sum' || op === 'global_pool' || used.has(op));
  const dangling = p.cells.reduce((n, c) => n + c.danglingSums.length, 0);
  const outputs = p.cells.filter((c) => c.isOutput).length;
  return {
    name: p.name, minLevel: p.minLevel, maxLevel: p.maxLevel, nodes, inputCount: inputs, glyphs,
    subtitle:
      `${p.cells.length} merging cells · P${p.minLevel}–P${p.maxLevel} · ` +
      glyphs.map((op) => GLYPHS[op].counted(p.cells.filter((c) => c.op.kind === op).length)).join(', ') +
      (dangling ? ` · ${dangling} dangling sum${dangling === 1 ? '' : 's'}` : ''),
    description:
      `Architecture graph of pyramid network ${p.name} in the style of NAS-FPN Figure 7: one row per resolution, ` +
      `P${p.minLevel} (stride ${strideOf(p.minLevel)}) at the top to P${p.maxLevel} (stride ${strideOf(p.maxLevel)}) at the bottom; ` +
      `${inputs} inputs on the left (green rings), ${p.cells.length} merging cells in creation order ` +
      `(circles are sums, diamonds global pooling${used.has('wsum') ? ', squares weighted sums' : ''}), ${outputs} outputs (red rings), ` +
      `an arrow from each cell input` + (dangling ? `, ${dangling} dangling-layer sum${dangling === 1 ? '' : 's'} dashed.` : '.'),
  };
}

/**
 * `kind fpn` as the first pyramid of a detector builds it (FpnPyramidIR): the backbone levels C3..C5 as inputs
 * (their 1×1 laterals implied), the top-down sums, a 3×3 conv per level as the outputs, and P6, P7 as 3×3/2
 * convs of P5 and relu(P6).
 */
function drawnFpn(p: FpnPyramidIR): DrawnPyramid {
  const top = Math.min(p.maxLevel, TOP_BACKBONE_LEVEL);
  const nodes: DrawnNode[] = [];
  const index = new Map<string, number>();
  const add = (node: DrawnNode) => index.set(node.name, nodes.push(node) - 1);
  for (let level = p.minLevel; level <= top; level++) {
    add({ name: `C${level}`, level, kind: 'input', glyph: null, isOutput: false, inputs: [], dangling: [] });
  }
  // The top-down path: each level's lateral plus the upsampled sum above it (the top level is its lateral).
  const path = new Map<number, number>([[top, index.get(`C${top}`)!]]);
  for (let level = top - 1; level >= p.minLevel; level--) {
    add({ name: `td${level}`, level, kind: 'cell', glyph: 'sum', isOutput: false, inputs: [index.get(`C${level}`)!, path.get(level + 1)!], dangling: [] });
    path.set(level, nodes.length - 1);
  }
  for (let level = p.minLevel; level <= top; level++) {
    add({ name: levelName(level), level, kind: 'cell', glyph: 'conv', isOutput: true, inputs: [path.get(level)!], dangling: [] });
  }
  for (let level = top + 1; level <= p.maxLevel; level++) {
    add({ name: levelName(level), level, kind: 'cell', glyph: 'conv', isOutput: true, inputs: [index.get(levelName(level - 1))!], dangling: [] });
  }
  const inputs = top - p.minLevel + 1;
  const sums = top - p.minLevel;
  return {
    name: p.name, minLevel: p.minLevel, maxLevel: p.maxLevel, nodes, inputCount: inputs, glyphs: ['sum', 'conv'],
    subtitle: `FPN (kind fpn) · P${p.minLevel}–P${p.maxLevel} · ${GLYPHS.sum.counted(sums)}, ${GLYPHS.conv.counted(p.maxLevel - p.minLevel + 1)} · BN on every output`,
    description:
      `Architecture graph of the FPN pyramid ${p.name} (the TF reference's fpn.py): one row per resolution, ` +
      `P${p.minLevel} (stride ${strideOf(p.minLevel)}) at the top to P${p.maxLevel} (stride ${strideOf(p.maxLevel)}) at the bottom; ` +
      `backbone levels C${p.minLevel}–C${top} on the left (green rings, each through a 1×1 lateral conv), ${sums} top-down sums (circles), ` +
      `a 3×3 conv per output (squares in red rings)` + (p.maxLevel > top ? `, levels above P${top} by 3×3 stride-2 convs (ReLU before P${top + 2}).` : '.'),
  };
}

export function layoutGraph(pyramid: PyramidNetworkIR, options: GraphOptions = {}): GraphLayout {
  return layoutDrawn(drawnPyramid(pyramid), options);
}

/** The layout of a pyramid already turned into dots and arrows (one pyramid, or a diff overlay). */
export function layoutDrawn(p: DrawnPyramid, options: GraphOptions = {}): GraphLayout {
  const [minLevel, maxLevel] = options.levels ?? [p.minLevel, p.maxLevel];
  const labels: GraphLabel[] = [];

  const title = p.name;
  const subtitle = p.subtitle;
  const titleBaseline = MARGIN + TITLE_SIZE * 0.8;
  const subtitleBaseline = titleBaseline + SUBTITLE_SIZE + 6;
  const top = subtitleBaseline + 20 + ROW_GAP / 2;

  const rowY = (level: number) => top + (level - minLevel) * ROW_GAP;
  const rows: GraphRow[] = [];
  for (let level = minLevel; level <= maxLevel; level++) rows.push({ level, y: rowY(level) });

  // Row labels: the level in bold, its stride beneath.
  const rowLabelWidth = Math.max(
    ...rows.map((r) => Math.max(textWidth(`P${r.level}`, ROW_LABEL_SIZE, true), textWidth(`stride ${strideOf(r.level)}`, STRIDE_SIZE))),
  );
  const rowLabelRight = MARGIN + rowLabelWidth;
  for (const r of rows) {
    labels.push({ ...makeLabel(`P${r.level}`, rowLabelRight, r.y - 1, ROW_LABEL_SIZE, true, 'end', 'row', 'ink'), level: r.level });
    labels.push({ ...makeLabel(`stride ${strideOf(r.level)}`, rowLabelRight, r.y + STRIDE_SIZE + 1, STRIDE_SIZE, false, 'end', 'stride', 'muted'), level: r.level });
  }

  // Columns: inputs first, then one per cell, wide enough for the longest node name.
  const longestName = Math.max(...p.nodes.map((n) => textWidth(n.name, LABEL_SIZE)));
  const column = Math.max(MIN_COLUMN, Math.ceil(longestName + 2 * RING_R));
  const firstColumnX = rowLabelRight + 18 + RING_R + 8;
  const inputs = p.inputCount;
  const dots: GraphDot[] = p.nodes.map((node, index) => {
    const isInput = index < inputs;
    return {
      node: index,
      name: node.name,
      level: node.level,
      kind: node.kind,
      op: node.glyph,
      isOutput: node.isOutput,
      x: firstColumnX + (isInput ? 0 : (index - inputs + 1) * column),
      y: rowY(node.level),
      radius: isInput || node.isOutput ? RING_R : node.glyph ? GLYPHS[node.glyph].radius : DOT_R,
      mark: node.mark,
    };
  });
  const lastColumnX = firstColumnX + (p.nodes.length - inputs) * column;
  const bandLeft = MARGIN;
  const bandRight = lastColumnX + column / 2 + 10;

  const edges = routeEdges(p, dots, rows, column);
  placeNodeLabels(dots, edges, labels);

  // Title block and legend.
  labels.push(makeLabel(title, MARGIN, titleBaseline, TITLE_SIZE, true, 'start', 'title', 'ink'));
  labels.push(makeLabel(subtitle, MARGIN, subtitleBaseline, SUBTITLE_SIZE, false, 'start', 'subtitle', 'muted'));
  let width = Math.max(bandRight + MARGIN, ...labels.map((l) => l.box.x + l.box.width + MARGIN));
  let bottom = rowY(maxLevel) + ROW_GAP / 2;
  const legend: LegendItem[] = [];
  if (options.legend ?? true) {
    bottom = placeLegend(legend, labels, MARGIN, bottom + 16, width - MARGIN, p.glyphs, p.nodes.some((n) => n.dangling.length > 0), p.marks ?? []);
  }
  width = Math.max(width, ...labels.map((l) => l.box.x + l.box.width + MARGIN));
  return { width: Math.ceil(width), height: Math.ceil(bottom + MARGIN), rows, dots, edges, labels, legend, bandLeft, bandRight };
}

function makeLabel(
  text: string, x: number, y: number, size: number, bold: boolean, anchor: GraphLabel['anchor'], role: GraphLabel['role'], fill: GraphLabel['fill'],
): GraphLabel {
  return { text, x, y, size, bold, anchor, role, fill, box: textBox(text, x, y, size, anchor, bold) };
}

// ---------------------------------------------------------------------------------------------------
// Edge routing

interface LaneRoute {
  edge: GraphEdge;
  lane: number;
  start: Point;
  end: Point;
  /** x where the edge enters and leaves the lane. */
  enter: number;
  leave: number;
}

function routeEdges(p: DrawnPyramid, dots: GraphDot[], rows: GraphRow[], column: number): GraphEdge[] {
  const edges: GraphEdge[] = [];
  const laneRoutes: LaneRoute[] = [];
  const rowIndex = (level: number) => rows.findIndex((r) => r.level === level);
  const laneY = (lane: number) => (lane < rows.length ? rows[lane].y : rows[rows.length - 1].y + ROW_GAP) - ROW_GAP / 2;
  // Dots sorted by x, so a segment is only tested against the dots within its horizontal extent.
  const byX = [...dots].sort((a, b) => a.x - b.x || a.y - b.y);

  const hits = (points: Point[], from: number, to: number): number => {
    let count = 0;
    for (let i = 1; i < points.length; i++) {
      const a = points[i - 1];
      const b = points[i];
      const left = Math.min(a[0], b[0]) - CLEARANCE;
      const right = Math.max(a[0], b[0]) + CLEARANCE;
      for (const dot of byX) {
        if (dot.x < left) continue;
        if (dot.x > right) break;
        if (dot.node === from || dot.node === to) continue;
        if (distanceToSegment([dot.x, dot.y], a, b) < CLEARANCE) count++;
      }
    }
    return count;
  };

  const route = (from: number, to: number, kind: GraphEdge['kind'], mark: EdgeMark | undefined) => {
    const a = dots[from];
    const b = dots[to];
    const start: Point = [a.x, a.y];
    const end: Point = [b.x, b.y];
    const edge: GraphEdge = { from, to, kind, points: [start, end], lane: null, mark };
    edges.push(edge);
    if (hits(edge.points, from, to) === 0) return;

    // Try every lane between (and just around) the two rows; the cheapest clear one wins.
    const ra = rowIndex(a.level);
    const rb = rowIndex(b.level);
    const inset = Math.min(column * 0.5, (b.x - a.x) / 3);
    let best: { lane: number; cost: number; hits: number; enter: number; leave: number } | null = null;
    for (let lane = Math.min(ra, rb); lane <= Math.max(ra, rb) + 1; lane++) {
      const y = laneY(lane);
      const enter = a.x + inset;
      const leave = b.x - inset;
      const points: Point[] = [start, [enter, y], [leave, y], end];
      const crossing = hits(points, from, to);
      const load = laneRoutes.filter((r) => r.lane === lane && r.enter < leave && enter < r.leave).length;
      const cost = polylineLength(points) + 24 * load;
      if (!best || crossing < best.hits || (crossing === best.hits && cost < best.cost)) {
        best = { lane, cost, hits: crossing, enter, leave };
      }
    }
    if (!best) return;
    edge.lane = best.lane;
    laneRoutes.push({ edge, lane: best.lane, start, end, enter: best.enter, leave: best.leave });
  };

  p.nodes.forEach((node, self) => {
    node.inputs.forEach((input, k) => route(input, self, 'input', node.inputMarks?.[k]));
    node.dangling.forEach((dangling, k) => route(dangling, self, 'dangling', node.danglingMarks?.[k]));
  });

  // Bundle: in each lane, give overlapping edges separate parallel tracks (greedy interval colouring,
  // in order of entry), then centre the tracks on the lane.
  const lanes = new Map<number, LaneRoute[]>();
  for (const r of laneRoutes) {
    if (!lanes.has(r.lane)) lanes.set(r.lane, []);
    lanes.get(r.lane)!.push(r);
  }
  for (const [lane, routes] of [...lanes.entries()].sort((x, y) => x[0] - y[0])) {
    routes.sort((x, y) => x.enter - y.enter || x.leave - y.leave || x.edge.from - y.edge.from || x.edge.to - y.edge.to);
    const trackEnds: number[] = [];
    const tracks = routes.map((r) => {
      let track = trackEnds.findIndex((endX) => endX < r.enter - 4);
      if (track < 0) track = trackEnds.push(0) - 1;
      trackEnds[track] = r.leave;
      return track;
    });
    const spacing = trackEnds.length > 1 ? Math.min(5, (2 * LANE_HALF_WIDTH) / (trackEnds.length - 1)) : 0;
    routes.forEach((r, k) => {
      const y = laneY(lane) + (tracks[k] - (trackEnds.length - 1) / 2) * spacing;
      r.edge.points = [r.start, [r.enter, y], [r.leave, y], r.end];
    });
  }
  return edges;
}

// ---------------------------------------------------------------------------------------------------
// Labels

/** Node names go beside their dot, at the first spot that hits no dot and no label and crosses fewest edges. */
function placeNodeLabels(dots: GraphDot[], edges: GraphEdge[], labels: GraphLabel[]): void {
  const dotBoxes = dots.map((d) => circleBox(d.x, d.y, d.radius + 1));
  const segments: [Point, Point][] = [];
  for (const e of edges) {
    const pts = trimmedPoints(e, dots);
    for (let i = 1; i < pts.length; i++) segments.push([pts[i - 1], pts[i]]);
  }
  for (const dot of dots) {
    const r = dot.radius;
    const candidates: [number, number, GraphLabel['anchor']][] = [
      [dot.x + r * 0.7 + 1, dot.y - r - 3, 'start'],
      [dot.x, dot.y - r - 4, 'middle'],
      [dot.x + r * 0.7 + 1, dot.y + r + LABEL_SIZE * 0.76 + 2, 'start'],
      [dot.x, dot.y + r + LABEL_SIZE * 0.76 + 3, 'middle'],
      [dot.x - r * 0.7 - 1, dot.y - r - 3, 'end'],
      [dot.x - r * 0.7 - 1, dot.y + r + LABEL_SIZE * 0.76 + 2, 'end'],
      [dot.x + r + 3, dot.y + LABEL_SIZE * 0.38, 'start'],
    ];
    let best: { label: GraphLabel; crossings: number } | null = null;
    for (const [x, y, anchor] of candidates) {
      const label = makeLabel(dot.name, x, y, LABEL_SIZE, false, anchor, 'node', 'ink');
      if (dotBoxes.some((b) => boxesOverlap(b, label.box, 1))) continue;
      if (labels.some((l) => boxesOverlap(l.box, label.box, 1))) continue;
      const crossings = segments.filter(([a, b]) => segmentIntersectsBox(a, b, label.box)).length;
      if (!best || crossings < best.crossings) best = { label, crossings };
      if (crossings === 0) break;
    }
    // Every dot has room for its name somewhere: columns are sized to the longest name.
    if (best) labels.push(best.label);
  }
}

/** Legend entries in a row (wrapping when wider than the drawing); returns the bottom y. */
function placeLegend(
  items: LegendItem[], labels: GraphLabel[], left: number, top: number, right: number, glyphs: Glyph[], dangling: boolean, marks: readonly DiffMark[],
): number {
  const entries: [LegendItem['glyph'], string][] = [
    ['input', 'input'],
    ['output', 'output'],
    ...glyphs.map((glyph): [Glyph, string] => [glyph, GLYPHS[glyph].legend]),
    ['edge', 'feeds'],
  ];
  if (dangling) entries.push(['dangling', 'dangling-layer sum']);
  for (const mark of marks) entries.push([mark, mark]);
  const glyphWidth = 30;
  let x = left;
  let y = top + RING_R;
  for (const [glyph, text] of entries) {
    const width = glyphWidth + 6 + textWidth(text, LEGEND_SIZE) + 18;
    if (x > left && x + width > Math.max(right, left + 420)) {
      x = left;
      y += 2 * RING_R + 8;
    }
    items.push({ glyph, x: x + glyphWidth / 2, y });
    labels.push(makeLabel(text, x + glyphWidth + 6, y + LEGEND_SIZE * 0.38, LEGEND_SIZE, false, 'start', 'legend', 'muted'));
    x += width;
  }
  return y + RING_R;
}

// ---------------------------------------------------------------------------------------------------
// Rendering

/** Edge waypoints with both ends moved from the dot centres to just outside the drawn shapes. */
function trimmedPoints(edge: GraphEdge, dots: GraphDot[]): Point[] {
  const pts = edge.points.slice();
  const last = pts.length - 1;
  pts[0] = stepTowards(pts[0], pts[1], dots[edge.from].radius + 2);
  pts[last] = stepTowards(pts[last], pts[last - 1], dots[edge.to].radius + 1.5);
  return pts;
}

const straightPath = line().curve(curveLinear).digits(2);
const lanePath = line().curve(curveMonotoneX).digits(2);

/** The graph's elements (rows, edges, dots, labels, legend) as lines of SVG, without the document around them. */
function renderGraphBody(p: DrawnPyramid, layout: GraphLayout, theme: Theme): string[] {
  const rows = layout.rows.map((row, i) => {
    const children = [];
    if (i % 2 === 0) {
      children.push(el('rect', { x: layout.bandLeft, y: row.y - ROW_GAP / 2, width: layout.bandRight - layout.bandLeft, height: ROW_GAP, fill: theme.band }));
    }
    const rowLabels = layout.labels.filter((l) => l.level === row.level);
    children.push(...rowLabels.map((l) => labelElement(l, theme)));
    return group({ 'data-row': row.level, 'data-stride': strideOf(row.level) }, children);
  });

  const edges = layout.edges.map((edge) => {
    const pts = trimmedPoints(edge, layout.dots);
    const d = (edge.lane === null ? straightPath : lanePath)(pts) ?? '';
    const tip = pts[pts.length - 1];
    const stroke = edgeColor(edge.mark, theme);
    return el('g', { 'data-from': p.nodes[edge.from].name, 'data-to': p.nodes[edge.to].name, 'data-kind': edge.kind, 'data-diff': edge.mark }, [
      el('path', { d, fill: 'none', stroke, 'stroke-width': 1.4, 'stroke-dasharray': edgeDash(edge.kind, edge.mark) }),
      el('path', { d: arrowHeadPath(tip, lastTangentPoint(d, pts[pts.length - 2])), fill: stroke }),
    ]);
  });

  const dots = layout.dots.map((dot) => {
    return group(
      {
        'data-node': dot.name,
        'data-level': dot.level,
        'data-kind': dot.kind,
        'data-op': dot.op ?? undefined,
        // For global pooling: the input whose global max gates the other (and is added unchanged).
        'data-pooled': p.nodes[dot.node].pooled,
        'data-output': dot.isOutput ? 'true' : undefined,
        'data-diff': dot.mark,
      },
      dotShapes(dot.kind === 'input' ? 'input' : dot.op!, dot.isOutput, dot.x, dot.y, theme, dotPaint(dot.mark, theme)),
    );
  });

  const legend = layout.legend.map((item) => legendGlyph(item, theme));
  const texts = layout.labels.filter((l) => l.role !== 'row' && l.role !== 'stride').map((l) => labelElement(l, theme));
  return [
    group({ class: 'rows' }, rows),
    group({ class: 'edges' }, edges),
    group({ class: 'dots' }, dots),
    group({ class: 'labels' }, texts),
    group({ class: 'legend' }, legend),
  ];
}

/** Dash pattern of removed nodes and edges in a diff drawing (dangling-layer sums are '5 3'). */
const REMOVED_DASH = '2 3';
const DANGLING_DASH = '5 3';

/** How a dot is painted: filled (ink, or a diff mark's colour) with the + of a sum on it, or only outlined, dashed. */
interface Paint {
  fill: string;
  plus: string;
  /** A removed node: its outline in this colour, dashed, and no fill. */
  outline?: string;
}

function dotPaint(mark: DiffMark | undefined, theme: Theme): Paint {
  switch (mark) {
    case undefined:
      return { fill: theme.ink, plus: theme.onDot };
    case 'added':
    case 'changed':
    case 'unchanged':
      return { fill: theme.diff[mark], plus: theme.onDot };
    case 'removed':
      return { fill: 'none', plus: theme.diff.removed, outline: theme.diff.removed };
    default:
      return assertNever(mark, 'diff mark');
  }
}

const edgeColor = (mark: EdgeMark | undefined, theme: Theme): string => (mark === undefined ? theme.edge : theme.diff[mark]);
const edgeDash = (kind: GraphEdge['kind'], mark: EdgeMark | undefined): string | undefined =>
  mark === 'removed' ? REMOVED_DASH : kind === 'dangling' ? DANGLING_DASH : undefined;

function dotShapes(kind: 'input' | Glyph, isOutput: boolean, x: number, y: number, theme: Theme, paint: Paint = dotPaint(undefined, theme)): string[] {
  const shapes: string[] = [];
  const fill = paint.outline ? { fill: 'none', stroke: paint.outline, 'stroke-width': 1.4, 'stroke-dasharray': REMOVED_DASH } : { fill: paint.fill };
  const ringDash = paint.outline ? REMOVED_DASH : undefined;
  if (kind === 'input') {
    shapes.push(el('circle', { cx: x, cy: y, r: RING_R, fill: 'none', stroke: theme.input, 'stroke-width': 2.4, 'stroke-dasharray': ringDash }));
    shapes.push(el('circle', { cx: x, cy: y, r: DOT_R - 1, ...fill }));
    return shapes;
  }
  if (isOutput) shapes.push(el('circle', { cx: x, cy: y, r: RING_R, fill: 'none', stroke: theme.output, 'stroke-width': 2.4, 'stroke-dasharray': ringDash }));
  const arm = DOT_R * 0.55;
  const plus = el('path', { d: `M${num(x - arm)},${num(y)}H${num(x + arm)}M${num(x)},${num(y - arm)}V${num(y + arm)}`, stroke: paint.plus, 'stroke-width': 1.6 });
  switch (kind) {
    case 'sum':
      shapes.push(el('circle', { cx: x, cy: y, r: DOT_R, ...fill }), plus);
      break;
    case 'wsum': {
      // Weighted sum: a plus on a square, a sum that reads apart from the plain one even in greyscale.
      const h = DOT_R * 0.9;
      shapes.push(el('rect', { x: x - h, y: y - h, width: 2 * h, height: 2 * h, rx: 1.5, ...fill }), plus);
      break;
    }
    case 'conv': {
      // A plain conv (kind fpn): a filled square, nothing combined.
      const h = DOT_R * 0.85;
      shapes.push(el('rect', { x: x - h, y: y - h, width: 2 * h, height: 2 * h, ...fill }));
      break;
    }
    case 'global_pool': {
      // Global pool: a diamond, so it reads apart from a sum even in greyscale.
      const h = DOT_R + 1.5;
      shapes.push(el('path', { d: `M${num(x)},${num(y - h)}L${num(x + h)},${num(y)}L${num(x)},${num(y + h)}L${num(x - h)},${num(y)}Z`, ...fill }));
      break;
    }
    default:
      return assertNever(kind, 'op');
  }
  return shapes;
}

/** A legend's arrow from x0 to x1 at height y. */
function legendArrow(x0: number, x1: number, y: number, stroke: string, dash: string | undefined): string[] {
  return [
    el('path', { d: `M${num(x0)},${num(y)}H${num(x1 - 1)}`, fill: 'none', stroke, 'stroke-width': 1.4, 'stroke-dasharray': dash }),
    el('path', { d: arrowHeadPath([x1, y], [x0, y]), fill: stroke }),
  ];
}

function legendGlyph(item: LegendItem, theme: Theme): string {
  const { x, y } = item;
  switch (item.glyph) {
    case 'input':
      return group({ 'data-legend': 'input' }, dotShapes('input', false, x, y, theme));
    case 'output':
      return group({ 'data-legend': 'output' }, [el('circle', { cx: x, cy: y, r: RING_R, fill: 'none', stroke: theme.output, 'stroke-width': 2.4 })]);
    case 'sum':
    case 'global_pool':
    case 'wsum':
    case 'conv':
      return group({ 'data-legend': item.glyph }, dotShapes(item.glyph, false, x, y, theme));
    case 'edge':
    case 'dangling':
      return group({ 'data-legend': item.glyph }, legendArrow(x - 14, x + 14, y, theme.edge, item.glyph === 'dangling' ? DANGLING_DASH : undefined));
    case 'changed':
      return group({ 'data-legend': item.glyph }, dotShapes('sum', false, x, y, theme, dotPaint(item.glyph, theme)));
    case 'added':
    case 'removed':
    case 'unchanged':
      // A cell and an edge as the mark paints them.
      return group({ 'data-legend': item.glyph }, [
        ...dotShapes('sum', false, x - 8, y, theme, dotPaint(item.glyph, theme)),
        ...legendArrow(x + 1, x + 16, y, edgeColor(item.glyph, theme), edgeDash('input', item.glyph)),
      ]);
    default:
      return assertNever(item.glyph, 'legend glyph');
  }
}

function labelElement(l: GraphLabel, theme: Theme): string {
  return textEl('text', {
    x: l.x, y: l.y, 'font-size': l.size, 'font-weight': l.bold ? 'bold' : undefined,
    'text-anchor': l.anchor === 'start' ? undefined : l.anchor, fill: l.fill === 'ink' ? theme.ink : theme.muted,
    'data-label': l.role === 'node' ? l.text : undefined,
  }, l.text);
}


/** Figure 7 for one pyramid, as a standalone SVG document. */
export function renderGraph(pyramid: PyramidNetworkIR, options: GraphOptions = {}): string {
  return renderDrawn(drawnPyramid(pyramid), options);
}

/** A pyramid already turned into dots and arrows (one pyramid, or a diff overlay), as a standalone SVG document. */
export function renderDrawn(p: DrawnPyramid, options: GraphOptions = {}): string {
  const theme = themeByName(options.theme ?? 'light');
  const layout = layoutDrawn(p, options);
  return svgDocument({
    width: layout.width,
    height: layout.height,
    title: `${p.name}: architecture graph`,
    desc: p.description,
    background: theme.background,
    fontFamily: FONT_FAMILY,
    defs: [],
    body: renderGraphBody(p, layout, theme),
  });
}

/** Two (or more) pyramids side by side on the same row scale: Figure 7(a) next to 7(f). */
export function renderCompare(networks: PyramidNetworkIR[], options: Omit<GraphOptions, 'levels'> = {}): string {
  const theme = themeByName(options.theme ?? 'light');
  const pyramids = networks.map(drawnPyramid);
  const levels: [number, number] = [Math.min(...pyramids.map((p) => p.minLevel)), Math.max(...pyramids.map((p) => p.maxLevel))];
  const layouts = networks.map((p) => layoutGraph(p, { ...options, levels, legend: false }));
  const body: string[] = [];
  let x = 0;
  layouts.forEach((layout, i) => {
    body.push(group({ transform: x === 0 ? undefined : `translate(${num(x)},0)`, 'data-pyramid': pyramids[i].name }, renderGraphBody(pyramids[i], layout, theme)));
    x += layout.width;
  });
  // One legend under all panels (the panels share the rows, so their bottoms line up).
  let height = Math.max(...layouts.map((l) => l.height));
  if (options.legend ?? true) {
    const items: LegendItem[] = [];
    const labels: GraphLabel[] = [];
    const glyphs = (Object.keys(GLYPHS) as Glyph[]).filter((glyph) => pyramids.some((p) => p.glyphs.includes(glyph)));
    const bottom = placeLegend(items, labels, MARGIN, height - MARGIN + 16, x - MARGIN, glyphs, pyramids.some((p) => p.nodes.some((n) => n.dangling.length > 0)), []);
    body.push(group({ class: 'legend' }, [...items.map((item) => legendGlyph(item, theme)), ...labels.map((l) => labelElement(l, theme))]));
    height = Math.ceil(bottom + MARGIN);
  }
  return svgDocument({
    width: x,
    height,
    title: `${pyramids.map((p) => p.name).join(' vs ')}: architecture graphs`,
    desc: `Side-by-side comparison on the same row scale. ` + pyramids.map((p) => p.description).join(' '),
    background: theme.background,
    fontFamily: FONT_FAMILY,
    defs: [],
    body,
  });
}
