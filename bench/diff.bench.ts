// `nasfpn diff` benchmarks (issue 25). No target is set; recorded so that a slower matching shows. Whole commands
// against `nasfpn --version` (start-up), and in process: the matching on the examples and on generated
// pyramids of 200 cells and of the most a file may declare (MAX_CELLS), both nearly alike (one edge moved: almost everything matches by hash) and
// unrelated (two seeds: almost nothing matches, the worst case of the pairing passes), and the overlay drawing.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffPyramids } from '../src/diff/pyramid.js';
import { printPyramid } from '../src/format/print.js';
import { MAX_CELLS } from '../src/semantics/limits.js';
import { renderGraph } from '../src/viz/graph.js';
import { renderGraphDiff } from '../src/viz/graph-diff.js';
import { withOneEdgeMoved } from '../test/helpers/examples.js';
import { fpnPyramid, generatedPyramid, nasfpnPyramid } from '../test/helpers/ir.js';
import { time, timeCommand, writeResult } from './lib.js';

execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });

const dir = mkdtempSync(join(tmpdir(), 'nasfpn-bench-diff-'));
const big = generatedPyramid(200);
const bigMoved = withOneEdgeMoved(big);
const files = { big: join(dir, 'big.fpn'), moved: join(dir, 'moved.fpn') };
writeFileSync(files.big, printPyramid(big));
writeFileSync(files.moved, printPyramid(bigMoved));

const cli = (args: string[], runs = 10) => timeCommand(runs, process.execPath, ['bin/nasfpn.js', ...args]);
const startup = await cli(['--version']);
// diff exits 1 when the two differ: time it through a shell that ignores that.
const diffCommand = (args: string[], runs = 10) => timeCommand(runs, 'sh', ['-c', `"${process.execPath}" bin/nasfpn.js diff ${args.join(' ')} > /dev/null; true`]);
const commands = {
  examples: await diffCommand(['examples/fpn.fpn#fpn_cells', 'examples/nasfpn.fpn']),
  detectors: await diffCommand(['examples/fpn.fpn#retinanet_fpn_r50', 'examples/nasfpn.fpn#retinanet_nasfpn_r50']),
  draw: await diffCommand(['examples/fpn.fpn#fpn_cells', 'examples/nasfpn.fpn', '--draw', join(dir, 'overlay.svg')]),
  oneEdge200: await diffCommand([files.big, files.moved], 5),
};
const shellStartup = await timeCommand(10, 'sh', ['-c', 'true']);
const beyond = Object.fromEntries(Object.entries(commands).map(([k, t]) => [k, Math.round((t.medianMs - shellStartup.medianMs - startup.medianMs) * 10) / 10]));
console.log(`start-up (nasfpn --version): ${startup.medianMs} ms; sh -c true: ${shellStartup.medianMs} ms`);
for (const [k, t] of Object.entries(commands)) console.log(`diff ${k}: ${t.medianMs} ms, ${beyond[k]} ms beyond start-up`);

const huge = generatedPyramid(MAX_CELLS);
const hugeMoved = withOneEdgeMoved(huge);
const inProcess = {
  examples: await time(20, () => diffPyramids(fpnPyramid(), nasfpnPyramid())),
  oneEdge200: await time(10, () => diffPyramids(big, bigMoved)),
  unrelated200: await time(5, () => diffPyramids(big, generatedPyramid(200, 2))),
  oneEdgeMax: await time(3, () => diffPyramids(huge, hugeMoved)),
  unrelatedMax: await time(3, () => diffPyramids(huge, generatedPyramid(MAX_CELLS, 2))),
  overlay200: await time(5, () => renderGraphDiff(big, bigMoved, diffPyramids(big, bigMoved))),
  // The plain graph of the same pyramid, measured in the same run, for scale.
  graph200: await time(5, () => renderGraph(bigMoved)),
};
console.log(JSON.stringify(inProcess, null, 1));
rmSync(dir, { recursive: true, force: true });

writeResult('diff', { startup, commands, beyondStartupMs: beyond, inProcess });
