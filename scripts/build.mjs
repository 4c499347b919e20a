// Bundles the CLI into dist/ with esbuild so that `nasfpn check` starts fast (chevrotain loaded as ~650
// separate ESM files costs ~570 ms; bundled it costs a fraction of that). Heavy or native packages stay
// external and are loaded lazily by the commands that need them (scripts/bundle-options.mjs). Then the
// browser playground, which `nasfpn playground` serves, into dist/playground/ (scripts/playground-build.mjs).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { bundleOptions } from './bundle-options.mjs';
import { buildPlayground } from './playground-build.mjs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({ ...bundleOptions('dist'), sourcemap: 'linked' });
await buildPlayground('dist/playground');
