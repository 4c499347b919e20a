// Charts in text for the terminal UI: a braille plot (each character is a 2×4 grid of dots, so a 60×8
// character chart has 120×32 points of resolution) and one-line sparklines. Pure: rows of coloured
// segments come out, and the ink components only print them.
import { extent, widen, withUnit } from '../viz/scale.js';

/** A run of characters in one colour (undefined: the terminal's default). */
export interface Segment {
  text: string;
  color?: string;
}
export type ChartRow = Segment[];

export interface Series {
  points: readonly { x: number; y: number }[];
  color: string;
  /** 'points' plots each point; 'line' joins consecutive points. */
  style: 'points' | 'line';
}

export interface ChartOptions {
  /** Plot area in characters (the y labels come on top of this). */
  width: number;
  height: number;
  /** Fixed y range; by default the data's (widened when flat). */
  yRange?: [number, number];
  /** Fixed x range; by default the data's. */
  xRange?: [number, number];
  /** Digits after the point on the y labels. */
  yDigits?: number;
}

// Braille cell: dot (column, row) → bit, Unicode's numbering of the 8 dots.
const BRAILLE_BASE = 0x2800;
const DOT_BITS = [
  [0x01, 0x02, 0x04, 0x40],
  [0x08, 0x10, 0x20, 0x80],
];

/** A braille chart: one row per text line, y labels on the left, the x range on a last line. */
export function brailleChart(series: readonly Series[], options: ChartOptions): ChartRow[] {
  const cols = Math.max(1, Math.floor(options.width));
  const rows = Math.max(1, Math.floor(options.height));
  const all = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const [x0, x1] = options.xRange ?? widen(extent(all.map((p) => p.x)));
  const [y0, y1] = options.yRange ?? widen(extent(all.map((p) => p.y)));
  const pixelsX = cols * 2;
  const pixelsY = rows * 4;
  const bits = new Uint8Array(cols * rows);
  const owner: (string | undefined)[] = new Array(cols * rows);
  const toPixel = (p: { x: number; y: number }): [number, number] => [
    clamp(Math.round(((p.x - x0) / (x1 - x0 || 1)) * (pixelsX - 1)), 0, pixelsX - 1),
    clamp(Math.round((1 - (p.y - y0) / (y1 - y0 || 1)) * (pixelsY - 1)), 0, pixelsY - 1),
  ];
  const plot = (px: number, py: number, color: string) => {
    const cell = Math.floor(py / 4) * cols + Math.floor(px / 2);
    bits[cell] |= DOT_BITS[px % 2][py % 4];
    owner[cell] = color;
  };
  for (const s of series) {
    let previous: [number, number] | null = null;
    for (const p of s.points) {
      if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
      const pixel = toPixel(p);
      if (s.style === 'line' && previous) for (const [px, py] of segmentPixels(previous, pixel)) plot(px, py, s.color);
      else plot(pixel[0], pixel[1], s.color);
      previous = pixel;
    }
  }

  const digits = options.yDigits ?? 2;
  const labelTop = y1.toFixed(digits);
  const labelBottom = y0.toFixed(digits);
  const labelWidth = Math.max(labelTop.length, labelBottom.length);
  const out: ChartRow[] = [];
  for (let r = 0; r < rows; r++) {
    const label = r === 0 ? labelTop : r === rows - 1 ? labelBottom : '';
    const row: ChartRow = [{ text: `${label.padStart(labelWidth)} ┤` }];
    for (let c = 0; c < cols; c++) {
      const cell = r * cols + c;
      const ch = bits[cell] ? String.fromCharCode(BRAILLE_BASE + bits[cell]) : ' ';
      const color = bits[cell] ? owner[cell] : undefined;
      const last = row[row.length - 1];
      if (last.color === color && row.length > 1) last.text += ch;
      else row.push({ text: ch, color });
    }
    out.push(row);
  }
  const left = formatTick(x0);
  const right = formatTick(x1);
  const gap = Math.max(1, cols - left.length - right.length);
  out.push([{ text: `${' '.repeat(labelWidth)} └${left}${'─'.repeat(gap)}${right}` }]);
  return out;
}

const SPARK = '▁▂▃▄▅▆▇█';

/** A one-line sparkline of the last `width` values, scaled to their own range. */
export function sparkline(values: readonly number[], width: number): string {
  const shown = values.filter(Number.isFinite).slice(-Math.max(1, width));
  if (!shown.length) return '';
  const [lo, hi] = extent(shown);
  return shown.map((v) => SPARK[hi > lo ? Math.round(((v - lo) / (hi - lo)) * (SPARK.length - 1)) : 0]).join('');
}

/** A progress bar of `width` characters. */
export function progressBar(fraction: number, width: number): string {
  const f = clamp(Number.isFinite(fraction) ? fraction : 0, 0, 1);
  const full = Math.floor(f * width);
  const partial = f * width - full >= 0.5 && full < width ? 1 : 0;
  return '█'.repeat(full) + (partial ? '▌' : '') + '░'.repeat(width - full - partial);
}

/** Pixels of the segment a→b (Bresenham), both ends included. */
function segmentPixels(a: [number, number], b: [number, number]): [number, number][] {
  const out: [number, number][] = [];
  let [x, y] = a;
  const [x1, y1] = b;
  const dx = Math.abs(x1 - x);
  const dy = -Math.abs(y1 - y);
  const sx = x < x1 ? 1 : -1;
  const sy = y < y1 ? 1 : -1;
  let err = dx + dy;
  for (;;) {
    out.push([x, y]);
    if (x === x1 && y === y1) return out;
    const e2 = 2 * err;
    if (e2 >= dy) { err += dy; x += sx; }
    if (e2 <= dx) { err += dx; y += sy; }
  }
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** Ticks as short numbers: integers plainly, others with up to 3 significant digits. */
export function formatTick(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return Number(v.toPrecision(3)).toString();
}

/** Large counts in short form: 1234 → 1.23k, 4.5e9 → 4.5G. */
export function formatCount(n: number | null): string {
  if (n === null || !Number.isFinite(n)) return '–';
  return withUnit(n) ?? String(Math.round(n));
}

/** Seconds as 1h02m, 3m05s or 12s. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}
