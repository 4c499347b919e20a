// Training curves of a run as one SVG: a plot per series group (the loss and its parts on a log axis, the
// learning rate, COCO AP), each over steps, stacked in one document (plot.ts draws them).
// Plain data in (the CLI reads RUN/metrics.jsonl); no tensors here.
import { niceTicks, renderPlotStack, SERIES_COLORS, type PlotLayer, type PlotSpec } from './plot.js';
import { extent } from './scale.js';

/** One named curve: y at each x (steps), in order of x. */
export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
}

export interface Panel {
  title: string;
  series: Series[];
  /** Log scale for positive values (losses span decades). */
  log?: boolean;
}

export function trainingCurvesSvg(title: string, panels: readonly Panel[]): string {
  // One step axis for every plot, so a step lines up across them.
  const ticks = niceTicks(extent(panels.flatMap((p) => p.series.flatMap((s) => s.points.map(([x]) => x)))));
  const steps: [number, number] = [ticks[0], ticks[ticks.length - 1]];
  return renderPlotStack(title, `${panels.map((p) => p.title).join(', ')} over training steps`, panels.map((panel) => plotOf(panel, steps)));
}

function plotOf(panel: Panel, steps: [number, number]): PlotSpec {
  const layers = panel.series.map((series, i): PlotLayer => {
    const color = SERIES_COLORS[i % SERIES_COLORS.length];
    const points = series.points.map(([x, y]) => ({ x, y }));
    // A single logged value has no line to draw: it shows as a dot.
    return points.length === 1 ? { kind: 'points', label: series.name, points, color, radius: 3, opacity: 1 } : { kind: 'line', label: series.name, points, color, width: 1.5 };
  });
  return {
    title: panel.title, desc: `${panel.title} over training steps`, xLabel: 'step', yLabel: panel.title, layers, xDomain: steps,
    yLog: panel.log === true, emptyNote: 'nothing logged yet',
  };
}
