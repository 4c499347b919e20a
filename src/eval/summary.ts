// COCOeval.summarize for bbox: the 12 standard numbers, means over the accumulated entries > −1, plus a
// per-category AP table (detectron2's convention: the same mean for one category, area 'all', the last maxDets).
import type { CocoEvalResult } from './cocoeval.js';

/** The 12 numbers of COCOeval.summarize (stats[0..11]), under the names people use for them. */
export interface CocoSummary {
  AP: number;
  AP50: number;
  AP75: number;
  APs: number;
  APm: number;
  APl: number;
  AR1: number;
  AR10: number;
  AR100: number;
  ARs: number;
  ARm: number;
  ARl: number;
}

export const SUMMARY_KEYS = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'] as const;

export interface CategoryRow {
  id: number;
  name: string;
  /** AP@[.5:.95], area all, the largest maxDets; −1 when the category has no GT. */
  AP: number;
  AP50: number;
  /** Non-ignored GT of the category (area all). */
  numGt: number;
}

/**
 * numpy's pairwise summation (`pairwise_sum_DOUBLE` in numpy/_core/src/umath/loops_utils.h.src), so that
 * means come out to the same last bit as `np.mean`: blocks of up to 128 summed in 8 interleaved partial sums,
 * longer runs split in halves at multiples of 8.
 */
function pairwiseSum(values: Float64Array, offset: number, n: number): number {
  if (n < 8) {
    let sum = -0;
    for (let i = 0; i < n; i++) sum += values[offset + i];
    return sum;
  }
  if (n <= 128) {
    const r = new Float64Array(8);
    for (let j = 0; j < 8; j++) r[j] = values[offset + j];
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += values[offset + i + j];
    let sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) sum += values[offset + i];
    return sum;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return pairwiseSum(values, offset, half) + pairwiseSum(values, offset + half, n - half);
}

/** `np.mean(s[s > -1])`, or −1 when nothing is > −1 (cocoeval.py summarize). */
export function meanOfValid(values: Float64Array): number {
  let n = 0;
  const valid = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) if (values[i] > -1) valid[n++] = values[i];
  return n === 0 ? -1 : pairwiseSum(valid, 0, n) / n;
}

interface Selection {
  /** Precision (AP) or recall (AR). */
  ap: boolean;
  /** One IoU threshold (looked up by equality, as summarize does), or all of them. */
  iouThr?: number;
  areaLabel: string;
  maxDets: number;
  /** One category index, or all. */
  k?: number;
}

/** The entries summarize would average, in numpy's C order (threshold, recall threshold, category). */
function select(result: CocoEvalResult, s: Selection): Float64Array {
  const { params } = result;
  const [T, R, K, A, M] = result.counts;
  const a = params.areaRanges.findIndex((r) => r.label === s.areaLabel);
  const m = params.maxDets.indexOf(s.maxDets);
  if (a < 0 || m < 0) return new Float64Array(0);
  const ts = s.iouThr === undefined ? [...Array(T).keys()] : [...Array(T).keys()].filter((t) => params.iouThrs[t] === s.iouThr);
  const ks = s.k === undefined ? [...Array(K).keys()] : [s.k];
  const out: number[] = [];
  for (const t of ts) {
    if (s.ap) {
      for (let r = 0; r < R; r++) for (const k of ks) out.push(result.precision[(((t * R + r) * K + k) * A + a) * M + m]);
    } else {
      for (const k of ks) out.push(result.recall[((t * K + k) * A + a) * M + m]);
    }
  }
  return Float64Array.from(out);
}

// [COCO] cocoeval.py summarize: `stats[0] = _summarize(1)` uses the default argument maxDets=100.
const SUMMARY_AP_MAX_DETS = 100;

/**
 * COCOeval.summarize's 12 numbers. Like pycocotools it reads maxDets[0], [1] and [2] and the area labels
 * all/small/medium/large (a label that is missing gives −1); fewer than three maxDets is a RangeError.
 */
