// x/y plots as SVG, written with the project's SVG writer (svg.ts) and d3-shape for the paths: a frame with
// nice ticks (linear, or logarithmic for values that span decades), layers of points and lines, a legend.
// One plot per document (the search report's figures), or several stacked in one (a training run's curves).
// Deterministic: the same data gives byte-identical files (the report's Figure 5 plot is a golden).
import { curveLinear, curveStepAfter, line } from 'd3-shape';
import { assertNever } from '../util/assert-never.js';
import { extent, widen, withUnit } from './scale.js';
import { el, group, num, svgDocument, textEl } from './svg.js';
import { textWidth } from './text.js';
import { FONT_FAMILY, themeByName } from './theme.js';

export interface XY {
  x: number;
  y: number;
}

export type PlotLayer =
  | { kind: 'points'; label: string; points: XY[]; color: string; radius?: number; opacity?: number; pointLabels?: readonly string[] }
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
  /** A logarithmic y axis (losses span decades); linear anyway when a value is not positive. */
  yLog?: boolean;
  /** Written in the frame when no layer has a point (without it, an empty frame over [0, 1]). */
  emptyNote?: string;
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

/** Colours for series that mean nothing in particular, in order: Okabe–Ito's colour-blind-safe palette. */
export const SERIES_COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#F0E442', '#000000'] as const;

/** One plot as a standalone SVG document. */
export function renderPlot(spec: PlotSpec): string {
  const theme = themeByName('light');
  return svgDocument({
    width: WIDTH, height: HEIGHT, title: spec.title, desc: spec.desc, background: theme.background, fontFamily: FONT_FAMILY, defs: [],
    body: plotElements(spec, 0),
  });
}

/** Several plots one above the other in one SVG document (each with its own axes and legend). */
export function renderPlotStack(title: string, desc: string, specs: readonly PlotSpec[]): string {
  const theme = themeByName('light');
  return svgDocument({
    width: WIDTH, height: HEIGHT * specs.length, title, desc, background: theme.background, fontFamily: FONT_FAMILY, defs: [],
    body: specs.map((spec, i) => group({ class: 'plot' }, plotElements(spec, i * HEIGHT))),
  });
}

/** A plot's title, axes, data and legend, `offset` px down from the top of the document. */
function plotElements(spec: PlotSpec, offset: number): string[] {
  const theme = themeByName('light');
  const points = spec.layers.flatMap((l) => l.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const log = spec.yLog === true && points.length > 0 && points.every((p) => p.y > 0);
  // On a log axis positions and ticks are computed on log10(y); the labels still show y.
  const ty = log ? Math.log10 : (y: number) => y;
  const xTicks = niceTicks(spec.xDomain ?? extent(points.map((p) => p.x)));
  const yTicks = log ? logTicks(extent(points.map((p) => p.y))) : niceTicks(spec.yDomain ?? extent(points.map((p) => p.y)));
  const [x0, x1] = spec.xDomain ?? [xTicks[0], xTicks[xTicks.length - 1]];
  const [y0, y1] = (log ? undefined : spec.yDomain) ?? [ty(yTicks[0]), ty(yTicks[yTicks.length - 1])];
  const left = MARGIN.left;
  const right = WIDTH - MARGIN.right;
  const top = offset + MARGIN.top;
  const bottom = offset + HEIGHT - MARGIN.bottom;
  const sx = (x: number) => left + ((x - x0) / (x1 - x0 || 1)) * (right - left);
  const sy = (y: number) => bottom - ((ty(y) - y0) / (y1 - y0 || 1)) * (bottom - top);
  const fx = spec.xFormat ?? formatNumber;
  const fy = spec.yFormat ?? formatNumber;

  const axes: string[] = [];
  for (const t of yTicks.filter((t) => ty(t) >= y0 && ty(t) <= y1)) {
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
  if (points.length === 0 && spec.emptyNote !== undefined) {
    axes.push(textEl('text', { x: (left + right) / 2, y: (top + bottom) / 2, 'font-size': LABEL_SIZE, 'text-anchor': 'middle', fill: theme.muted }, spec.emptyNote));
  }

  const layers = spec.layers.map((layer) => {
    const shown = layer.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    switch (layer.kind) {
      case 'points': {
        // A label beside a point names it (the anytime plot's `exit k`); '' for none.
        const labelled = layer.points
          .map((p, i) => ({ ...p, text: layer.pointLabels?.[i] ?? '' }))
          .filter((p) => p.text !== '' && Number.isFinite(p.x) && Number.isFinite(p.y));
        return group({ 'data-layer': layer.label, fill: layer.color, 'fill-opacity': layer.opacity ?? 0.8 }, [
          ...shown.map((p) => el('circle', { cx: sx(p.x), cy: sy(p.y), r: layer.radius ?? 2.5 })),
          ...labelled.map((p) => textEl('text', { x: sx(p.x) + 6, y: sy(p.y) - 6, 'font-size': TICK_SIZE }, p.text)),
        ]);
      }
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
  const y = offset + HEIGHT - 14;
  for (const layer of spec.layers) {
    legend.push(layer.kind === 'points'
      ? el('circle', { cx: x + 6, cy: y - 4, r: 3.5, fill: layer.color })
      : el('line', { x1: x, y1: y - 4, x2: x + 14, y2: y - 4, stroke: layer.color, 'stroke-width': 2, 'stroke-dasharray': layer.dashed ? '5 4' : undefined }));
    legend.push(textEl('text', { x: x + 18, y, 'font-size': LEGEND_SIZE, fill: theme.ink }, layer.label));
    x += 18 + textWidth(layer.label, LEGEND_SIZE) + 18;
  }

  return [
    textEl('text', { x: left, y: offset + 24, 'font-size': TITLE_SIZE, 'font-weight': 'bold', fill: theme.ink }, spec.title),
    group({ class: 'axes' }, axes),
    group({ class: 'data' }, layers),
    group({ class: 'legend' }, legend),
  ];
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

/**
 * Ticks of a log axis covering [lo, hi] (both > 0): 1, 2 and 5 × 10^k over up to two decades, powers of ten
 * beyond; the first tick is at or below lo and the last at or above hi.
 */
export function logTicks([lo, hi]: [number, number]): number[] {
  const from = Math.floor(Math.log10(lo));
  const to = Math.max(Math.ceil(Math.log10(hi)), from + 1);
  const mantissas = Math.log10(hi / lo) <= 2 ? [1, 2, 5] : [1];
  const all: number[] = [];
  for (let k = from; k <= to; k++) for (const m of mantissas) all.push(Number((m * 10 ** k).toPrecision(12)));
  const first = all.filter((t) => t <= lo).length - 1;
  const last = all.findIndex((t) => t >= hi);
  return all.slice(Math.max(0, first), last + 1);
}

/** Tick labels: plain for small numbers, k/M/G for large counts. */
export function formatNumber(v: number): string {
  return withUnit(v) ?? String(Number(v.toPrecision(4)));
}
