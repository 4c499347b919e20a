// The `cells` view: Figure 6 of the paper. Every merging cell is a box holding what it does: the resampling
// of each input to the cell's level (nearest up ×k, or max-pool ÷k), the binary op (a sum, or global pooling
// with the gating input named), the dangling-layer sum when there is one, and R-C-B (ReLU-Conv-BN; a
// separable conv for Lite). Feature layers sit between the boxes: input layers yellow, outputs blue.
//
// The layout is elkjs's layered algorithm (left to right, compound nodes for the cells); it is loaded on
// first use and kept, so later drawings in the same process skip its start-up.
import { cellNodeIndex, inputCount, strideOf, type PyramidIR } from '../semantics/ir.js';
import { assertNever } from '../util/assert-never.js';
import { arrowHeadPath } from './geometry.js';
import { el, group, num, svgDocument, textEl } from './svg.js';
import { textWidth } from './text.js';
import { boxFill, FONT_FAMILY, themeByName, type BoxFill, type ThemeName } from './theme.js';

const TEXT_SIZE = 11;
const SMALL_SIZE = 10;
const TITLE_SIZE = 15;
const SUBTITLE_SIZE = 11;
const CELL_TITLE_SIZE = 11;
const MARGIN = 20;
const PAD_X = 9;

export interface CellsOptions {
  theme?: ThemeName;
  /** Draw the R-C-B block as ReLU-SepConv-BN (NAS-FPN Lite); a detector's `conv` setting decides this. */
  separable?: boolean;
  /** Feature width, shown on the R-C-B blocks when known (a detector's width). */
  width?: number;
}

type BlockKind = 'layer' | 'resample' | 'op' | 'dangling_sum' | 'rcb';

interface ElkLabel { text: string }
interface ElkNode {
  id: string;
  width?: number;
  height?: number;
  x?: number;
  y?: number;
  children?: ElkNode[];
  edges?: ElkEdge[];
  layoutOptions?: Record<string, string>;
  labels?: ElkLabel[];
}
interface ElkEdge {
  id: string;
  sources: string[];
  targets: string[];
  sections?: { startPoint: { x: number; y: number }; endPoint: { x: number; y: number }; bendPoints?: { x: number; y: number }[] }[];
}

interface Block {
  id: string;
  kind: BlockKind;
  lines: string[];
  /** For layers: the pyramid node; for the rest: the cell's node. */
  node: number;
  fill: Exclude<BoxFill, 'cluster'>;
  /** A repeated mention of a layer drawn elsewhere (the card layout's inputs): data-ref, not data-node. */
  ref?: boolean;
}

interface Link {
  id: string;
  from: string;
  to: string;
  dashed: boolean;
  /** Names for the data-* attributes (layer names where the link starts or ends at a layer). */
  fromName: string;
  toName: string;
}

export interface CellsLayout {
  width: number;
  height: number;
  blocks: (Block & { x: number; y: number; width: number; height: number })[];
  clusters: { cell: number; name: string; title: string; x: number; y: number; width: number; height: number }[];
  links: (Link & { points: [number, number][] })[];
}

/** "up ×4" / "max-pool ÷2" / null (same level), as in Figure 6. */
export function resampleText(fromLevel: number, toLevel: number): string | null {
  if (fromLevel === toLevel) return null;
  const factor = 2 ** Math.abs(fromLevel - toLevel);
  return fromLevel > toLevel ? `up ×${factor}` : `max-pool ÷${factor}`;
}

/** A layer's two lines: its name, then its level and stride (or "output" for an output layer). */
function layerLines(p: PyramidIR, node: number): string[] {
  const n = p.nodes[node];
  const cell = node >= inputCount(p) ? p.cells[node - inputCount(p)] : null;
  return [n.name, cell?.isOutput ? `P${n.level}′ output` : `P${n.level} · stride ${strideOf(n.level)}`];
}

function layerFill(p: PyramidIR, node: number): Block['fill'] {
  return node < inputCount(p) ? 'input' : p.cells[node - inputCount(p)].isOutput ? 'output' : 'inner';
}

