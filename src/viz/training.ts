// Training curves of a run as one SVG: a panel per series group (the loss and its parts, the learning rate,
// COCO AP), each over steps, drawn with the project's SVG writer and d3-shape so the output is byte-stable.
// Plain data in (the CLI reads RUN/metrics.jsonl); no tensors here. `panelsSvg` draws panels over any x (the
// anytime trade-off of src/viz/anytime.ts: AP over milliseconds and over FLOPs).
import { curveLinear, line } from 'd3-shape';
import { el, group, num, svgDocument, textEl } from './svg.js';
import { FONT_FAMILY } from './theme.js';

/** One named curve: y at each x (steps), in order of x. */
export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
  /** A dot on every point, each with this label beside it (same length as `points`; '' for none). */
  pointLabels?: readonly string[];
}

export interface Panel {
  title: string;
  series: Series[];
  /** Log scale for positive values (losses span decades). */
  log?: boolean;
  /** How an x value is written under the axis's two ends (default `step N`). */
  xTick?: (x: number) => string;
}

const WIDTH = 640;
const PANEL_HEIGHT = 220;
const MARGIN = { left: 64, right: 130, top: 34, bottom: 34 };
const INK = '#1f1f1f';
const MUTED = '#666666';
const GRID = '#e6e6e6';
// Colour-blind-safe categorical palette (Okabe–Ito).
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#F0E442', '#000000'];

export const trainingCurvesSvg = (title: string, panels: readonly Panel[]): string =>
  panelsSvg(title, `${panels.map((p) => p.title).join(', ')} over training steps`, panels);

/** Panels stacked top to bottom in one SVG, each with its own axes and legend. */
export function panelsSvg(title: string, desc: string, panels: readonly Panel[]): string {
  const body = panels.map((panel, i) => drawPanel(panel, i * PANEL_HEIGHT));
  return svgDocument({ width: WIDTH, height: PANEL_HEIGHT * panels.length, title, desc, background: '#ffffff', fontFamily: FONT_FAMILY, defs: [], body });
}

const stepTick = (x: number) => `step ${x}`;

function drawPanel(panel: Panel, top: number): string {
  const points = panel.series.flatMap((s) => s.points);
  const innerW = WIDTH - MARGIN.left - MARGIN.right;
  const innerH = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const children: string[] = [textEl('text', { x: MARGIN.left, y: top + 20, 'font-size': 13, 'font-weight': 'bold', fill: INK }, panel.title)];
  if (points.length === 0) {
    children.push(textEl('text', { x: MARGIN.left, y: top + MARGIN.top + innerH / 2, 'font-size': 12, fill: MUTED }, 'nothing logged yet'));
    return group({}, children);
  }
  const log = panel.log === true && points.every(([, y]) => y > 0);
  const ty = (y: number) => (log ? Math.log10(y) : y);
  const xs = points.map(([x]) => x);
  const ys = points.map(([, y]) => ty(y));
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  const sx = (x: number) => MARGIN.left + (x1 === x0 ? innerW / 2 : ((x - x0) / (x1 - x0)) * innerW);
  const sy = (y: number) => top + MARGIN.top + innerH - ((ty(y) - y0) / (y1 - y0)) * innerH;
  // Axes: five gridlines with labels, the step range below.
  for (let k = 0; k <= 4; k++) {
    const v = y0 + ((y1 - y0) * k) / 4;
    const y = top + MARGIN.top + innerH - (innerH * k) / 4;
    children.push(el('line', { x1: MARGIN.left, x2: MARGIN.left + innerW, y1: num(y), y2: num(y), stroke: GRID }));
    const label = log ? 10 ** v : v;
    children.push(textEl('text', { x: MARGIN.left - 6, y: num(y + 4), 'font-size': 10, fill: MUTED, 'text-anchor': 'end' }, formatTick(label)));
  }
  const bottom = top + MARGIN.top + innerH;
  const xTick = panel.xTick ?? stepTick;
  children.push(textEl('text', { x: MARGIN.left, y: bottom + 16, 'font-size': 10, fill: MUTED }, xTick(x0)));
  children.push(textEl('text', { x: MARGIN.left + innerW, y: bottom + 16, 'font-size': 10, fill: MUTED, 'text-anchor': 'end' }, xTick(x1)));
  panel.series.forEach((series, i) => {
    const colour = PALETTE[i % PALETTE.length];
    const path = line<readonly [number, number]>().x(([x]) => sx(x)).y(([, y]) => sy(y)).curve(curveLinear)(series.points as [number, number][]);
    if (series.points.length === 1) {
      const [[x, y]] = series.points;
      children.push(el('circle', { cx: num(sx(x)), cy: num(sy(y)), r: 3, fill: colour }));
    } else if (path) {
      children.push(el('path', { d: path, fill: 'none', stroke: colour, 'stroke-width': 1.5 }));
    }
    series.pointLabels?.forEach((label, k) => {
      const [x, y] = series.points[k];
      if (series.points.length > 1) children.push(el('circle', { cx: num(sx(x)), cy: num(sy(y)), r: 3, fill: colour }));
      if (label) children.push(textEl('text', { x: num(sx(x) + 5), y: num(sy(y) - 6), 'font-size': 10, fill: colour }, label));
    });
    const ly = top + MARGIN.top + 14 * i + 4;
    children.push(el('line', { x1: WIDTH - MARGIN.right + 12, x2: WIDTH - MARGIN.right + 28, y1: ly, y2: ly, stroke: colour, 'stroke-width': 2 }));
    children.push(textEl('text', { x: WIDTH - MARGIN.right + 32, y: ly + 4, 'font-size': 11, fill: INK }, series.name));
  });
  return group({}, children);
}

function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1000 || a < 0.01 ? v.toExponential(1) : +v.toPrecision(3) + '';
}
