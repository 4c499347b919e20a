// The esbuild options of the CLI bundle, in one place: scripts/build.mjs builds dist/ with them, and the tests
// that run the bundle (test/viz/bundle.test.ts, test/runtime/doctor.test.ts) build a private copy with the
// same ones, so they test what users run.
import { readFileSync } from 'node:fs';

// Heavy or native packages the bundle leaves to node_modules, loaded lazily by the commands that need them.
const external = JSON.parse(readFileSync(new URL('./bundle-externals.json', import.meta.url), 'utf8'));

/** The esbuild options that bundle src/cli/main.ts into `outdir` (entry `main.js`, chunks under chunks/). */
export function bundleOptions(outdir) {
  return {
    entryPoints: { main: 'src/cli/main.ts' },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external,
    // The parser skips chevrotain's grammar self-check in the bundle (the tests run it on the sources).
    define: { 'process.env.NASFPN_BUNDLE': '"1"' },
    minifyWhitespace: true,
    minifySyntax: true,
    chunkNames: 'chunks/[name]-[hash]',
    logLevel: 'warning',
    // Bundled CommonJS dependencies call require(); ESM output has none unless it is made.
    banner: { js: "import { createRequire as __nasfpnCreateRequire } from 'node:module'; const require = __nasfpnCreateRequire(import.meta.url);" },
  };
}
