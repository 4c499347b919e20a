// Builds the playground (src/playground) into a folder of plain files: index.html, playground.css,
// playground.js and its chunks (elkjs, for the cells view, is a chunk of its own, loaded on first use). The page
// is the CLI's own TypeScript (the language service, the drawers, the counters) bundled for browsers with
// CodeMirror; nothing that needs Node goes in (test/architecture/boundaries.test.ts keeps it so). `npm run build`
// makes dist/playground/ with it, `npm run build:playground` only that, and tests and the benchmark build a
// private copy the same way.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const STATIC = 'src/playground/static';
const EXAMPLES = 'examples';

/** `import EXAMPLES from 'nasfpn:examples'`: every examples/*.fpn, file name → text, inside the bundle. */
const examplesModule = {
  name: 'nasfpn-examples',
  setup(builder) {
    builder.onResolve({ filter: /^nasfpn:examples$/ }, () => ({ path: 'examples', namespace: 'nasfpn-examples' }));
    builder.onLoad({ filter: /.*/, namespace: 'nasfpn-examples' }, () => {
      const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.fpn')).sort();
      const examples = Object.fromEntries(files.map((f) => [f, readFileSync(join(EXAMPLES, f), 'utf8')]));
      return { contents: `export default ${JSON.stringify(examples)};`, loader: 'js', watchFiles: files.map((f) => join(EXAMPLES, f)) };
    });
  },
};

/** The esbuild options of the page bundle (entry `playground.js`, chunks under chunks/). */
export function playgroundBundleOptions(outdir) {
  return {
    entryPoints: { playground: 'src/playground/page.ts' },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    // Browsers of 2023 on: CompressionStream('deflate-raw'), adoptedStyleSheets, ES2022.
    target: ['chrome109', 'firefox115', 'safari16.4'],
    // As in the CLI bundle: the parser skips chevrotain's grammar self-check (the tests run it on the sources).
    define: { 'process.env.NASFPN_BUNDLE': '"1"' },
    minify: true,
    chunkNames: 'chunks/[name]-[hash]',
    legalComments: 'linked',
    metafile: true,
    plugins: [examplesModule],
    logLevel: 'warning',
  };
}

/** Builds the playground into `outdir` (emptied first); returns what it wrote, with sizes, and esbuild's metafile. */
export async function buildPlayground(outdir) {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const { metafile } = await build(playgroundBundleOptions(outdir));
  for (const file of readdirSync(STATIC)) copyFileSync(join(STATIC, file), join(outdir, file));
  return { files: playgroundFiles(outdir), metafile };
}

/** Every file of a built playground with its size and gzipped size, paths relative to `dir`. */
export function playgroundFiles(dir) {
  const walk = (sub) => readdirSync(join(dir, sub), { withFileTypes: true }).flatMap((e) => {
    const path = sub ? `${sub}/${e.name}` : e.name;
    if (e.isDirectory()) return walk(path);
    const bytes = readFileSync(join(dir, path));
    return [{ path, bytes: statSync(join(dir, path)).size, gzipBytes: gzipSync(bytes).length }];
  });
  return walk('');
}
