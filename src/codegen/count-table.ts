// The table `nasfpn stats` prints for a detector, as data: its title, its columns and its rows (each part, then
// the total). The CLI sets it as text, the playground and the VS Code view as HTML tables, all from here.
import type { ModelCounts } from './count.js';

/** How FLOPs are counted, printed under every table. */
export const FLOPS_CONVENTION =
  'FLOPs = 2 × multiply-adds of the convolutions (BN, bias, add, pooling not counted); the paper\'s Table 1 uses this convention.';

export const COUNT_COLUMNS = ['part', 'trainable', 'non-trainable', 'GMACs', 'GFLOPs'];

export const thousands = (n: number): string => n.toLocaleString('en-US');
export const giga = (n: number): string => (n / 1e9).toFixed(2);

/** `retinanet_nasfpn_r50, input 640×640: 60.32 M trainable parameters, 281.35 GFLOPs` (`where` goes after the name). */
export function countTitle(counts: ModelCounts, where?: string): string {
  return `${counts.name}${where ? ` (${where})` : ''}, input ${counts.inputSize}×${counts.inputSize}: ` +
    `${(counts.trainable / 1e6).toFixed(2)} M trainable parameters, ${giga(counts.flops)} GFLOPs`;
}

/** One row per part (backbone, laterals, each pyramid repeat, heads), then the total, in COUNT_COLUMNS' order. */
export function countRows(counts: ModelCounts): string[][] {
  const rows = counts.groups.map((g) => [g.group, thousands(g.trainable), thousands(g.nonTrainable), giga(g.macs), giga(2 * g.macs)]);
  rows.push(['total', thousands(counts.trainable), thousands(counts.nonTrainable), giga(counts.macs), giga(counts.flops)]);
  return rows;
}
