// The report's plots as standalone SVG, written with the project's SVG writer (src/viz/svg.ts) and d3-shape
// for the paths: an x/y frame with nice ticks, and layers of points and lines. Deterministic: the same data
// gives byte-identical files (one is a golden).
import { curveLinear, curveStepAfter, line } from 'd3-shape';
import { el, group, num, svgDocument, textEl } from '../viz/svg.js';
import { FONT_FAMILY, themeByName } from '../viz/theme.js';
import { textWidth } from '../viz/text.js';
import { assertNever } from '../util/assert-never.js';
import { extent, widen, withUnit } from './chart.js';

export interface XY {
  x: number;
  y: number;
}

export type PlotLayer =
  | { kind: 'points'; label: string; points: XY[]; color: string; radius?: number; opacity?: number }
  | { kind: 'line'; label: string; points: XY[]; color: string; step?: boolean; dashed?: boolean; width?: number };

export interface PlotSpec {
  title: string;
  /** One sentence for the SVG's <desc> (screen readers, and what the plot shows). */
  desc: string;
  xLabel: string;
  yLabel: string;
  layers: PlotLayer[];
  /** Fixed axis ranges; by default the data's, rounded out to ticks. */
  xDomain?: [number, number];
  yDomain?: [number, number];
  /** Tick label formatting (e.g. 1.2G for FLOPs). */
  xFormat?: (v: number) => string;
  yFormat?: (v: number) => string;
}

// Sizes in px.
const WIDTH = 640;
const HEIGHT = 400;
const MARGIN = { top: 44, right: 20, bottom: 78, left: 64 };
const TITLE_SIZE = 15;
const LABEL_SIZE = 12;
const TICK_SIZE = 11;
const LEGEND_SIZE = 11;
/** Aim for about this many ticks per axis. */
const TICK_TARGET = 6;

/** Colours shared by the report's plots (light theme, colour-blind-safe pairs). */
export const PLOT_COLORS = {
  trial: '#7fa7d1',
  average: '#1f5fa6',
  best: '#d62728',
  total: '#8c8c8c',
  unique: '#2ca02c',
  front: '#d62728',
} as const;

export function renderPlot(spec: PlotSpec): string {
  const theme = themeByName('light');
  const points = spec.layers.flatMap((l) => l.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const xTicks = niceTicks(spec.xDomain ?? extent(points.map((p) => p.x)));
  const yTicks = niceTicks(spec.yDomain ?? extent(points.map((p) => p.y)));
  const [x0, x1] = spec.xDomain ?? [xTicks[0], xTicks[xTicks.length - 1]];
  const [y0, y1] = spec.yDomain ?? [yTicks[0], yTicks[yTicks.length - 1]];
  const left = MARGIN.left;
  const right = WIDTH - MARGIN.right;
  const top = MARGIN.top;
  const bottom = HEIGHT - MARGIN.bottom;
  const sx = (x: number) => left + ((x - x0) / (x1 - x0 || 1)) * (right - left);
  const sy = (y: number) => bottom - ((y - y0) / (y1 - y0 || 1)) * (bottom - top);
  const fx = spec.xFormat ?? formatNumber;
  const fy = spec.yFormat ?? formatNumber;

  const axes: string[] = [];
  for (const t of yTicks.filter((t) => t >= y0 && t <= y1)) {
    axes.push(el('line', { x1: left, y1: sy(t), x2: right, y2: sy(t), stroke: theme.band, 'stroke-width': 1 }));
    axes.push(textEl('text', { x: left - 6, y: sy(t) + TICK_SIZE * 0.35, 'font-size': TICK_SIZE, 'text-anchor': 'end', fill: theme.muted }, fy(t)));
  }
  for (const t of xTicks.filter((t) => t >= x0 && t <= x1)) {
    axes.push(el('line', { x1: sx(t), y1: bottom, x2: sx(t), y2: bottom + 4, stroke: theme.muted }));
    axes.push(textEl('text', { x: sx(t), y: bottom + 6 + TICK_SIZE, 'font-size': TICK_SIZE, 'text-anchor': 'middle', fill: theme.muted }, fx(t)));
  }
  axes.push(el('path', { d: `M${num(left)},${num(top)}V${num(bottom)}H${num(right)}`, fill: 'none', stroke: theme.ink, 'stroke-width': 1 }));
  axes.push(textEl('text', { x: (left + right) / 2, y: bottom + 14 + TICK_SIZE + LABEL_SIZE, 'font-size': LABEL_SIZE, 'text-anchor': 'middle', fill: theme.ink }, spec.xLabel));
  axes.push(textEl('text', { x: 16, y: (top + bottom) / 2, 'font-size': LABEL_SIZE, 'text-anchor': 'middle', fill: theme.ink, transform: `rotate(-90 16 ${num((top + bottom) / 2)})` }, spec.yLabel));

  const layers = spec.layers.map((layer) => {
    const shown = layer.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    switch (layer.kind) {
      case 'points':
        return group({ 'data-layer': layer.label, fill: layer.color, 'fill-opacity': layer.opacity ?? 0.8 },
          shown.map((p) => el('circle', { cx: sx(p.x), cy: sy(p.y), r: layer.radius ?? 2.5 })));
      case 'line': {
        const path = line<XY>().x((p) => sx(p.x)).y((p) => sy(p.y)).curve(layer.step ? curveStepAfter : curveLinear).digits(2)(shown);
        return el('path', { 'data-layer': layer.label, d: path ?? '', fill: 'none', stroke: layer.color, 'stroke-width': layer.width ?? 2, 'stroke-dasharray': layer.dashed ? '5 4' : undefined, 'stroke-linejoin': 'round' });
      }
      default:
        return assertNever(layer, 'plot layer');
    }
  });

  // The legend: one row under the x label, glyphs then labels.
  const legend: string[] = [];
  let x = left;
  const y = HEIGHT - 14;
  for (const layer of spec.layers) {
    legend.push(layer.kind === 'points'
      ? el('circle', { cx: x + 6, cy: y - 4, r: 3.5, fill: layer.color })
      : el('line', { x1: x, y1: y - 4, x2: x + 14, y2: y - 4, stroke: layer.color, 'stroke-width': 2, 'stroke-dasharray': layer.dashed ? '5 4' : undefined }));
    legend.push(textEl('text', { x: x + 18, y, 'font-size': LEGEND_SIZE, fill: theme.ink }, layer.label));
    x += 18 + textWidth(layer.label, LEGEND_SIZE) + 18;
  }

  return svgDocument({
    width: WIDTH, height: HEIGHT, title: spec.title, desc: spec.desc, background: theme.background, fontFamily: FONT_FAMILY, defs: [],
    body: [
      textEl('text', { x: left, y: 24, 'font-size': TITLE_SIZE, 'font-weight': 'bold', fill: theme.ink }, spec.title),
      group({ class: 'axes' }, axes),
      group({ class: 'data' }, layers),
      group({ class: 'legend' }, legend),
    ],
  });
}

/** Ticks at 1, 2 or 5 × 10^k covering [lo, hi]. */
export function niceTicks([lo, hi]: [number, number]): number[] {
  if (!(hi > lo)) return niceTicks(widen([lo, hi]));
  const raw = (hi - lo) / TICK_TARGET;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const first = Math.floor(lo / step) * step;
  const ticks: number[] = [];
  for (let t = first; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  if (ticks[ticks.length - 1] < hi) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}


/** Tick labels: plain for small numbers, k/M/G for large counts. */
export function formatNumber(v: number): string {
  return withUnit(v) ?? String(Number(v.toPrecision(4)));
}
