// `nasfpn search report RUN -o DIR`: a finished (or running) search as the paper's figures, from its run
// directory alone. Figure 5-left (reward per trial, moving average, best so far), Figure 5-right (unique
// against total architectures), reward against FLOPs and parameters with the Pareto front, Figure 7(b–f)-
// style snapshots of the best architecture as the search went on, what changed from each snapshot to the next
// (`nasfpn diff --draw`), and an offline index.html showing them all with the top-k table (and, when the reward
// stopped bad trials early, what that saved: src/search/early-stopping.ts). Everything is rendered
// in memory first; the directory is then written atomically.
import { verdict } from '../diff/print.js';
import { diffPyramids } from '../diff/pyramid.js';
import { earlyStoppingSummary, formatEarlyStopping, wasStopped, type EarlyStoppingSummary } from '../search/early-stopping.js';
import { bestTrials } from '../search/export.js';
import type { RunConfig, TrialRecord } from '../search/records.js';
import type { PyramidIR } from '../semantics/ir.js';
import { renderGraph } from '../viz/graph.js';
import { renderGraphDiff } from '../viz/graph-diff.js';
import { escapeXml } from '../util/escape.js';
import { formatDuration } from './chart.js';
import { formatNumber, renderPlot, type XY } from '../viz/plot.js';
import { readRunConfig, readTrials } from '../search/store.js';
import { pyramidOf } from './architectures.js';

/** Colours shared by the report's plots (light theme, colour-blind-safe pairs). */
const PLOT_COLORS = {
  trial: '#7fa7d1',
  average: '#1f5fa6',
  best: '#d62728',
  total: '#8c8c8c',
  unique: '#2ca02c',
  front: '#d62728',
} as const;

/** Snapshots of the best architecture after these fractions of the finished trials (Figure 7 b–f: five). */
export const SNAPSHOT_FRACTIONS = [0.2, 0.4, 0.6, 0.8, 1] as const;
/** Rows of the index page's top-k table by default. */
export const REPORT_TOP_K = 10;

export interface ReportOptions {
  top?: number;
  /** Lines about damaged trial records, which the report passes over (default: none). */
  warn?: (message: string) => void;
}

/** One file of the report: its name in the directory and its contents. */
export interface ReportFile {
  name: string;
  /** What the file shows (printed by the command, used as the caption). */
  caption: string;
  svg: string;
}

export interface Report {
  config: RunConfig;
  plots: ReportFile[];
  snapshots: ReportFile[];
  /** From each snapshot to the next: the later one's graph with the earlier one overlaid. */
  changes: ReportFile[];
  html: string;
  /** What early stopping saved, when the reward asks for it (`stop=`) or a trial was stopped; null otherwise. */
  earlyStopping: EarlyStoppingSummary | null;
}

/** A finished trial as the report plots it. */
interface Scored {
  id: number;
  reward: number;
  record: TrialRecord;
}

/** Builds the whole report in memory. Throws RunDirectoryError for an unreadable run directory. */
export function buildReport(run: string, options: ReportOptions = {}): Report {
  const config = readRunConfig(run);
  const trials = readTrials(run, options.warn ?? (() => {}));
  const scored: Scored[] = trials.filter((t) => t.status === 'finished' && t.reward !== null).map((t) => ({ id: t.id, reward: t.reward as number, record: t }));
  const plots: ReportFile[] = [];
  if (scored.length) plots.push(rewardPlot(scored));
  if (trials.length) plots.push(uniquePlot(trials));
  const withFlops = scored.filter((s) => s.record.flops !== null);
  if (withFlops.length) plots.push(costPlot(withFlops, 'flops'));
  const withParams = scored.filter((s) => s.record.params !== null);
  if (withParams.length) plots.push(costPlot(withParams, 'params'));
  const { snapshots, changes } = bestSnapshots(scored);
  const earlyStopping = config.reward.options.stop !== undefined || trials.some(wasStopped) ? earlyStoppingSummary(trials) : null;
  const html = indexHtml(config, trials, scored, plots, snapshots, changes, options.top ?? REPORT_TOP_K, earlyStopping);
  return { config, plots, snapshots, changes, html, earlyStopping };
}

// ---------------------------------------------------------------------------------------------------
// Figure 5

/** Trailing moving-average window: a tenth of the trials, between 5 and 100. */
export const movingAverageWindow = (n: number): number => Math.max(5, Math.min(100, Math.round(n / 10)));

