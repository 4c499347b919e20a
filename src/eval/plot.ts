// Precision–recall curves from COCOeval's accumulated precision [T×R×K×A×M]: one drawing for all categories
// (at each recall threshold the mean over categories with GT, as summarize averages) and one per category, each
// with a curve per IoU threshold, at area 'all' (or the first range) and the largest maxDets. Drawn with the
// project's SVG writer and d3-shape, so the output is byte-stable.
import { curveLinear, line } from 'd3-shape';
import { el, group, num, svgDocument, textEl } from '../viz/svg.js';
import type { CocoEvalResult } from './cocoeval.js';

export interface PrDrawing {
  /** File name without extension, e.g. `pr-all` or `pr-18-dog`. */
  readonly name: string;
  readonly svg: string;
}

const WIDTH = 560;
const HEIGHT = 400;
const MARGIN = { left: 56, right: 120, top: 40, bottom: 48 };
const FONT = "'DejaVu Sans', Verdana, sans-serif";
const INK = '#1f1f1f';
const MUTED = '#666666';
const GRID = '#e6e6e6';
// Curves from IoU 0.50 (light) to 0.95 (dark), a blue ramp.
const RAMP_LIGHT = [158, 202, 225];
const RAMP_DARK = [8, 48, 107];

function rampColour(i: number, n: number): string {
  const f = n <= 1 ? 1 : i / (n - 1);
  const c = RAMP_LIGHT.map((l, j) => Math.round(l + (RAMP_DARK[j] - l) * f));
  return `#${c.map((x) => x.toString(16).padStart(2, '0')).join('')}`;
}

/** A safe file-name part from a category name. */
const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'category';

/** precision[t, :, k, a, m] for every t: k = −1 averages over the categories with GT (entries > −1). */
function curves(result: CocoEvalResult, k: number, a: number, m: number): (number[] | null)[] {
  const [T, R, K, A, M] = result.counts;
  const out: (number[] | null)[] = [];
  for (let t = 0; t < T; t++) {
    const ys: number[] = [];
    for (let r = 0; r < R; r++) {
      let sum = 0;
      let n = 0;
      for (let kk = k < 0 ? 0 : k; kk < (k < 0 ? K : k + 1); kk++) {
        const p = result.precision[(((t * R + r) * K + kk) * A + a) * M + m];
        if (p > -1) {
          sum += p;
          n++;
        }
      }
      if (n === 0) break;
      ys.push(sum / n);
    }
    out.push(ys.length === R ? ys : null);
  }
  return out;
}

function drawing(result: CocoEvalResult, title: string, ys: (number[] | null)[]): string {
  const { params } = result;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (recall: number) => MARGIN.left + recall * plotW;
  const y = (precision: number) => MARGIN.top + (1 - precision) * plotH;
  const body: string[] = [];
  body.push(textEl('text', { x: MARGIN.left, y: 24, 'font-size': 14, 'font-weight': 'bold', fill: INK }, title));
  const grid: string[] = [];
  for (let i = 0; i <= 5; i++) {
    const v = i / 5;
    grid.push(el('line', { x1: x(v), y1: MARGIN.top, x2: x(v), y2: MARGIN.top + plotH, stroke: GRID }));
    grid.push(el('line', { x1: MARGIN.left, y1: y(v), x2: MARGIN.left + plotW, y2: y(v), stroke: GRID }));
    grid.push(textEl('text', { x: x(v), y: MARGIN.top + plotH + 16, 'font-size': 11, 'text-anchor': 'middle', fill: MUTED }, v.toFixed(1)));
    grid.push(textEl('text', { x: MARGIN.left - 6, y: y(v) + 4, 'font-size': 11, 'text-anchor': 'end', fill: MUTED }, v.toFixed(1)));
  }
  grid.push(el('rect', { x: MARGIN.left, y: MARGIN.top, width: plotW, height: plotH, fill: 'none', stroke: MUTED }));
  grid.push(textEl('text', { x: MARGIN.left + plotW / 2, y: HEIGHT - 12, 'font-size': 12, 'text-anchor': 'middle', fill: INK }, 'recall'));
  grid.push(textEl('text', { x: 16, y: MARGIN.top + plotH / 2, 'font-size': 12, 'text-anchor': 'middle', fill: INK, transform: `rotate(-90 16 ${num(MARGIN.top + plotH / 2)})` }, 'precision'));
  body.push(group({ class: 'axes' }, grid));

  const path = line<number>().x((_, r) => x(params.recThrs[r])).y((p) => y(p)).curve(curveLinear);
  const paths: string[] = [];
  const legend: string[] = [];
  const T = ys.length;
  ys.forEach((curve, t) => {
    const colour = rampColour(t, T);
    const label = `IoU ${params.iouThrs[t].toFixed(2)}`;
    const ly = MARGIN.top + 8 + 16 * t;
    legend.push(el('line', { x1: WIDTH - MARGIN.right + 12, y1: ly, x2: WIDTH - MARGIN.right + 32, y2: ly, stroke: colour, 'stroke-width': 2 }));
    legend.push(textEl('text', { x: WIDTH - MARGIN.right + 38, y: ly + 4, 'font-size': 11, fill: curve ? INK : MUTED }, curve ? label : `${label} (no GT)`));
    if (curve) paths.push(el('path', { d: roundPath(path(curve) ?? ''), fill: 'none', stroke: colour, 'stroke-width': 1.5 }));
  });
  body.push(group({ class: 'curves' }, paths));
  body.push(group({ class: 'legend' }, legend));
  return svgDocument({
    width: WIDTH, height: HEIGHT, title, background: '#ffffff', fontFamily: FONT, defs: [], body,
    desc: `Interpolated precision at ${params.recThrs.length} recall thresholds, one curve per IoU threshold (COCOeval accumulate).`,
  });
}

/** d3's path strings carry full-precision numbers; the SVG writer's format keeps goldens stable. */
const roundPath = (d: string) => d.replace(/-?\d+(\.\d+)?(e-?\d+)?/g, (n) => num(Number(n)));

/** The PR drawings: `pr-all`, then `pr-<id>-<name>` per category (none when categories are pooled). */
export function precisionRecallDrawings(result: CocoEvalResult, names: ReadonlyMap<number, string>): PrDrawing[] {
  const { params } = result;
  const a = Math.max(0, params.areaRanges.findIndex((r) => r.label === 'all'));
  const m = params.maxDets.length - 1;
  const setting = `area ${params.areaRanges[a].label}, maxDets ${params.maxDets[m]}`;
  const out: PrDrawing[] = [{ name: 'pr-all', svg: drawing(result, `Precision–recall, all categories (${setting})`, curves(result, -1, a, m)) }];
  if (params.useCats) {
    params.catIds.forEach((id, k) => {
      const name = names.get(id) ?? String(id);
      out.push({ name: `pr-${id}-${slug(name)}`, svg: drawing(result, `Precision–recall, ${name} (${setting})`, curves(result, k, a, m)) });
    });
  }
  return out;
}
