// `nasfpn data show`: one image with its ground-truth boxes and class names, as mmdetection's browse_dataset
// draws them. The picture is an SVG (the image embedded as a PNG data URL, the boxes as vector rectangles and
// labels), so it stays sharp when zoomed; crowd boxes are dashed. src/viz/png.ts renders it to PNG.
import { el, group, svgDocument, textEl } from '../viz/svg.js';
import { textWidth } from '../viz/text.js';
import { FONT_FAMILY } from '../viz/theme.js';

/** One box to draw, in original-image pixels. An empty label draws the outline alone. */
export interface ShownBox {
  readonly box: readonly [number, number, number, number]; // [x1, y1, x2, y2]
  readonly label: string;
  /** Picks the colour: boxes of one class share one. */
  readonly colourIndex: number;
  readonly crowd: boolean;
  /** Drawn thinner and without a label background. */
  readonly faint?: boolean;
  /** A colour of its own instead of the class palette's (the anchors `--detector` adds are coloured by level). */
  readonly colour?: string;
}

/** One line of the legend drawn under the image. */
export interface LegendEntry {
  readonly label: string;
  readonly colour: string;
}

export interface ShownImage {
  readonly title: string;
  readonly width: number;
  readonly height: number;
  /** The image as a PNG file's bytes. */
  readonly png: Uint8Array;
  readonly boxes: readonly ShownBox[];
  /** Lines under the image, each with a colour swatch (none: no legend strip). */
  readonly legend?: readonly LegendEntry[];
}

/** Small images are drawn larger so labels stay readable: at least this many pixels on the long side. */
const MIN_DISPLAY_SIDE = 512;
const LABEL_SIZE = 12;
const STROKE = 2;
/** Tableau 10 (matplotlib's default cycle): distinct on photos and on the synthetic backgrounds. */
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
/**
 * Pyramid levels P2, P3, … P8 (then round again): saturated Material Design A400 accents (cyan, red, yellow, green,
 * purple, orange, blue), so anchors stand out from the class boxes' Tableau colours and from photos.
 */
const LEVEL_PALETTE = ['#00e5ff', '#ff1744', '#ffea00', '#00e676', '#d500f9', '#ff9100', '#2979ff'];
const FIRST_PALETTE_LEVEL = 2;
const LEGEND_ROW = LABEL_SIZE + 8;

/** The colour that anchors of pyramid level `level` are drawn in. */
export function levelColour(level: number): string {
  const i = (level - FIRST_PALETTE_LEVEL) % LEVEL_PALETTE.length;
  return LEVEL_PALETTE[i < 0 ? i + LEVEL_PALETTE.length : i]!;
}

export function drawAnnotatedImage(image: ShownImage): string {
  const zoom = Math.max(1, MIN_DISPLAY_SIDE / Math.max(image.width, image.height));
  const width = image.width * zoom;
  const height = image.height * zoom;
  const href = `data:image/png;base64,${Buffer.from(image.png).toString('base64')}`;
  const body: string[] = [
    el('image', { x: 0, y: 0, width, height, href, preserveAspectRatio: 'none', 'image-rendering': zoom >= 2 ? 'pixelated' : undefined }),
  ];
  const boxes: string[] = [];
  const labels: string[] = [];
  for (const shown of image.boxes) {
    const colour = shown.colour ?? PALETTE[shown.colourIndex % PALETTE.length]!;
    const [x1, y1, x2, y2] = shown.box.map((v) => v * zoom) as [number, number, number, number];
    boxes.push(el('rect', {
      x: x1, y: y1, width: x2 - x1, height: y2 - y1, fill: 'none', stroke: colour,
      'stroke-width': shown.faint ? 1 : STROKE, 'stroke-dasharray': shown.crowd ? '6 4' : undefined,
    }));
    if (shown.faint || !shown.label) continue;
    const text = shown.crowd ? `${shown.label} (crowd)` : shown.label;
    const labelWidth = textWidth(text, LABEL_SIZE) + 6;
    // Above the box when there is room, else inside its top edge.
    const top = y1 >= LABEL_SIZE + 4 ? y1 - LABEL_SIZE - 4 : y1;
    const left = Math.min(x1, Math.max(0, width - labelWidth));
    labels.push(group({}, [
      el('rect', { x: left, y: top, width: labelWidth, height: LABEL_SIZE + 4, fill: colour, 'fill-opacity': 0.85 }),
      textEl('text', { x: left + 3, y: top + LABEL_SIZE, 'font-size': LABEL_SIZE, fill: '#ffffff' }, text),
    ]));
  }
  // Boxes that reach past the image (anchors often do) are cut at its edge, not drawn over the legend.
  body.push(group({ id: 'boxes', 'clip-path': 'url(#picture)' }, boxes), group({ id: 'labels' }, labels));
  const legend = image.legend ?? [];
  if (legend.length) {
    // Below the image (never over it): a swatch in the colour and the line's text, one row each.
    body.push(group({ id: 'legend' }, legend.map((entry, i) => {
      const y = height + i * LEGEND_ROW + 4;
      return group({}, [
        el('rect', { x: 6, y: y + 2, width: LABEL_SIZE, height: LABEL_SIZE - 2, fill: 'none', stroke: entry.colour, 'stroke-width': STROKE }),
        textEl('text', { x: LABEL_SIZE + 14, y: y + LABEL_SIZE, 'font-size': LABEL_SIZE, fill: '#ffffff' }, entry.label),
      ]);
    })));
  }
  return svgDocument({
    width, height: height + (legend.length ? legend.length * LEGEND_ROW + 8 : 0), title: image.title,
    desc: `${image.width}×${image.height} pixels, ${image.boxes.filter((b) => b.label && !b.faint).length} boxes`,
    background: '#000000', fontFamily: FONT_FAMILY, body,
    defs: [el('clipPath', { id: 'picture' }, [el('rect', { x: 0, y: 0, width, height })])],
  });
}
