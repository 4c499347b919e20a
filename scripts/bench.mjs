// `npm run bench [name...]`: runs every bench/<name>.bench.ts (or the named ones) in its own Node process and
// leaves its JSON result in bench/results/<name>.json. Benchmarks are TypeScript; esbuild bundles each one
// (heavy packages stay external, as in the CLI bundle) into a temporary file that Node then runs.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const wanted = process.argv.slice(2);
const all = readdirSync('bench').filter((f) => f.endsWith('.bench.ts')).map((f) => f.replace(/\.bench\.ts$/, ''));
const names = wanted.length ? wanted : all;
const unknown = names.filter((n) => !all.includes(n));
if (unknown.length) {
  console.error(`bench: no bench/${unknown[0]}.bench.ts (have: ${all.join(', ')})`);
  process.exit(2);
}
mkdirSync('bench/results', { recursive: true });
const outDir = join('node_modules', '.cache', 'nasfpn-bench');
mkdirSync(outDir, { recursive: true });
let failed = 0;
for (const name of names) {
  const outfile = join(outDir, `${name}.mjs`);
  await build({
    entryPoints: [join('bench', `${name}.bench.ts`)], outfile, bundle: true, format: 'esm', platform: 'node',
    target: 'node20', packages: 'external', logLevel: 'warning',
  });
  console.log(`\n== bench ${name}`);
  const run = spawnSync(process.execPath, ['--expose-gc', outfile], { stdio: 'inherit' });
  if (run.status !== 0) failed++;
  rmSync(outfile, { force: true });
}
process.exit(failed ? 1 : 0);