function opLines(p: PyramidIR, c: number): string[] {
  const cell = p.cells[c];
  const op = cell.op;
  switch (op.kind) {
    case 'sum':
      return ['+', 'sum'];
    case 'wsum':
      // Σ wᵢxᵢ / Σ wᵢ, the weights learned (and kept ≥ 0 by a ReLU).
      return ['w+', 'weighted sum'];
    case 'global_pool':
      return ['GP', `${op.pool} gate: ${p.nodes[cell.inputs[op.pooled]].name}`];
    default:
      return assertNever(op, 'op');
  }
}

function rcbLines(options: CellsOptions): string[] {
  const width = options.width ? ` ${options.width}` : '';
  return options.separable ? ['R-SC-B', `sep. 3×3${width}`] : ['R-C-B', `3×3${width}`];
}

function blockSize(lines: string[]): { width: number; height: number } {
  const width = Math.max(...lines.map((t, i) => textWidth(t, i === 0 ? TEXT_SIZE : SMALL_SIZE, i === 0))) + 2 * PAD_X;
  return { width: Math.ceil(Math.max(width, 34)), height: lines.length === 1 ? 24 : 38 };
}

/** The blocks, links and cell groups of Figure 6, before layout. */
function buildGraph(p: PyramidIR, options: CellsOptions) {
  const blocks: Block[] = [];
  const links: Link[] = [];
  const clusters: { cell: number; name: string; title: string; members: string[] }[] = [];
  const inputs = inputCount(p);
  const layerId = (node: number) => `layer:${p.nodes[node].name}`;
  const link = (from: string, to: string, fromName: string, toName: string, dashed = false) =>
    links.push({ id: `e${links.length}`, from, to, dashed, fromName, toName });

  for (let i = 0; i < inputs; i++) blocks.push({ id: layerId(i), kind: 'layer', node: i, fill: 'input', lines: layerLines(p, i) });
  p.cells.forEach((cell, c) => {
    const self = cellNodeIndex(p, c);
    const prefix = `cell:${cell.name}`;
    const members: string[] = [];
    const opId = `${prefix}:op`;
    blocks.push({ id: opId, kind: 'op', node: self, fill: 'block', lines: opLines(p, c) });
    members.push(opId);
    cell.inputs.forEach((input, k) => {
      const text = resampleText(p.nodes[input].level, cell.level);
      if (text) {
        const id = `${prefix}:resample${k}`;
        blocks.push({ id, kind: 'resample', node: self, fill: 'block', lines: [text] });
        members.push(id);
        link(layerId(input), id, p.nodes[input].name, cell.name);
        link(id, opId, cell.name, cell.name);
      } else {
        link(layerId(input), opId, p.nodes[input].name, cell.name);
      }
    });
    let last = opId;
    if (cell.danglingSums.length) {
      const id = `${prefix}:dangling`;
      blocks.push({ id, kind: 'dangling_sum', node: self, fill: 'block', lines: ['+', 'dangling'] });
      members.push(id);
      link(opId, id, cell.name, cell.name);
      for (const node of cell.danglingSums) link(layerId(node), id, p.nodes[node].name, cell.name, true);
      last = id;
    }
    const rcbId = `${prefix}:rcb`;
    blocks.push({ id: rcbId, kind: 'rcb', node: self, fill: 'block', lines: rcbLines(options) });
    members.push(rcbId);
    link(last, rcbId, cell.name, cell.name);
    blocks.push({ id: layerId(self), kind: 'layer', node: self, fill: layerFill(p, self), lines: layerLines(p, self) });
    link(rcbId, layerId(self), cell.name, cell.name);
    clusters.push({ cell: c, name: cell.name, title: `${cell.name} → P${cell.level}`, members });
  });
  return { blocks, links, clusters };
}

