// The anytime trade-off of a detector (the paper's Section 3.2 and Figure 9's axes): COCO AP, AP50 and AP75
// of every exit against its forward time per image and against its FLOPs, one point per exit, drawn by the
// project's one plotter (./plot.ts) like the other plots. Plain numbers in; `nasfpn eval RUN --exits` measures them.
import { renderPlotStack, SERIES_COLORS, type PlotLayer, type PlotSpec } from './plot.js';

/** One exit's measurements. */
export interface ExitPoint {
  exit: number;
  ap: number;
  ap50: number;
  ap75: number;
  /** Forward time of one image, milliseconds. */
  ms: number;
  flops: number;
}

const METRICS = [['AP', 'ap'], ['AP50', 'ap50'], ['AP75', 'ap75']] as const;

export function anytimeTradeOffSvg(title: string, exits: readonly ExitPoint[]): string {
  const plot = (axis: string, xLabel: string, x: (e: ExitPoint) => number): PlotSpec => ({
    title: `COCO AP per exit against ${axis}`,
    desc: `COCO AP, AP50 and AP75 of every anytime exit against its ${axis}`,
    xLabel, yLabel: 'COCO AP',
    layers: METRICS.map(([name, key], i): PlotLayer => ({
      kind: 'points', label: name, color: SERIES_COLORS[i], radius: 3.5, opacity: 1,
      points: exits.map((e) => ({ x: x(e), y: e[key] })),
      pointLabels: exits.map((e) => (key === 'ap' ? `exit ${e.exit}` : '')),
    })),
  });
  return renderPlotStack(title, 'COCO AP, AP50 and AP75 of every anytime exit against its forward time per image and against its FLOPs', [
    plot('forward time per image', 'forward time per image (ms)', (e) => e.ms),
    plot('FLOPs', 'GFLOPs per image', (e) => e.flops / 1e9),
  ]);
}
