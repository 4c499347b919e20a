// `node scripts/reference.mjs --out DIR [options]`: the reference measurement of a task — FPN, NAS-FPN and samples
// of a search space trained by one recipe over seeds and stacks, one JSON of results and a summary
// (docs/search.md, "The reference"; `--help` lists the options). scripts/reference.ts does the work; esbuild
// bundles it, as scripts/bench.mjs does for benchmarks. Resumable: run it again and it goes on where it stopped.
import { build } from 'esbuild';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(root, 'node_modules', '.cache', 'nasfpn-reference');
mkdirSync(outDir, { recursive: true });
const outfile = join(outDir, `reference-${process.pid}.mjs`);
await build({
  entryPoints: [join(root, 'scripts/reference.ts')], outfile, bundle: true, format: 'esm', platform: 'node',
  target: 'node20', packages: 'external', logLevel: 'warning',
});
let code;
try {
  const { run } = await import(pathToFileURL(outfile).href);
  code = run(process.argv.slice(2), root);
} finally {
  rmSync(outfile, { force: true });
}
process.exit(code);