let elkInstance: { layout(graph: ElkNode): Promise<ElkNode> } | null = null;
async function elk() {
  if (!elkInstance) {
    // A CommonJS module: at run time its default export is the constructor, whatever the typings say.
    const module = await import('elkjs/lib/elk.bundled.js');
    const ELK = module.default as unknown as new () => { layout(graph: ElkNode): Promise<ElkNode> };
    elkInstance = new ELK();
  }
  return elkInstance;
}

/**
 * Above this many cells the whole-graph layout gets slow (elkjs's compound layering grows fast: ~0.4 s at 20
 * random cells, ~5 s at 50, a stack overflow at 200) and unreadable, so each cell becomes a card in a grid.
 */
export const GRAPH_LAYOUT_MAX_CELLS = 24;

export async function layoutCells(p: PyramidIR, options: CellsOptions = {}): Promise<CellsLayout> {
  return p.cells.length > GRAPH_LAYOUT_MAX_CELLS ? layoutCards(p, options) : layoutWholeGraph(p, options);
}

async function layoutWholeGraph(p: PyramidIR, options: CellsOptions): Promise<CellsLayout> {
  const { blocks, links, clusters } = buildGraph(p, options);
  const byId = new Map(blocks.map((b) => [b.id, b]));
  const inCluster = new Set(clusters.flatMap((c) => c.members));
  const leaf = (b: Block): ElkNode => ({ id: b.id, ...blockSize(b.lines) });
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.json.shapeCoords': 'ROOT',
      'elk.json.edgeCoords': 'ROOT',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.layered.spacing.nodeNodeBetweenLayers': '26',
      'elk.spacing.nodeNode': '16',
      'elk.spacing.edgeNode': '10',
      'elk.spacing.edgeEdge': '6',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      'elk.layered.crossingMinimization.semiInteractive': 'false',
      'elk.randomSeed': '1',
      // A pyramid is one long chain of cells: wrap it into several rows instead of one very wide strip.
      'elk.layered.wrapping.strategy': 'MULTI_EDGE',
      'elk.aspectRatio': '1.6',
    },
    children: [
      ...blocks.filter((b) => !inCluster.has(b.id)).map(leaf),
      ...clusters.map((c) => ({
        id: `cluster:${c.name}`,
        layoutOptions: { 'elk.padding': `[top=${CELL_TITLE_SIZE + 14},left=10,bottom=10,right=10]` },
        children: c.members.map((id) => leaf(byId.get(id)!)),
      })),
    ],
    edges: links.map((l) => ({ id: l.id, sources: [l.from], targets: [l.to] })),
  };
  const laidOut = await (await elk()).layout(graph);

  const positions = new Map<string, ElkNode>();
  const visit = (n: ElkNode) => {
    positions.set(n.id, n);
    n.children?.forEach(visit);
  };
  visit(laidOut);
  const titleSpace = MARGIN + TITLE_SIZE + SUBTITLE_SIZE + 22;
  const place = (n: ElkNode) => ({ x: n.x! + MARGIN, y: n.y! + titleSpace, width: n.width!, height: n.height! });
  const edgesById = new Map((laidOut.edges ?? []).map((e) => [e.id, e]));
  const result: CellsLayout = {
    width: Math.ceil(Math.max(laidOut.width! + 2 * MARGIN, textWidth(p.name, TITLE_SIZE, true) + 2 * MARGIN, textWidth(subtitleOf(p, options), SUBTITLE_SIZE) + 2 * MARGIN)),
    height: Math.ceil(laidOut.height! + titleSpace + MARGIN),
    blocks: blocks.map((b) => ({ ...b, ...place(positions.get(b.id)!) })),
    clusters: clusters.map((c) => ({ cell: c.cell, name: c.name, title: c.title, ...place(positions.get(`cluster:${c.name}`)!) })),
    links: links.map((l) => {
      const section = edgesById.get(l.id)?.sections?.[0];
      const points: [number, number][] = section
        ? [section.startPoint, ...(section.bendPoints ?? []), section.endPoint].map((pt) => [pt.x + MARGIN, pt.y + titleSpace])
        : [];
      return { ...l, points };
    }),
  };
  return result;
}

