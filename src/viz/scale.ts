// Number ranges and short number labels, shared by the SVG plots (plot.ts) and the terminal UI's text charts.

/** The smallest and largest of `values` ([0, 1] when there are none). */
export function extent(values: readonly number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

/** A flat range is widened so a constant series sits in the middle instead of dividing by zero. */
export function widen([lo, hi]: [number, number]): [number, number] {
  if (hi > lo) return [lo, hi];
  const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
  return [lo - pad, hi + pad];
}

const UNITS: readonly [size: number, unit: string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];

/** A number of at least a thousand in short form, 3 significant digits (1234 → 1.23k, 4.5e9 → 4.5G); null below. */
export function withUnit(v: number): string | null {
  for (const [size, unit] of UNITS) if (Math.abs(v) >= size) return `${Number((v / size).toPrecision(3))}${unit}`;
  return null;
}
