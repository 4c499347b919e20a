import type { BuildOptions, Metafile } from 'esbuild';

export interface PlaygroundFile {
  /** Relative to the build folder, with `/`. */
  path: string;
  bytes: number;
  gzipBytes: number;
}

/** The esbuild options of the page bundle (entry `playground.js`, chunks under chunks/). */
export function playgroundBundleOptions(outdir: string): BuildOptions;
/** Builds the playground into `outdir` (emptied first); returns what it wrote, with sizes, and esbuild's metafile. */
export function buildPlayground(outdir: string): Promise<{ files: PlaygroundFile[]; metafile: Metafile }>;
/** Every file of a built playground with its size and gzipped size. */
export function playgroundFiles(dir: string): PlaygroundFile[];