// ---------------------------------------------------------------------------------------------------
// Card layout (large pyramids): the pyramid's input layers in a row on top, then one card per cell in a grid,
// every card with the same columns: its two input layers, their resampling, the op, the dangling sum, R-C-B
// and the layer it makes. Inputs inside a card are references to layers drawn in other cards.

const CARD_GAP = 16;
const CARD_PAD = 10;
const COLUMN_GAP = 20;
const ROW_HEIGHT = 38;
const ROW_GAP = 8;
const CARDS_PER_ROW_WIDTH = 1400;

function layoutCards(p: PyramidIR, options: CellsOptions): CellsLayout {
  const inputs = inputCount(p);
  const name = (node: number) => p.nodes[node].name;
  const rcb = rcbLines(options);
  const danglingLines = (c: number) => ['+', p.cells[c].danglingSums.map(name).join(', ')];

  // Column widths shared by every card, so the grid lines up.
  const widest = (lineSets: string[][]) => Math.max(34, ...lineSets.map((lines) => blockSize(lines).width));
  const layerWidth = widest(p.nodes.map((_, i) => layerLines(p, i)));
  const resampleWidth = widest(p.cells.flatMap((cell) => cell.inputs.map((i) => resampleText(p.nodes[i].level, cell.level)).filter((t): t is string => t !== null).map((t) => [t])));
  const opWidth = widest(p.cells.map((_, c) => opLines(p, c)));
  const hasDangling = p.cells.some((cell) => cell.danglingSums.length > 0);
  const danglingWidth = hasDangling ? widest(p.cells.flatMap((cell, c) => (cell.danglingSums.length ? [danglingLines(c)] : []))) : 0;
  const rcbWidth = widest([rcb]);
  const columnX = [0, layerWidth + COLUMN_GAP];
  columnX.push(columnX[1] + resampleWidth + COLUMN_GAP); // op
  columnX.push(columnX[2] + opWidth + COLUMN_GAP); // dangling sum (or R-C-B when there is none)
  columnX.push(columnX[3] + (hasDangling ? danglingWidth + COLUMN_GAP : 0)); // R-C-B
  columnX.push(columnX[4] + rcbWidth + COLUMN_GAP); // the cell's layer
  const cardWidth = columnX[5] + layerWidth + 2 * CARD_PAD;
  const titleHeight = CELL_TITLE_SIZE + 14;
  const cardHeight = titleHeight + 2 * ROW_HEIGHT + ROW_GAP + CARD_PAD;
  const perRow = Math.max(1, Math.floor((CARDS_PER_ROW_WIDTH + CARD_GAP) / (cardWidth + CARD_GAP)));

  const blocks: CellsLayout['blocks'] = [];
  const links: CellsLayout['links'] = [];
  const clusters: CellsLayout['clusters'] = [];
  const top = MARGIN + TITLE_SIZE + SUBTITLE_SIZE + 22;

  // The pyramid's inputs, once, in a row.
  for (let i = 0; i < inputs; i++) {
    const lines = layerLines(p, i);
    blocks.push({ id: `layer:${name(i)}`, kind: 'layer', node: i, fill: 'input', lines, x: MARGIN + i * (layerWidth + CARD_GAP), y: top, ...blockSize(lines), width: layerWidth });
  }
  const gridTop = top + ROW_HEIGHT + 2 * CARD_GAP;
  let linkCount = 0;
  const link = (from: string, to: string, fromName: string, toName: string, points: [number, number][], dashed = false) =>
    links.push({ id: `e${linkCount++}`, from, to, fromName, toName, dashed, points });

  p.cells.forEach((cell, c) => {
    const self = cellNodeIndex(p, c);
    const cardX = MARGIN + (c % perRow) * (cardWidth + CARD_GAP);
    const cardY = gridTop + Math.floor(c / perRow) * (cardHeight + CARD_GAP);
    clusters.push({ cell: c, name: cell.name, title: `${cell.name} → P${cell.level}`, x: cardX, y: cardY, width: cardWidth, height: cardHeight });
    const x0 = cardX + CARD_PAD;
    const rowY = (k: number) => cardY + titleHeight + k * (ROW_HEIGHT + ROW_GAP);
    const midY = rowY(0) + ROW_HEIGHT + ROW_GAP / 2;
    const prefix = `cell:${cell.name}`;
    const place = (id: string, kind: BlockKind, lines: string[], fill: Block['fill'], column: number, width: number, y: number, node = self, ref = false) => {
      const size = blockSize(lines);
      const block = { id, kind, node, lines, fill, ref, x: x0 + columnX[column], y: y - size.height / 2, width, height: size.height };
      blocks.push(block);
      return block;
    };
    const op = place(`${prefix}:op`, 'op', opLines(p, c), 'block', 2, opWidth, midY);
    cell.inputs.forEach((input, k) => {
      const y = rowY(k) + ROW_HEIGHT / 2;
      const ref = place(`${prefix}:in${k}`, 'layer', layerLines(p, input), layerFill(p, input), 0, layerWidth, y, input, true);
      const arriveY = midY + (k === 0 ? -5 : 5);
      const text = resampleText(p.nodes[input].level, cell.level);
      let from = ref.id;
      let startX = ref.x + ref.width;
      if (text) {
        const resample = place(`${prefix}:resample${k}`, 'resample', [text], 'block', 1, resampleWidth, y);
        link(ref.id, resample.id, name(input), cell.name, [[startX, y], [resample.x, y]]);
        from = resample.id;
        startX = resample.x + resample.width;
      }
      const bendX = op.x - COLUMN_GAP / 2;
      link(from, op.id, text ? cell.name : name(input), cell.name, [[startX, y], [bendX, y], [bendX, arriveY], [op.x, arriveY]]);
    });
    let last = op;
    if (cell.danglingSums.length) {
      const dangling = place(`${prefix}:dangling`, 'dangling_sum', danglingLines(c), 'block', 3, danglingWidth, midY);
      link(op.id, dangling.id, cell.name, cell.name, [[op.x + op.width, midY], [dangling.x, midY]]);
      last = dangling;
    }
    const rcbBlock = place(`${prefix}:rcb`, 'rcb', rcb, 'block', 4, rcbWidth, midY);
    link(last.id, rcbBlock.id, cell.name, cell.name, [[last.x + last.width, midY], [rcbBlock.x, midY]]);
    const out = place(`layer:${cell.name}`, 'layer', layerLines(p, self), layerFill(p, self), 5, layerWidth, midY);
    link(rcbBlock.id, out.id, cell.name, cell.name, [[rcbBlock.x + rcbBlock.width, midY], [out.x, midY]]);
  });
  const rows = Math.ceil(p.cells.length / perRow);
  const width = Math.max(
    MARGIN * 2 + Math.min(perRow, p.cells.length) * (cardWidth + CARD_GAP) - CARD_GAP,
    MARGIN * 2 + inputs * (layerWidth + CARD_GAP),
    textWidth(subtitleOf(p, options), SUBTITLE_SIZE) + 2 * MARGIN,
  );
  return { width: Math.ceil(width), height: Math.ceil(gridTop + rows * (cardHeight + CARD_GAP) - CARD_GAP + MARGIN), blocks, clusters, links };
}

