// Language benchmarks: CLI start-up of `nasfpn check` against a bare `node -e 0`, and parse + check of a
// generated 10,000-cell pyramid. Targets (issue 2): check ≤ 3× node start-up; 10k cells < 1 s.
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { checkText } from '../src/semantics/program.js';
import { parseFpn } from '../src/parser/parse.js';
import { formatFile } from '../src/format/format.js';
import { timeCommand, writeResult } from './lib.js';

/** A valid pyramid of `cells` cells over P3..P7: intermediates at P4..P7 fed by two earlier layers, then 5 outputs. */
export function generatePyramid(cells: number, seed = 1): string {
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const names = ['P3', 'P4', 'P5', 'P6', 'P7'];
  const lines = ['pyramid big {', '  inputs P3..P7'];
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

execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
const node = await timeCommand(10, process.execPath, ['-e', '0']);
const check = await timeCommand(10, process.execPath, ['bin/nasfpn.js', 'check', '-q', 'examples/nasfpn.fpn']);
const ratio = check.medianMs / node.medianMs;
console.log(`start-up: node -e 0 ${node.medianMs} ms, nasfpn check ${check.medianMs} ms (${ratio.toFixed(2)}×, target ≤ 3×)`);

const text = generatePyramid(10_000);
checkText(generatePyramid(200, 2), 'warmup.fpn'); // let the JIT see the code once, as a long-running CLI would not
const parseStart = performance.now();
const parsed = parseFpn(text, 'big.fpn');
const parseMs = performance.now() - parseStart;
const checkStart = performance.now();
const result = checkText(text, 'big.fpn');
const checkMs = performance.now() - checkStart;
const fmtStart = performance.now();
formatFile(parsed.ast);
const fmtMs = performance.now() - fmtStart;
const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
if (errors) throw new Error(`the generated pyramid has ${errors} errors`);
console.log(`10,000 cells: parse ${parseMs.toFixed(0)} ms, parse + check ${checkMs.toFixed(0)} ms (target < 1000), fmt ${fmtMs.toFixed(0)} ms`);

writeResult('check', {
  startup: { nodeMs: node, checkMs: check, ratio: Math.round(ratio * 100) / 100, target: '≤ 3× node -e 0' },
  tenThousandCells: { parseMs: Math.round(parseMs), parseAndCheckMs: Math.round(checkMs), formatMs: Math.round(fmtMs), target: '< 1000 ms' },
});
