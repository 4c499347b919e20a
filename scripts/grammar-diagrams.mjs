// `node scripts/grammar-diagrams.mjs`: writes grammar/diagrams.html, the railroad diagrams of the .fpn
// grammar, from the chevrotain parser in src/parser/grammar.ts (scripts/grammar-diagrams-html.ts does the
// work; esbuild bundles it, as scripts/bench.mjs does for benchmarks). Run it after changing the grammar;
// test/parser/grammar-docs.test.ts fails until you do.
import { build } from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const outDir = join('node_modules', '.cache', 'nasfpn-grammar');
mkdirSync(outDir, { recursive: true });
const outfile = join(outDir, `diagrams-${process.pid}.mjs`);
await build({
  entryPoints: ['scripts/grammar-diagrams-html.ts'], outfile, bundle: true, format: 'esm', platform: 'node',
  target: 'node20', packages: 'external', logLevel: 'warning',
});
try {
  const { grammarDiagramsHtml } = await import(pathToFileURL(outfile).href);
  mkdirSync('grammar', { recursive: true });
  writeFileSync('grammar/diagrams.html', grammarDiagramsHtml());
  console.log('wrote grammar/diagrams.html');
} finally {
  rmSync(outfile, { force: true });
}
