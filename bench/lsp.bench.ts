// The language server's keystroke latency: a scripted client (test/helpers/lsp-client.ts) opens a 2,000-line
// file in the bundled `nasfpn lsp`, then types: each keystroke is one incremental didChange, timed until the
// diagnostics of that version arrive (the server re-checks the whole file on every change, re-parsing only the
// blocks that changed: src/parser/incremental.ts). Target (issue 24): < 50 ms. Two files: eight pyramids of 245 merging cells (the densest .fpn there is: every line a cell), and the
// examples repeated (pyramids, detectors, recipes, comments). Two kinds of keystroke: inside a comment, and in a
// layer name (a diagnostic appears and goes away).
//
// On a shared machine the wall time measures the queue for a core as much as the server, so the server's own
// CPU time per keystroke is measured too (from /proc, in clock ticks, summed over all keystrokes), and the
// load average is recorded beside both.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { startLsp, uriOf } from '../test/helpers/lsp-client.js';
import { writeResult } from './lib.js';

const LINES = 2000;
const KEYSTROKES = 60;

/** Eight valid pyramids of 245 cells: intermediates at P4..P7 chaining the layers above, then the five outputs. */
function cellsFile(): string {
  const lines: string[] = [];
  for (let p = 0; lines.length < LINES - 250; p++) {
    lines.push(`pyramid big${p} {`, '  inputs P3..P7');
    const names = ['P3', 'P4', 'P5', 'P6', 'P7'];
    for (let i = 0; i < 240; i++) {
      const name = `c${p * 1000 + i}`;
      lines.push(`  cell ${name} @P${4 + (i % 4)} = ${i % 3 === 0 ? 'global_pool' : 'sum'}(${names[names.length - 1]}, ${names[(i * 7) % names.length]})`);
      names.push(name);
    }
    for (const level of [3, 4, 5, 6, 7]) {
      const last = names.length - 1;
      lines.push(`  output o${p}_${level} @P${level} = sum(${names[last]}, ${names[last - 1]})`);
      names.push(`o${p}_${level}`);
    }
    lines.push('}', '');
  }
  return lines.join('\n');
}

function examplesFile(): string {
  const parts = ['nasfpn.fpn', 'fpn.fpn', 'nasfpn-lite.fpn', 'search.fpn'].map((f) => readFileSync(resolve('examples', f), 'utf8').replace(/^import .*$/gm, ''));
  let text = '';
  for (let i = 0; text.split('\n').length < LINES; i++) text += parts.join('\n').replace(/\b(pyramid|detector|search|train) (\w+) \{/g, `$1 $2_${i} {`).replace(/\bpyramid (\w+) x/g, `pyramid $1_${i} x`).replace(/\bproxy (\w+)/g, `proxy $1_${i}`) + '\n';
  return text;
}

/** CPU time (user + system) a process has used, in ms, from /proc/PID/stat (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const round = (x: number) => Math.round(x * 10) / 10;

async function keystrokes(name: string, text: string, where: RegExp) {
  const client = await startLsp();
  const uri = uriOf(resolve(`bench-${name}.fpn`));
  let version = 1;
  const first = client.diagnostics(uri);
  client.open(uri, text, version);
  const initial = await first;
  const lines = text.split('\n');
  const line = lines.findIndex((l, i) => i > lines.length / 2 && where.test(l));
  const column = lines[line].search(where) + 1;
  const samples: number[] = [];
  let cpuBefore = 0;
  for (let k = 0; k < KEYSTROKES + 5; k++) {
    if (k === 5) cpuBefore = cpuMs(client.process.pid!);
    // Type a character, then delete it: the document alternates between two texts.
    const change = k % 2 === 0
      ? { range: { start: { line, character: column }, end: { line, character: column } }, text: 'x' }
      : { range: { start: { line, character: column }, end: { line, character: column + 1 } }, text: '' };
    const next = ++version;
    const published = client.diagnostics(uri, (p) => p.version === next);
    const start = performance.now();
    client.change(uri, next, [change]);
    await published;
    if (k >= 5) samples.push(performance.now() - start); // the first few warm the JIT
  }
  const serverCpuMsPerKeystroke = round((cpuMs(client.process.pid!) - cpuBefore) / samples.length);
  await client.stop();
  samples.sort((a, b) => a - b);
  const result = {
    lines: lines.length, diagnostics: initial.length, keystrokes: samples.length,
    medianMs: round(percentile(samples, 0.5)), p90Ms: round(percentile(samples, 0.9)), maxMs: round(samples[samples.length - 1]),
    serverCpuMsPerKeystroke, loadAverage: round(loadavg()[0]),
  };
  console.log(`${name}: ${result.lines} lines, keystroke → diagnostics median ${result.medianMs} ms, p90 ${result.p90Ms} ms, max ${result.maxMs} ms; ` +
    `server CPU ${serverCpuMsPerKeystroke} ms per keystroke; load average ${result.loadAverage} (target < 50 ms)`);
  return result;
}

execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
const cells = cellsFile();
const examples = examplesFile();
writeResult('lsp', {
  target: 'keystroke → published diagnostics < 50 ms on a 2,000-line file',
  cellsCommentKeystroke: await keystrokes('cells-comment', cells.replace(/\n(  cell c4100 )/, '\n  # typing here\n$1'), /# typing here/),
  cellsNameKeystroke: await keystrokes('cells-name', cells, /cell c\d+ @/),
  examplesCommentKeystroke: await keystrokes('examples-comment', examples, /^# /),
  examplesNameKeystroke: await keystrokes('examples-name', examples, /^  backbone /),
});
