// Bundles the CLI into dist/ with esbuild so that `nasfpn check` starts fast (chevrotain loaded as ~650
// separate ESM files costs ~570 ms; bundled it costs a fraction of that). Heavy or native packages stay
// external and are loaded lazily by the commands that need them.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

// Heavy or native packages the bundle leaves to node_modules (tests that bundle read the same list).
const external = JSON.parse(readFileSync(new URL('./bundle-externals.json', import.meta.url), 'utf8'));

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { main: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  sourcemap: 'linked',
  define: { 'process.env.NASFPN_BUNDLE': '"1"' },
  minifyWhitespace: true,
  minifySyntax: true,
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
  banner: { js: "import { createRequire as __nasfpnCreateRequire } from 'node:module'; const require = __nasfpnCreateRequire(import.meta.url);" },
});
