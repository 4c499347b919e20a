// `node scripts/coco-synthetic.mjs SPEC.json OUTDIR`: writes OUTDIR/gt.json and OUTDIR/dt.json from a synthetic
// spec ({seed, images, categories, gtPerImage, detectionsPerImage}) with src/eval/synthetic.ts, so that
// scripts/coco-expected.py evaluates with pycocotools exactly the data the tests generate in-process.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [specPath, outDir] = process.argv.slice(2);
if (!specPath || !outDir) {
  console.error('usage: node scripts/coco-synthetic.mjs SPEC.json OUTDIR');
  process.exit(2);
}
const root = new URL('..', import.meta.url).pathname;
const cacheDir = join(root, 'node_modules', '.cache', 'nasfpn-coco-synthetic');
mkdirSync(cacheDir, { recursive: true });
const outfile = join(cacheDir, `synthetic-${process.pid}.mjs`);
await build({ entryPoints: [join(root, 'src/eval/synthetic.ts')], outfile, bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning' });
try {
  const { syntheticCoco, groundTruthJson, detectionsJson } = await import(pathToFileURL(outfile).href);
  const { gt, dt } = syntheticCoco(JSON.parse(readFileSync(specPath, 'utf8')));
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'gt.json'), groundTruthJson(gt));
  writeFileSync(join(outDir, 'dt.json'), detectionsJson(dt));
} finally {
  rmSync(outfile, { force: true });
}
