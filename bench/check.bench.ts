// Language benchmarks: CLI start-up of `nasfpn check` against a bare `node -e 0`, and how `check` grows with
// the size of a file. A pyramid has at most MAX_CELLS (256) cells, so large files are many pyramids of 250
// cells; 200 × 50 has as many cells in more, smaller pyramids. Each size is timed in process (parse + check,
// after a warm-up) and end to end (`nasfpn check FILE`, every note printed, minus the start-up of `check` on a
// tiny file), and reported in cells per second: linear growth keeps that rate flat.
// Targets (issues 2 and 21): check ≤ 3× node start-up; 10,000 cells < 1 s beyond start-up; 100,000 cells < 10 s.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { checkText } from '../src/semantics/program.js';
import { parseFpn } from '../src/parser/parse.js';
import { formatFile } from '../src/format/format.js';
import { time, timeCommand, writeResult } from './lib.js';

/** A valid pyramid of `cells` cells over P3..P7: intermediates at P4..P7 fed by two earlier layers, then 5 outputs. */
export function generatePyramid(cells: number, seed = 1, name = 'big'): string {
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const names = ['P3', 'P4', 'P5', 'P6', 'P7'];
  const lines = [`pyramid ${name} {`, '  inputs P3..P7'];
  for (let i = 0; i < cells - 5; i++) {
    const a = Math.floor(random() * names.length);
    let b = Math.floor(random() * (names.length - 1));
    if (b >= a) b++;
    const op = random() < 0.5 ? 'sum' : 'global_pool';
    const level = 4 + Math.floor(random() * 4);
    lines.push(`  cell c${i} @P${level} = ${op}(${names[a]}, ${names[b]})`);
    names.push(`c${i}`);
  }
  for (const level of [3, 4, 5, 6, 7]) {
    const last = names.length - 1;
    lines.push(`  output o${level} @P${level} = sum(${names[last]}, ${names[last - 1]})`);
    names.push(`o${level}`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** `pyramids` pyramids of `cells` cells each, in one file. */
export const generateFile = (pyramids: number, cells: number): string =>
  Array.from({ length: pyramids }, (_, p) => generatePyramid(cells, p + 1, `big${p}`)).join('\n');

const SIZES = [
  { pyramids: 1, cells: 250 },
  { pyramids: 10, cells: 250 },
  { pyramids: 40, cells: 250 },
  { pyramids: 200, cells: 50 },
  { pyramids: 400, cells: 250 },
];
const TARGET_MS: Record<number, number> = { 10_000: 1_000, 100_000: 10_000 };

/** CPU time (user + system, all threads) of `fn`: on a loaded machine a steadier measure than the wall clock. */
function cpuMs(fn: () => void): number {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/**
 * CPU time of one `nasfpn ARGS` process, as it reports at exit (a wrapper around bin/nasfpn.js): start-up
 * included, the machine's load excluded.
 */
function cliCpuMs(args: string[]): number {
  const wrapper = "process.on('exit', () => { const u = process.cpuUsage(); process.stderr.write(`\\ncpu-ms ${(u.user + u.system) / 1000}\\n`); }); " +
    "process.argv.splice(1, 0, 'nasfpn'); await import('./bin/nasfpn.js');";
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', wrapper, ...args], { encoding: 'utf8', maxBuffer: 2 ** 30 });
  const match = /cpu-ms ([\d.]+)/.exec(run.stderr);
  if (!match) throw new Error(`nasfpn ${args.join(' ')} reported no CPU time:\n${run.stderr.slice(-2000)}`);
  return Number(match[1]);
}

execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-check-bench-'));
const node = await timeCommand(10, process.execPath, ['-e', '0']);
const check = await timeCommand(10, process.execPath, ['bin/nasfpn.js', 'check', '-q', 'examples/nasfpn.fpn']);
const ratio = check.medianMs / node.medianMs;
console.log(`start-up: node -e 0 ${node.medianMs} ms, nasfpn check ${check.medianMs} ms (${ratio.toFixed(2)}×, target ≤ 3×)`);
const startupCpuMs = Math.min(...[1, 2, 3].map(() => cliCpuMs(['check', '-q', 'examples/nasfpn.fpn'])));

checkText(generateFile(2, 200), 'warmup.fpn'); // let the JIT see the code once, as a long-running CLI would not
const sizes = [];
for (const { pyramids, cells } of SIZES) {
  const total = pyramids * cells;
  const text = generateFile(pyramids, cells);
  const parse = await time(3, () => parseFpn(text, 'big.fpn'));
  let errors = 0;
  const parseAndCheck = await time(3, () => {
    errors = checkText(text, 'big.fpn').diagnostics.filter((d) => d.severity === 'error').length;
  });
  const parseAndCheckCpuMs = cpuMs(() => checkText(text, 'big.fpn'));
  if (errors) throw new Error(`the generated file (${pyramids} × ${cells}) has ${errors} errors`);
  const formatStart = performance.now();
  formatFile(parseFpn(text, 'big.fpn').ast);
  const formatMs = performance.now() - formatStart;
  const file = join(scratch, `${pyramids}x${cells}.fpn`);
  writeFileSync(file, text);
  // Every note printed (a dangling-sum note per unused layer): the code frames are part of what check does.
  const cli = await timeCommand(total >= 100_000 ? 1 : 3, process.execPath, ['bin/nasfpn.js', 'check', file]);
  const beyondStartup = Math.max(0, cli.medianMs - check.medianMs);
  const cliCpuBeyondStartup = Math.max(0, cliCpuMs(['check', file]) - startupCpuMs);
  const row = {
    pyramids, cellsPerPyramid: cells, cells: total, bytes: text.length,
    parseMs: Math.round(parse.medianMs), parseAndCheckMs: Math.round(parseAndCheck.medianMs), parseAndCheckCpuMs: Math.round(parseAndCheckCpuMs),
    formatMs: Math.round(formatMs), cliMs: Math.round(cli.medianMs), cliBeyondStartupMs: Math.round(beyondStartup),
    cliCpuBeyondStartupMs: Math.round(cliCpuBeyondStartup),
    cellsPerSecond: Math.round(total / (parseAndCheck.medianMs / 1000)),
    cliCellsPerSecond: Math.round(total / (Math.max(beyondStartup, 1) / 1000)),
    ...(TARGET_MS[total] ? { targetBeyondStartupMs: TARGET_MS[total] } : {}),
  };
  sizes.push(row);
  console.log(
    `${String(pyramids).padStart(3)} × ${cells} = ${String(total).padStart(6)} cells: parse ${row.parseMs} ms, parse + check ${row.parseAndCheckMs} ms (CPU ${row.parseAndCheckCpuMs} ms) ` +
    `(${row.cellsPerSecond.toLocaleString('en-US')} cells/s), fmt ${row.formatMs} ms; nasfpn check ${row.cliMs} ms, ` +
    `${row.cliBeyondStartupMs} ms beyond start-up (${row.cliCellsPerSecond.toLocaleString('en-US')} cells/s; CPU ${row.cliCpuBeyondStartupMs} ms)` +
    (row.targetBeyondStartupMs ? `, target < ${row.targetBeyondStartupMs} ms` : ''),
  );
}
rmSync(scratch, { recursive: true, force: true });

writeResult('check', {
  startup: { nodeMs: node, checkMs: check, checkCpuMs: Math.round(startupCpuMs), ratio: Math.round(ratio * 100) / 100, target: '≤ 3× node -e 0' },
  sizes,
  targets: '10,000 cells < 1,000 ms and 100,000 cells < 10,000 ms beyond start-up (issue 21)',
});
