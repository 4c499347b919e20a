// `node scripts/vscode-screenshot.mjs`: renders docs/images/vscode.png, the README's picture of the editor
// support, from a real run of the language server (scripts/vscode-screenshot.ts says what it shows). Needs
// `npm run build` and Chromium (CHROMIUM=/path/to/chromium if it is not /usr/bin/chromium).
import { build } from 'esbuild';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const outDir = join('node_modules', '.cache', 'nasfpn-screenshot');
mkdirSync(outDir, { recursive: true });
const outfile = join(outDir, `screenshot-${process.pid}.mjs`);
await build({
  entryPoints: ['scripts/vscode-screenshot.ts'], outfile, bundle: true, format: 'esm', platform: 'node',
  target: 'node20', packages: 'external', logLevel: 'warning',
});
try {
  await import(pathToFileURL(outfile).href);
} finally {
  rmSync(outfile, { force: true });
}
