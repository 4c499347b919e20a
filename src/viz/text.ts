// Text measurement without a DOM: the advance widths of DejaVu Sans (the font the PNG renderer ships and the
// first family of the SVG font stack), in thousandths of an em, read once from the TTF's hmtx table.
// Layouts use these widths to keep labels apart, so a label never overlaps a dot or another label.

// Printable ASCII 32..126.
const REGULAR = [
  318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636, 636, 636, 636, 636,
  636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787,
  603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500, 500, 613, 635, 550, 635, 615, 352, 635,
  634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
];
const BOLD = [
  348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696, 696, 696, 696, 696, 696,
  696, 696, 400, 400, 838, 838, 838, 580, 1000, 774, 762, 734, 830, 683, 683, 821, 837, 372, 372, 775, 637, 995, 837, 850,
  733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457, 365, 457, 838, 500, 500, 675, 716, 593, 716, 678, 435, 716,
  712, 343, 343, 665, 343, 1042, 712, 687, 716, 716, 493, 595, 478, 712, 652, 924, 645, 652, 582, 712, 365, 712, 838,
];
const OTHER: Record<string, number> = { '×': 838, '÷': 838, '′': 227, '·': 318, '…': 1000, '⋯': 1000, '→': 838, '↑': 838, '↓': 838, 'σ': 634 };

/** Width in px of `text` set in DejaVu Sans at `size` px. Unknown characters count as a wide glyph. */
export function textWidth(text: string, size: number, bold = false): number {
  const table = bold ? BOLD : REGULAR;
  let units = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    units += code >= 32 && code <= 126 ? table[code - 32] : (OTHER[ch] ?? 1000);
  }
  return (units / 1000) * size;
}

/** Axis-aligned box. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The box of a text drawn with `text-anchor` at (x, y) where y is the baseline (ascent ≈ 0.76 em, descent ≈ 0.24 em). */
export function textBox(text: string, x: number, y: number, size: number, anchor: 'start' | 'middle' | 'end', bold = false): Box {
  const width = textWidth(text, size, bold);
  const left = anchor === 'start' ? x : anchor === 'middle' ? x - width / 2 : x - width;
  return { x: left, y: y - 0.76 * size, width, height: size };
}

export function boxesOverlap(a: Box, b: Box, gap = 0): boolean {
  return a.x < b.x + b.width + gap && b.x < a.x + a.width + gap && a.y < b.y + b.height + gap && b.y < a.y + a.height + gap;
}