function subtitleOf(p: PyramidIR, options: CellsOptions): string {
  return `${p.cells.length} merging cells · ${inputCount(p)} input layers (yellow) · ${p.cells.filter((c) => c.isOutput).length} output layers (blue)` +
    ` · GP = global pooling${p.cells.some((c) => c.op.kind === 'wsum') ? ', w+ = weighted sum' : ''}, R-C-B = ReLU-${options.separable ? 'SepConv' : 'Conv'}-BatchNorm`;
}

export async function renderCells(p: PyramidIR, options: CellsOptions = {}): Promise<string> {
  const theme = themeByName(options.theme ?? 'light');
  const layout = await layoutCells(p, options);
  const clusters = layout.clusters.map((c) =>
    group({ 'data-cell': c.name, 'data-level': p.cells[c.cell].level, 'data-op': p.cells[c.cell].op.kind }, [
      el('rect', { x: c.x, y: c.y, width: c.width, height: c.height, rx: 6, fill: theme.cluster, stroke: theme.clusterStroke, 'stroke-width': 1.2 }),
      textEl('text', { x: c.x + 8, y: c.y + CELL_TITLE_SIZE + 5, 'font-size': CELL_TITLE_SIZE, 'font-weight': 'bold', fill: theme.muted }, c.title),
    ]),
  );
  const links = layout.links.filter((l) => l.points.length >= 2).map((l) =>
    el('g', { 'data-from': l.fromName, 'data-to': l.toName, 'data-kind': l.dashed ? 'dangling' : 'input' }, [
      el('path', {
        d: l.points.map((pt, i) => `${i ? 'L' : 'M'}${num(pt[0])},${num(pt[1])}`).join(''),
        fill: 'none', stroke: theme.edge, 'stroke-width': 1.3, 'stroke-dasharray': l.dashed ? '5 3' : undefined,
      }),
      el('path', { d: arrowHeadPath(l.points[l.points.length - 1], l.points[l.points.length - 2], 7, 3.2), fill: theme.edge }),
    ]),
  );
  const blocks = layout.blocks.map((b) => {
    const isLayer = b.kind === 'layer';
    const node = p.nodes[b.node];
    const lineHeight = 14;
    const first = b.y + b.height / 2 - ((b.lines.length - 1) * lineHeight) / 2 + TEXT_SIZE * 0.36;
    return group({
      'data-node': isLayer && !b.ref ? node.name : undefined,
      'data-ref': isLayer && b.ref ? node.name : undefined,
      'data-level': isLayer && !b.ref ? node.level : undefined,
      'data-block': isLayer ? undefined : b.kind,
      'data-cell': isLayer ? undefined : node.name,
    }, [
      el('rect', {
        x: b.x, y: b.y, width: b.width, height: b.height, rx: isLayer ? 4 : b.kind === 'op' || b.kind === 'dangling_sum' ? 12 : 3,
        fill: boxFill(b.fill, theme), stroke: theme.clusterStroke, 'stroke-width': 1.1,
      }),
      ...b.lines.map((text, i) => textEl('text', {
        x: b.x + b.width / 2, y: first + i * lineHeight, 'text-anchor': 'middle', 'font-size': i === 0 ? TEXT_SIZE : SMALL_SIZE,
        'font-weight': i === 0 ? 'bold' : undefined, fill: i === 0 ? theme.ink : theme.muted,
      }, text)),
    ]);
  });
  const titleBaseline = MARGIN + TITLE_SIZE * 0.8;
  return svgDocument({
    width: layout.width,
    height: layout.height,
    title: `${p.name}: merging cells`,
    desc:
      `Merging cells of pyramid network ${p.name} in the style of NAS-FPN Figure 6: each of the ${p.cells.length} cells is a box with the ` +
      `resampling of its two inputs, its binary op (sum${p.cells.some((c) => c.op.kind === 'wsum') ? ', weighted sum' : ''} or global pooling), any dangling-layer sum and R-C-B; ` +
      `input layers are yellow, output layers blue. Every layer is ${options.width ?? 'W'} wide, so no 1×1 conv is needed inside the pyramid.`,
    background: theme.background,
    fontFamily: FONT_FAMILY,
    defs: [],
    body: [
      group({ class: 'title' }, [
        textEl('text', { x: MARGIN, y: titleBaseline, 'font-size': TITLE_SIZE, 'font-weight': 'bold', fill: theme.ink }, p.name),
        textEl('text', { x: MARGIN, y: titleBaseline + SUBTITLE_SIZE + 6, 'font-size': SUBTITLE_SIZE, fill: theme.muted }, subtitleOf(p, options)),
      ]),
      group({ class: 'cells' }, clusters),
      group({ class: 'edges' }, links),
      group({ class: 'blocks' }, blocks),
    ],
  });
}
