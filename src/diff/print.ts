// `nasfpn diff` output: the diff as text for people (a header per side, then one section per kind of change)
// and as JSON for tools. Only formatting: what changed is computed in pyramid.ts and detector.ts.
import { giga, thousands } from '../codegen/count-table.js';
import { levelName } from '../semantics/levels.js';
import { textTable } from '../util/table.js';
import type { DetectorDiff, PartCounts, SettingValue } from './detector.js';
import { countCells, type CellCounts, type CellSummary, type PyramidDiff, type PyramidSummary } from './pyramid.js';

/** How the command line named each side (`examples/nasfpn.fpn#nasfpn`). */
export interface DiffLabels {
  a: string;
  b: string;
}

/** The short form of a hash in headers. */
const SHORT_HASH = 12;
const INDENT = '  ';

const levels = (list: readonly number[]) => list.map(levelName).join(' ');
const range = (s: { minLevel: number; maxLevel: number }) => `${levelName(s.minLevel)}..${levelName(s.maxLevel)}`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `nasfpn (7 cells, P3..P7, hash b2cbd59b89a8)` */
function describePyramid(s: PyramidSummary): string {
  const body = s.kind === 'cells' ? plural(s.cells, 'cell') : 'kind fpn';
  return `${s.name} (${body}, ${range(s)}, hash ${s.hash.slice(0, SHORT_HASH)})`;
}

/** "2 added, 1 removed, 3 changed, 1 renamed, 2 unchanged", leaving out the kinds with no cell. */
export function formatCellCounts(counts: CellCounts): string {
  const parts = (['added', 'removed', 'changed', 'renamed', 'unchanged'] as const).filter((k) => counts[k] > 0).map((k) => `${counts[k]} ${k}`);
  return parts.join(', ') || 'no cells';
}

/** One line for the whole diff: equal or not, and how many cells of each kind. */
export function verdict(diff: PyramidDiff): string {
  return `${diff.equal ? 'structurally equal' : 'structurally different'}: ${formatCellCounts(countCells(diff))}`;
}

// ---------------------------------------------------------------------------------------------------
// Text

export function formatPyramidDiff(diff: PyramidDiff, labels: DiffLabels): string {
  const lines = [`--- ${labels.a}: pyramid ${describePyramid(diff.a)}`, `+++ ${labels.b}: pyramid ${describePyramid(diff.b)}`, verdict(diff)];
  const body = pyramidBody(diff);
  if (body.length) lines.push('', ...body);
  return lines.join('\n') + '\n';
}

/** The sections of a pyramid diff (empty ones left out). */
function pyramidBody(diff: PyramidDiff): string[] {
  const lines: string[] = [];
  const section = (title: string, items: string[]) => {
    if (items.length) lines.push(title, ...items.map((item) => INDENT + item));
  };
  if (diff.a.kind !== diff.b.kind) lines.push(`kind: ${diff.a.kind} → ${diff.b.kind}${diff.a.kind === 'fpn' || diff.b.kind === 'fpn' ? ' (a fixed FPN has no merging cells to match)' : ''}`);
  if (diff.inputs.added.length || diff.inputs.removed.length) {
    const what = [diff.inputs.added.length ? `added ${levels(diff.inputs.added)}` : '', diff.inputs.removed.length ? `removed ${levels(diff.inputs.removed)}` : ''].filter(Boolean);
    lines.push(`inputs: ${range(diff.a)} → ${range(diff.b)} (${what.join('; ')})`);
  }
  const changed = diff.matched.filter((m) => m.changed.length > 0);
  section(`changed (${changed.length}):`, changed.flatMap((m) => [
    `${renaming(m.a, m.b)}: ${m.changed.join(', ')}`,
    `${INDENT}- ${m.a.source}${danglingNote(m.a)}`,
    `${INDENT}+ ${m.b.source}${danglingNote(m.b)}`,
  ]));
  section(`added (${diff.added.length}):`, diff.added.map((c) => `+ ${c.source}${danglingNote(c)}`));
  section(`removed (${diff.removed.length}):`, diff.removed.map((c) => `- ${c.source}${danglingNote(c)}`));
  const same = diff.matched.filter((m) => m.changed.length === 0);
  const renamed = same.filter((m) => m.a.name !== m.b.name);
  const unchanged = same.filter((m) => m.a.name === m.b.name);
  const reads = (m: (typeof same)[number]) => (m.sameComputation ? '' : '*');
  section(`renamed (${renamed.length}):`, renamed.map((m) => `${renaming(m.a, m.b)}${reads(m)}`));
  if (unchanged.length) lines.push(`unchanged (${unchanged.length}): ${unchanged.map((m) => `${m.b.name}${reads(m)}`).join(', ')}`);
  if (same.some((m) => !m.sameComputation)) lines.push('(* the same cell, but it reads a changed one, so it computes something else)');
  if (diff.outputOrder) lines.push(`output order: ${levels(diff.outputOrder.a)} → ${levels(diff.outputOrder.b)}`);
  section('dangling sums:', diff.dangling.map((d) =>
    `${levelName(d.level)} output ${d.outputs.a === d.outputs.b ? d.outputs.b : renaming({ name: d.outputs.a }, { name: d.outputs.b })}: ${d.a.join(', ') || 'none'} → ${d.b.join(', ') || 'none'}`));
  return lines;
}

