// `npm run build:playground [DIR]`: the playground page as plain files in DIR (default dist/playground/), for
// `nasfpn playground` to serve or any static web server to host (scripts/playground-build.mjs).
import { buildPlayground } from './playground-build.mjs';

const outdir = process.argv[2] ?? 'dist/playground';
const { files } = await buildPlayground(outdir);
const kb = (n) => `${(n / 1024).toFixed(0)} kB`;
const total = files.reduce((sum, f) => sum + f.bytes, 0);
const gzip = files.reduce((sum, f) => sum + f.gzipBytes, 0);
console.log(`built ${outdir}/: ${files.length} files, ${kb(total)} (${kb(gzip)} gzipped)`);