function rewardPlot(scored: Scored[]): ReportFile {
  const window = movingAverageWindow(scored.length);
  const average: XY[] = [];
  let sum = 0;
  scored.forEach((s, i) => {
    sum += s.reward;
    if (i >= window) sum -= scored[i - window].reward;
    average.push({ x: s.id, y: sum / Math.min(i + 1, window) });
  });
  const best: XY[] = [];
  let top = -Infinity;
  for (const s of scored) {
    top = Math.max(top, s.reward);
    best.push({ x: s.id, y: top });
  }
  const svg = renderPlot({
    title: 'Reward per trial (Figure 5, left)',
    desc: `Reward of each of ${scored.length} finished trials, its ${window}-trial moving average, and the best reward so far.`,
    xLabel: 'trial', yLabel: 'reward',
    layers: [
      { kind: 'points', label: 'reward of a trial', points: scored.map((s) => ({ x: s.id, y: s.reward })), color: PLOT_COLORS.trial },
      { kind: 'line', label: `moving average (${window} trials)`, points: average, color: PLOT_COLORS.average },
      { kind: 'line', label: 'best so far', points: best, color: PLOT_COLORS.best, step: true },
    ],
  });
  return { name: 'fig5-reward.svg', caption: 'Figure 5 (left): reward per trial, moving average and best so far', svg };
}

function uniquePlot(trials: TrialRecord[]): ReportFile {
  const total: XY[] = [];
  const unique: XY[] = [];
  let count = 0;
  for (const t of trials) {
    if (t.duplicateOf === null) count++;
    total.push({ x: t.id, y: t.id });
    unique.push({ x: t.id, y: count });
  }
  const svg = renderPlot({
    title: 'Unique architectures (Figure 5, right)',
    desc: `${count} unique architectures among ${trials.length} proposed: duplicates reuse an earlier trial's reward.`,
    xLabel: 'architectures proposed', yLabel: 'architectures',
    layers: [
      { kind: 'line', label: 'total', points: total, color: PLOT_COLORS.total, dashed: true },
      { kind: 'line', label: 'unique', points: unique, color: PLOT_COLORS.unique },
    ],
  });
  return { name: 'fig5-unique.svg', caption: 'Figure 5 (right): unique against total architectures proposed', svg };
}

// ---------------------------------------------------------------------------------------------------
// Reward against cost

/** The Pareto front of (cost ↓, reward ↑): the trials no cheaper-or-equal trial beats, cheapest first. */
export function paretoFront(points: readonly { cost: number; reward: number; id: number }[]): { cost: number; reward: number; id: number }[] {
  const sorted = [...points].sort((a, b) => a.cost - b.cost || b.reward - a.reward || a.id - b.id);
  const front: typeof sorted = [];
  for (const p of sorted) if (!front.length || p.reward > front[front.length - 1].reward) front.push(p);
  return front;
}

function costPlot(scored: Scored[], cost: 'flops' | 'params'): ReportFile {
  const points = scored.map((s) => ({ cost: s.record[cost] as number, reward: s.reward, id: s.id }));
  const front = paretoFront(points);
  const what = cost === 'flops' ? 'FLOPs' : 'parameters';
  const svg = renderPlot({
    title: `Reward against ${what}`,
    desc: `${points.length} finished trials by ${what} of the pyramid network at the proxy width, and the ${front.length} on the Pareto front (nothing cheaper scores higher).`,
    xLabel: cost === 'flops' ? 'FLOPs of the pyramid network' : 'parameters of the pyramid network', yLabel: 'reward',
    xFormat: formatNumber,
    layers: [
      { kind: 'points', label: 'trial', points: points.map((p) => ({ x: p.cost, y: p.reward })), color: PLOT_COLORS.trial },
      { kind: 'line', label: 'Pareto front', points: front.map((p) => ({ x: p.cost, y: p.reward })), color: PLOT_COLORS.front, step: true },
    ],
  });
  return { name: `reward-vs-${cost}.svg`, caption: `Reward against ${what}, with the Pareto front`, svg };
}

// ---------------------------------------------------------------------------------------------------
// Figure 7 (b–f)

/** The best trial after each fraction of the finished trials (by id), without repeats; ties go to the earlier trial. */
export function snapshotTrials(scored: readonly { id: number; reward: number }[]): { after: number; id: number; reward: number }[] {
  const out: { after: number; id: number; reward: number }[] = [];
  for (const fraction of SNAPSHOT_FRACTIONS) {
    const cut = Math.max(1, Math.ceil(fraction * scored.length));
    let best = scored[0];
    for (const s of scored.slice(0, cut)) if (s.reward > best.reward) best = s;
    if (best && !out.some((o) => o.id === best.id)) out.push({ after: scored[cut - 1].id, id: best.id, reward: best.reward });
  }
  return out;
}

/** Figure 7 (b–f): the snapshots, and from each to the next what changed (drawn as `nasfpn diff --draw` draws it). */
function bestSnapshots(scored: Scored[]): { snapshots: ReportFile[]; changes: ReportFile[] } {
  if (!scored.length) return { snapshots: [], changes: [] };
  const byId = new Map(scored.map((s) => [s.id, s]));
  const drawn = snapshotTrials(scored).flatMap((snap) => {
    const pyramid: PyramidIR | null = pyramidOf(byId.get(snap.id)!.record.fpn, `trial-${snap.id}.fpn`);
    return pyramid ? [{ snap, pyramid }] : [];
  });
  const letter = (i: number) => String.fromCharCode(98 + i);
  const snapshots = drawn.map(({ snap, pyramid }, i) => ({
    name: `fig7-${letter(i)}-trial-${snap.id}.svg`,
    caption: `Best after ${snap.after} trials: trial ${snap.id}, reward ${snap.reward.toFixed(4)}`,
    svg: renderGraph(pyramid, { theme: 'light' }),
  }));
  const changes = drawn.slice(1).map(({ snap, pyramid }, k) => {
    const before = drawn[k];
    const diff = diffPyramids(before.pyramid, pyramid);
    return {
      name: `fig7-${letter(k)}-to-${letter(k + 1)}-diff.svg`,
      caption: `Trial ${before.snap.id} → trial ${snap.id}: ${verdict(diff)}`,
      svg: renderGraphDiff(before.pyramid, pyramid, diff, { theme: 'light' }),
    };
  });
  return { snapshots, changes };
}

