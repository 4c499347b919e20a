// Runs a TypeScript module of scripts/ from a plain `node` command: esbuild bundles it (packages stay
// external, as for benchmarks) into node_modules/.cache, and it is imported from there and the bundle removed.
import { build } from 'esbuild';
import { mkdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Bundles `entry` (a .ts file), imports it, and hands its exports to `use` before the bundle is removed. */
export async function withTsModule(entry, use) {
  const outDir = join('node_modules', '.cache', 'nasfpn-scripts');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `${basename(entry, '.ts')}-${process.pid}.mjs`);
  await build({ entryPoints: [entry], outfile, bundle: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', logLevel: 'warning' });
  try {
    return await use(await import(pathToFileURL(outfile).href));
  } finally {
    rmSync(outfile, { force: true });
  }
}