export function summarize(result: CocoEvalResult): CocoSummary {
  const md = result.params.maxDets;
  if (md.length < 3) throw new RangeError(`summarize needs three maxDets (it reads maxDets[0..2]); got ${md.join(', ')}`);
  const stat = (ap: boolean, maxDets: number, areaLabel = 'all', iouThr?: number) =>
    meanOfValid(select(result, { ap, iouThr, areaLabel, maxDets }));
  return {
    // summarize's `_summarize(1)` keeps its default maxDets=100: with maxDets that lack 100, AP is −1 there too.
    AP: stat(true, SUMMARY_AP_MAX_DETS),
    AP50: stat(true, md[2], 'all', 0.5),
    AP75: stat(true, md[2], 'all', 0.75),
    APs: stat(true, md[2], 'small'),
    APm: stat(true, md[2], 'medium'),
    APl: stat(true, md[2], 'large'),
    AR1: stat(false, md[0]),
    AR10: stat(false, md[1]),
    AR100: stat(false, md[2]),
    ARs: stat(false, md[2], 'small'),
    ARm: stat(false, md[2], 'medium'),
    ARl: stat(false, md[2], 'large'),
  };
}

/** Per-category AP and AP50 (area 'all' or the first range, the largest maxDets), with names from the GT. */
export function perCategory(result: CocoEvalResult, names: ReadonlyMap<number, string>): CategoryRow[] {
  const { params } = result;
  if (!params.useCats) return [];
  const areaLabel = params.areaRanges.some((r) => r.label === 'all') ? 'all' : params.areaRanges[0].label;
  const a = params.areaRanges.findIndex((r) => r.label === areaLabel);
  const maxDets = params.maxDets[params.maxDets.length - 1];
  const A = params.areaRanges.length;
  return params.catIds.map((id, k) => ({
    id,
    name: names.get(id) ?? String(id),
    AP: meanOfValid(select(result, { ap: true, areaLabel, maxDets, k })),
    AP50: meanOfValid(select(result, { ap: true, areaLabel, maxDets, k, iouThr: 0.5 })),
    numGt: result.gtCounts[k * A + a],
  }));
}

/**
 * Python's `'{:0.3f}'.format(x)`: like toFixed(3), except that an exact tie (x·1000 ending in .5 exactly, as for
 * 0.0625) goes to the even neighbour where toFixed goes up.
 */
export function formatFixed3(x: number): string {
  // A double lies exactly halfway between thousandths only if it is j/16 (x·16 is exact) with 125·j odd.
  const doubled = x * 2000;
  if (Number.isInteger(x * 16) && Math.abs(doubled) % 2 === 1) {
    const down = Math.floor(x * 1000);
    return ((down % 2 === 0 ? down : down + 1) / 1000).toFixed(3);
  }
  return x.toFixed(3);
}

/** The summary in pycocotools' layout, one line per number. */
export function formatSummary(result: CocoEvalResult, summary: CocoSummary): string {
  const p = result.params;
  const md = p.maxDets;
  const first = p.iouThrs[0].toFixed(2);
  const last = p.iouThrs[p.iouThrs.length - 1].toFixed(2);
  const line = (ap: boolean, value: number, iou: string, area: string, maxDets: number) =>
    ` ${(ap ? 'Average Precision' : 'Average Recall').padEnd(18)} ${ap ? '(AP)' : '(AR)'} @[ IoU=${iou.padEnd(9)} | area=${area.padStart(6)} | maxDets=${String(maxDets).padStart(3)} ] = ${formatFixed3(value)}`;
  const all = `${first}:${last}`;
  return [
    line(true, summary.AP, all, 'all', SUMMARY_AP_MAX_DETS),
    line(true, summary.AP50, '0.50', 'all', md[2]),
    line(true, summary.AP75, '0.75', 'all', md[2]),
    line(true, summary.APs, all, 'small', md[2]),
    line(true, summary.APm, all, 'medium', md[2]),
    line(true, summary.APl, all, 'large', md[2]),
    line(false, summary.AR1, all, 'all', md[0]),
    line(false, summary.AR10, all, 'all', md[1]),
    line(false, summary.AR100, all, 'all', md[2]),
    line(false, summary.ARs, all, 'small', md[2]),
    line(false, summary.ARm, all, 'medium', md[2]),
    line(false, summary.ARl, all, 'large', md[2]),
  ].join('\n') + '\n';
}

/** The per-category table: name, AP, AP50, #GT (AP as percentages, '-' where there is no GT). */
export function formatCategoryTable(rows: readonly CategoryRow[]): string {
  const pct = (x: number) => (x < 0 ? '-' : (100 * x).toFixed(1));
  const cells = rows.map((r) => [r.name, pct(r.AP), pct(r.AP50), String(r.numGt)]);
  const header = ['category', 'AP', 'AP50', '#GT'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n') + '\n';
}
