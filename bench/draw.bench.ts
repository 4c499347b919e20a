// Diagram benchmarks (issue 3). Targets: the Figure 7 graph and the 7-repeat detector's stack view each
// < 300 ms beyond CLI start-up; a 200-cell pyramid < 2 s. Measured two ways: whole `nasfpn draw` commands
// against `nasfpn --version` (start-up), and the renderers in process (cold first call, then warm).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { printPyramid } from '../src/format/print.js';
import { renderGraph } from '../src/viz/graph.js';
import { renderStack } from '../src/viz/stack.js';
import { renderCells } from '../src/viz/cells.js';
import { renderPng } from '../src/viz/png.js';
import { detector, generatedPyramid, nasfpnPyramid } from '../test/helpers/ir.js';
import { time, timeCommand, writeResult } from './lib.js';

const ms = (x: number) => Math.round(x * 10) / 10;
async function once(fn: () => unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return ms(performance.now() - start);
}

execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
const dir = mkdtempSync(join(tmpdir(), 'nasfpn-bench-draw-'));
const big = generatedPyramid(200);
const bigFile = join(dir, 'big200.fpn');
writeFileSync(bigFile, printPyramid(big));

const cli = (args: string[], runs = 10) => timeCommand(runs, process.execPath, ['bin/nasfpn.js', ...args]);
const startup = await cli(['--version']);
const commands = {
  graph: await cli(['draw', 'examples/nasfpn.fpn', '-o', join(dir, 'graph.svg')]),
  stack7: await cli(['draw', 'examples/nasfpn.fpn', '--view', 'stack', '-o', join(dir, 'stack.svg')]),
  graph200: await cli(['draw', bigFile, '-o', join(dir, 'big.svg')], 5),
  cells: await cli(['draw', 'examples/nasfpn.fpn', '--view', 'cells', '-o', join(dir, 'cells.svg')], 5),
  graphPng: await cli(['draw', 'examples/nasfpn.fpn', '--png', '-o', join(dir, 'graph.png')], 5),
};
const beyond = Object.fromEntries(Object.entries(commands).map(([k, t]) => [k, ms(t.medianMs - startup.medianMs)]));
console.log(`start-up (nasfpn --version): ${startup.medianMs} ms`);
for (const [k, t] of Object.entries(commands)) console.log(`draw ${k}: ${t.medianMs} ms, ${beyond[k]} ms beyond start-up`);

const p = nasfpnPyramid();
const d = detector();
const inProcess = {
  graphColdMs: await once(() => renderGraph(p)),
  graph: await time(20, () => renderGraph(p)),
  stackColdMs: await once(() => renderStack(d)),
  stack: await time(20, () => renderStack(d)),
  graph200ColdMs: await once(() => renderGraph(big)),
  graph200: await time(5, () => renderGraph(big)),
  cellsColdMs: await once(() => renderCells(p)),
  cells: await time(5, () => renderCells(p)),
  cells200ColdMs: await once(() => renderCells(big)),
  pngGraph: await time(5, () => renderPng(renderGraph(p), 2)),
};
console.log(JSON.stringify(inProcess, null, 1));
rmSync(dir, { recursive: true, force: true });

writeResult('draw', {
  targets: { graphBeyondStartupMs: '< 300', stack7BeyondStartupMs: '< 300', graph200Ms: '< 2000' },
  startup,
  commands,
  beyondStartupMs: beyond,
  inProcess,
});
