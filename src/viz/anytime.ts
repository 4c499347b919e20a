// The anytime trade-off of a detector (the paper's Section 3.2 and Figure 9's axes): COCO AP, AP50 and AP75
// of every exit against its forward time per image and against its FLOPs, one point per exit, drawn as the
// training curves are (./training.ts). Plain numbers in; `nasfpn eval RUN --exits` measures them.
import { panelsSvg, type Panel } from './training.js';

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
  const panel = (axis: string, x: (e: ExitPoint) => number, xTick: (x: number) => string): Panel => ({
    title: `COCO AP per exit against ${axis}`,
    xTick,
    series: METRICS.map(([name, key]) => ({
      name,
      points: exits.map((e) => [x(e), e[key]] as const),
      pointLabels: exits.map((e) => (key === 'ap' ? `exit ${e.exit}` : '')),
    })),
  });
  return panelsSvg(title, 'COCO AP, AP50 and AP75 of every anytime exit against its forward time per image and against its FLOPs', [
    panel('forward time per image', (e) => e.ms, (ms) => `${+ms.toPrecision(3)} ms`),
    panel('FLOPs', (e) => e.flops / 1e9, (g) => `${+g.toPrecision(3)} GFLOPs`),
  ]);
}
