// Table 1 of the paper (parameters and FLOPs columns) and the comparison with this toolkit's counter.
// A row is matched to a detector by configuration (backbone, pyramid shape, repeats, widths, conv kind), and
// counted at the row's input size. FLOPs are compared as 2 × conv multiply-adds (the convention of the paper's Table 1, checked against its rows in docs/table1.md).
import type { DetectorIR } from '../semantics/ir.js';
import { countModel, type ModelCounts } from './count.js';
import { lowerDetector } from './lower.js';

export interface PaperRow {
  label: string;
  inputSize: number;
  /** Table 1 "# FLOPs", in billions. */
  paperFlopsB: number;
  /** Table 1 "# params", in millions. */
  paperParamsM: number;
  /**
   * Whether the reference configuration reproduces this row (params within 1 %, FLOPs within 3 %). The Lite
   * rows cannot: the paper's Lite backbone cut, head and 15-cell pyramid are not public (docs/table1.md).
   */
  reproducible: boolean;
  matches: (d: DetectorIR) => boolean;
}

export const PARAMS_TOLERANCE = 0.01;
export const FLOPS_TOLERANCE = 0.03;

/**
 * The FPN baseline of Table 1: the TF reference's fpn.py (`kind fpn`). FPN written as merging cells
 * (examples/fpn.fpn `fpn_cells`) is a different model and matches no row.
 */
const isFpn = (d: DetectorIR) => d.pyramid.kind === 'fpn';
/** The discovered 7-cell NAS-FPN (two intermediate cells, five outputs). */
const isNasfpn = (d: DetectorIR) => d.pyramid.kind === 'cells' && d.pyramid.cells.length === 7 && d.pyramid.cells.some((c) => !c.isOutput);
/** A pyramid of merging cells (the Lite rows' stand-in 15-cell pyramid). */
const isCells = (d: DetectorIR) => d.pyramid.kind === 'cells';
const resnet = (d: DetectorIR, depth: number) => d.backbone.kind === 'resnet' && d.backbone.depth === depth;
const mobilenet = (d: DetectorIR) => d.backbone.kind === 'mobilenet_v2' && d.backbone.widthMultiplier === 1;
const plain = (d: DetectorIR, repeats: number, width: number) =>
  d.repeats === repeats && d.width === width && d.head.width === width && !d.anytimeHeads;

const fpn = (depth: number, inputSize: number, paperFlopsB: number, paperParamsM: number): PaperRow => ({
  label: `FPN R-${depth} @256`, inputSize, paperFlopsB, paperParamsM, reproducible: true,
  matches: (d) => resnet(d, depth) && isFpn(d) && plain(d, 1, 256) && d.conv === 'standard',
});
const nasfpn = (width: number, inputSize: number, paperFlopsB: number, paperParamsM: number, dropblock = false): PaperRow => ({
  label: `NAS-FPN R-50 (7 @ ${width})${dropblock ? ' + DropBlock' : ''}`, inputSize, paperFlopsB, paperParamsM, reproducible: true,
  matches: (d) => resnet(d, 50) && isNasfpn(d) && plain(d, 7, width) && d.conv === 'standard' && (d.dropblock !== null) === dropblock,
});
const lite = (label: string, pyramid: (d: DetectorIR) => boolean, repeats: number, width: number, paperFlopsB: number, paperParamsM: number): PaperRow => ({
  label, inputSize: 320, paperFlopsB, paperParamsM, reproducible: false,
  matches: (d) => mobilenet(d) && pyramid(d) && plain(d, repeats, width) && d.conv === 'separable' && d.maxLevel === 6,
});

export const TABLE1: PaperRow[] = [
  lite('FPN Lite MobileNetV2 @ 64', isFpn, 1, 64, 1.51, 2.02),
  lite('FPN Lite MobileNetV2 @ 128', isFpn, 1, 128, 2.03, 2.2),
  lite('NAS-FPN Lite MobileNetV2 (3 @ 48)', isCells, 3, 48, 1.52, 2.16),
  lite('NAS-FPN Lite MobileNetV2 (7 @ 64)', isCells, 7, 64, 1.96, 2.62),
  fpn(50, 640, 193.6, 34.0),
  fpn(101, 640, 254.2, 53.0),
  fpn(50, 1024, 495.8, 34.0),
  fpn(101, 1024, 651.1, 53.0),
  nasfpn(256, 640, 281.3, 60.3),
  nasfpn(256, 1024, 720.4, 60.3),
  nasfpn(256, 1280, 1125.5, 60.3),
  nasfpn(384, 1280, 2086.3, 103.9),
  nasfpn(384, 1280, 2086.3, 103.9, true),
];

export interface Comparison {
  row: PaperRow;
  detector: DetectorIR;
  counts: ModelCounts;
  /** Relative differences (ours − paper) / paper. */
  paramsDiff: number;
  flopsDiff: number;
  withinTolerance: boolean;
}

function compareRow(row: PaperRow, detector: DetectorIR): Comparison {
  const counts = countModel(lowerDetector(detector, { inputSize: row.inputSize }));
  const paramsDiff = counts.trainable / (row.paperParamsM * 1e6) - 1;
  const flopsDiff = counts.flops / (row.paperFlopsB * 1e9) - 1;
  return {
    row, detector, counts, paramsDiff, flopsDiff,
    withinTolerance: Math.abs(paramsDiff) <= PARAMS_TOLERANCE && Math.abs(flopsDiff) <= FLOPS_TOLERANCE,
  };
}

/** Each Table 1 row with the first of `detectors` that has its configuration (rows without one are left out). */
export function compareTable1(detectors: DetectorIR[]): Comparison[] {
  const comparisons: Comparison[] = [];
  for (const row of TABLE1) {
    const detector = detectors.find(row.matches);
    if (detector) comparisons.push(compareRow(row, detector));
  }
  return comparisons;
}
