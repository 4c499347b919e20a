// `npm run build:vscode`: bundles the VS Code extension into editors/vscode/dist/ with esbuild: the client
// (extension.js, with vscode-languageclient inside; `vscode` is the editor's own) and the language server
// (server.js: `nasfpn lsp` with the language service, the checker and the Figure 7 renderer inside, nothing
// to install). `npm run package:vscode` then makes the .vsix with @vscode/vsce.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

const dir = 'editors/vscode';
rmSync(`${dir}/dist`, { recursive: true, force: true });
const common = { bundle: true, platform: 'node', target: 'node18', format: 'cjs', logLevel: 'warning', minifyWhitespace: true, minifySyntax: true };
await build({ ...common, entryPoints: [`${dir}/src/extension.ts`], outfile: `${dir}/dist/extension.js`, external: ['vscode'] });
await build({
  ...common,
  entryPoints: [`${dir}/src/server.ts`], outfile: `${dir}/dist/server.js`,
  // As in the CLI bundle: the parser skips chevrotain's grammar self-check (the tests run it on the sources).
  define: { 'process.env.NASFPN_BUNDLE': '"1"', 'import.meta.url': 'import_meta_url' },
  banner: { js: "const import_meta_url = require('url').pathToFileURL(__filename).href;" },
});
console.log(`built ${dir}/dist/extension.js and ${dir}/dist/server.js`);