// ---------------------------------------------------------------------------------------------------
// index.html: one offline page (the SVGs inlined as data URIs, no script, no external file). Everything from
// the run folder (names, .fpn text, dates, even numbers: a copied folder may hold anything) is written as
// escaped text, and the page's Content-Security-Policy runs no script and loads nothing from elsewhere.

/** A value from the run folder, as HTML text. */
const html = (value: unknown): string => escapeXml(String(value));

function indexHtml(
  config: RunConfig, trials: TrialRecord[], scored: Scored[], plots: ReportFile[], snapshots: ReportFile[], changes: ReportFile[], k: number,
  earlyStopping: EarlyStoppingSummary | null,
): string {
  const unique = trials.filter((t) => t.duplicateOf === null).length;
  const failed = trials.filter((t) => t.status === 'failed').length;
  // The same ranking `nasfpn search export` writes from (one row per architecture, best first).
  const top = bestTrials(trials, k);
  const start = Date.parse(config.createdAt);
  const found = (t: TrialRecord) => (t.endedAt && Number.isFinite(start) ? formatDuration((Date.parse(t.endedAt) - start) / 1000) : '–');
  const figure = (f: ReportFile) =>
    `<figure><img alt="${html(f.caption)}" src="data:image/svg+xml;base64,${Buffer.from(f.svg).toString('base64')}"><figcaption>${html(f.caption)} (<a href="${html(f.name)}">${html(f.name)}</a>)</figcaption></figure>`;
  const rows = top.map((t, i) => `<tr><td>${i + 1}</td><td>${html(t.id)}</td><td><code>${html(t.hash.slice(0, 12))}</code></td><td>${html((t.reward as number).toFixed(4))}</td>` +
    `<td>${t.params === null ? '–' : html(formatNumber(t.params))}</td><td>${t.flops === null ? '–' : html(formatNumber(t.flops))}</td><td>${html(found(t))}</td>` +
    `<td><details><summary>.fpn</summary><pre>${html(t.fpn)}</pre></details></td></tr>`);
  const title = `Search ${config.space} (${config.strategy}, reward ${config.reward.name})`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>${html(title)}</title>
<style>
body { font-family: 'DejaVu Sans', Verdana, sans-serif; margin: 2em auto; max-width: 1340px; color: #1f1f1f; }
figure { display: inline-block; margin: 0 1em 1.5em 0; vertical-align: top; }
figure img { max-width: 640px; border: 1px solid #e0e0e0; }
figcaption { font-size: 0.85em; color: #666; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { padding: 0.25em 0.7em; border-bottom: 1px solid #e0e0e0; text-align: right; vertical-align: top; }
td:last-child { text-align: left; }
pre { text-align: left; font-size: 0.85em; }
</style>
</head>
<body>
<h1>${html(title)}</h1>
<p>${trials.length} of ${html(config.trials)} trials proposed, ${scored.length} finished, ${unique} unique, ${failed} failed; seed ${html(config.seed)}; started ${html(config.createdAt)}.</p>
${earlyStopping ? `<p>${html(formatEarlyStopping(earlyStopping))} (seconds: each stopped trial's steps saved at its own pace), against training every trial to the end of its budget.</p>
` : ''}<h2>Top ${top.length}</h2>
<table>
<tr><th>rank</th><th>trial</th><th>hash</th><th>reward</th><th>params</th><th>FLOPs</th><th>found after</th><th>architecture</th></tr>
${rows.join('\n')}
</table>
<h2>The search</h2>
${plots.map(figure).join('\n')}
${plots.some((p) => p.name.startsWith('reward-vs')) ? '' : '<p>No FLOPs or parameter counts: the search space has no proxy detector.</p>'}
<h2>The best architecture as the search went on (Figure 7 b–f)</h2>
${snapshots.map(figure).join('\n') || '<p>No trial has finished yet.</p>'}
${changes.length ? `<h2>What changed from one snapshot to the next</h2>
<p>Each later snapshot's graph with the earlier one overlaid (as <code>nasfpn diff --draw</code> draws it): cells and edges it added in blue, those it removed dashed in orange, cells it changed in purple, the rest in grey.</p>
${changes.map(figure).join('\n')}
` : ''}</body>
</html>
`;
}
