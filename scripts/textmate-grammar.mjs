// `node scripts/textmate-grammar.mjs`: writes editors/vscode/syntaxes/fpn.tmLanguage.json, the extension's
// TextMate grammar, from the chevrotain tokens (scripts/textmate-grammar.ts does the work; esbuild bundles it,
// as scripts/grammar-diagrams.mjs does). Run it after changing src/parser/tokens.ts;
// test/editors/vscode.test.ts fails until you do.
import { build } from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const outDir = join('node_modules', '.cache', 'nasfpn-textmate');
mkdirSync(outDir, { recursive: true });
const outfile = join(outDir, `textmate-${process.pid}.mjs`);
await build({
  entryPoints: ['scripts/textmate-grammar.ts'], outfile, bundle: true, format: 'esm', platform: 'node',
  target: 'node20', packages: 'external', logLevel: 'warning',
});
try {
  const { textmateGrammarJson } = await import(pathToFileURL(outfile).href);
  mkdirSync('editors/vscode/syntaxes', { recursive: true });
  writeFileSync('editors/vscode/syntaxes/fpn.tmLanguage.json', textmateGrammarJson());
  console.log('wrote editors/vscode/syntaxes/fpn.tmLanguage.json');
} finally {
  rmSync(outfile, { force: true });
}
