import type { BuildOptions } from 'esbuild';

/** The esbuild options that bundle src/cli/main.ts into `outdir` (entry `main.js`, chunks under chunks/). */
export function bundleOptions(outdir: string): BuildOptions;