const renaming = (a: { name: string }, b: { name: string }) => (a.name === b.name ? b.name : `${a.name} → ${b.name}`);
const danglingNote = (c: CellSummary) => (c.danglingSums.length ? `  # + ${c.danglingSums.join(', ')} (dangling)` : '');

const signed = (n: number, format: (x: number) => string) => (n > 0 ? `+${format(n)}` : n < 0 ? `−${format(-n)}` : '0');
const settingText = (v: SettingValue) => (typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v));

/** `retinanet_nasfpn_r50 (60.08 M trainable parameters, 280.52 GFLOPs at 640×640)` */
function describeDetector(name: string, counts: PartCounts, inputSize: number): string {
  return `${name} (${(counts.trainable / 1e6).toFixed(2)} M trainable parameters, ${giga(counts.flops)} GFLOPs at ${inputSize}×${inputSize})`;
}

export function formatDetectorDiff(diff: DetectorDiff, labels: DiffLabels): string {
  const p = diff.pyramid;
  const lines = [
    `--- ${labels.a}: detector ${describeDetector(diff.a.name, diff.total.a, diff.a.inputSize)}`,
    `+++ ${labels.b}: detector ${describeDetector(diff.b.name, diff.total.b, diff.b.inputSize)}`,
    `${diff.equal ? 'equal' : 'different'}: ${diff.settings.length === 1 ? '1 setting differs' : `${diff.settings.length} settings differ`}; the pyramids are ${verdict(p)}`,
  ];
  if (diff.settings.length) {
    lines.push('', `settings (${diff.settings.length}):`, ...diff.settings.map((s) => `${INDENT}${s.setting}: ${settingText(s.a)} → ${settingText(s.b)}`));
  }
  lines.push('', `pyramids: ${describePyramid(p.a)} → ${describePyramid(p.b)}`, ...pyramidBody(p).map((line) => INDENT + line));
  if (diff.parts.length) {
    const cell = (c: PartCounts | null, key: keyof PartCounts, format: (n: number) => string) => (c ? format(c[key]) : '–');
    const delta = (a: PartCounts | null, b: PartCounts | null, key: keyof PartCounts, format: (n: number) => string) =>
      signed((b?.[key] ?? 0) - (a?.[key] ?? 0), format);
    const rows = [...diff.parts, { part: 'total', a: diff.total.a, b: diff.total.b }].map(({ part, a, b }) => [
      part, cell(a, 'trainable', thousands), cell(b, 'trainable', thousands), delta(a, b, 'trainable', thousands),
      cell(a, 'flops', giga), cell(b, 'flops', giga), delta(a, b, 'flops', giga),
    ]);
    lines.push('', 'parts that differ (counted as `nasfpn stats` counts; FLOPs = 2 × multiply-adds of the convolutions):');
    lines.push(...textTable(['part', 'trainable A', 'trainable B', 'Δ', 'GFLOPs A', 'GFLOPs B', 'Δ'], rows).split('\n').map((line) => INDENT + line));
  }
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------------
// JSON

const cellJson = (c: CellSummary) => ({
  name: c.name, level: c.level, op: c.op, inputs: c.inputs, pooled: c.pooled, output: c.isOutput, dangling: c.danglingSums, source: c.source,
});

function pyramidJson(diff: PyramidDiff) {
  const side = (s: PyramidSummary) => ({ name: s.name, kind: s.kind, levels: range(s), cells: s.cells, hash: s.hash });
  return {
    equal: diff.equal,
    a: side(diff.a),
    b: side(diff.b),
    summary: countCells(diff),
    inputs: diff.inputs,
    matched: diff.matched.map((m) => ({ a: cellJson(m.a), b: cellJson(m.b), changed: m.changed, renamed: m.a.name !== m.b.name, sameComputation: m.sameComputation })),
    added: diff.added.map(cellJson),
    removed: diff.removed.map(cellJson),
    outputOrder: diff.outputOrder,
    dangling: diff.dangling,
  };
}

export function pyramidDiffJson(diff: PyramidDiff, labels: DiffLabels): object {
  const json = pyramidJson(diff);
  return { kind: 'pyramid', ...json, a: { label: labels.a, ...json.a }, b: { label: labels.b, ...json.b } };
}

export function detectorDiffJson(diff: DetectorDiff, labels: DiffLabels): object {
  return {
    kind: 'detector',
    equal: diff.equal,
    a: { label: labels.a, ...diff.a, ...diff.total.a },
    b: { label: labels.b, ...diff.b, ...diff.total.b },
    settings: diff.settings,
    pyramid: pyramidJson(diff.pyramid),
    parts: diff.parts,
    flops: 'FLOPs = 2 × multiply-adds of the convolutions (as nasfpn stats counts them)',
  };
}
